"""The report package's contracts with what it builds on: package data, papermill's engine
registry, jinja2 autoescaping. Fast: no kernel is started."""

from __future__ import annotations

import inspect

import pandas as pd

from follower_kit import report
from follower_kit.report import kernels, templates


def test_notebook_and_templates_are_package_data():
    assert report.report_notebook().is_file()
    assert report.report_notebook().parent.name == "report"  # inside the package, not notebooks/
    for name in ("report.html.j2", "report.css", "index.html.j2"):
        assert templates.template_text(name).strip(), name


def test_papermill_still_has_what_the_warm_kernel_engine_relies_on():
    """The warm-kernel engine reads papermill's private engine registry and mirrors
    NBClientEngine.execute_managed_notebook; if papermill changes either, this fails here, loudly,
    instead of a batch failing at its second client."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    assert isinstance(papermill_engines._engines, dict), "papermill's engine registry moved"
    mirrored = ["nb_man", "kernel_name", "log_output", "stdout_file", "stderr_file",
                "start_timeout", "execution_timeout"]
    params = list(inspect.signature(NBClientEngine.execute_managed_notebook).parameters)
    assert params[:len(mirrored)] == mirrored, \
        f"NBClientEngine.execute_managed_notebook changed: {params}"
    assert "km" in inspect.signature(PapermillNotebookClient.__init__).parameters, \
        "PapermillNotebookClient no longer takes a kernel manager (km)"
    kernels.register_warm_engine()
    kernels.register_warm_engine()  # once per process
    assert kernels.WARM_ENGINE in papermill_engines._engines


def test_index_page_escapes_strangers_text_once():
    page = templates.render_page("index.html.j2", summary="1 of 1 reports rendered", rows=[{
        "client": "<b>x</b>", "account": "a", "month": "2026-10", "followers": "1", "net": "+1",
        "new": "1", "lost": "0", "links": [("HTML", 'a/"x".html')], "ok": True,
        "seconds": "1.0 s"}])
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert 'href="a/&#34;x&#34;.html"' in page and "Content-Security-Policy" in page


def test_profile_links_by_handle_or_id_and_never_out_of_x_com():
    from follower_kit.report.html import follower_table, profile_link

    assert profile_link("brightwave") == '<a href="https://x.com/brightwave">@brightwave</a>'
    assert profile_link(None, "123") == '<a href="https://x.com/i/user/123">id 123</a>'
    assert profile_link(None, None) == ""
    hostile = profile_link('"><script>x</script>/../evil?q=1')
    assert "<script>" not in hostile and 'href="https://x.com/%22%3E%3Cscript' in hostile
    table = follower_table(pd.DataFrame({"follower_id": ["7", "8"], "username": ["ann", None]}),
                           {"username": "Handle"})
    assert 'href="https://x.com/ann"' in table and 'href="https://x.com/i/user/8"' in table


def test_the_summary_names_at_most_three_actions_most_useful_first():
    from follower_kit.report.html import action_list
    from follower_kit.report.prose import month_actions

    many = month_actions(blocked=742, block_threshold=0.85, follow_back=["a", "b", "c", "d", "e"],
                         talk_to=["x"], check_out=["n"])
    talkative = month_actions(talk_to=["a", "b", "c", "d"], check_out=["n"])
    assert many == [
        "Review and block the 742 accounts scoring 0.85 or more as bots (the block list).",
        "Start following back with @a, @b and @c: the best-ranked of 5 likely people, active, "
        "on your topics.",
        "Reply to @x: they wrote to you or about your topics."]
    assert talkative[0] == ("Reply first to @a, @b and @c: the best-ranked of 4 who wrote to "
                            "you or about your topics.")
    few = month_actions(blocked=1, block_threshold=0.9, check_out=["n1", "n2"])
    assert few[0].startswith("Review and block the 1 account scoring 0.90")
    assert few[1].startswith("Look at the new followers @n1 and @n2")
    assert month_actions() == [] and action_list([]) == ""
    html = action_list(["Reply to <script>"])
    assert "<ol><li>Reply to &lt;script&gt;</li></ol>" in html


def test_csv_lists_are_files_beside_the_report_or_inline_in_a_notebook(tmp_path):
    from follower_kit.report.html import csv_lists

    lists = {"Follow back": pd.DataFrame({"username": ["=cmd()", "ann"]}),
             "Talk to": pd.DataFrame({"username": []})}
    linked = csv_lists(lists, "acme-2026-10", folder=str(tmp_path))
    assert 'href="acme-2026-10-follow-back.csv"' in linked and "Talk to" not in linked
    assert (tmp_path / "acme-2026-10-follow-back.csv").read_text().splitlines()[1] == "'=cmd()"
    inline = csv_lists(lists, "acme-2026-10")
    assert 'href="data:text/csv;base64,' in inline and len(list(tmp_path.iterdir())) == 1
    assert csv_lists({"Talk to": lists["Talk to"]}, "x") == ""


def test_relations_sentence_names_what_the_store_cannot_tell():
    from follower_kit.report.prose import relations_sentence

    counts = pd.DataFrame({"relation": ["mutual", "not_followed_back", "not_following_back",
                                        "talk_to"], "count": [36, 728, 43, 104],
                           "assessed": [764, 764, 79, 764]})
    assert relations_sentence(counts, followers=764) == (
        "36 of the 764 followers are mutuals (you follow them too); 728 you do not follow back, "
        "and 43 accounts you follow do not follow you. In your own posts you replied to or "
        "mentioned 104 current followers.")
    unknown = counts.assign(assessed=0)
    assert relations_sentence(unknown, followers=764).startswith(
        "Mutuals and who is not followed back need the account's following list")
    quiet = counts.assign(count=[0, 764, 0, 0], assessed=[764, 764, 0, 764])
    said = relations_sentence(quiet, followers=764)
    assert "accounts you follow" not in said and "None of your own posts" in said


def test_relations_sentence_counts_one_in_the_singular():
    # an archive whose account has one follower, followed by it not, and follows three: the
    # report said "0 of the 1 followers are mutuals ...; 1 you do not follow back"
    from follower_kit.report.prose import relations_sentence

    def counts(mutual, not_followed_back, not_following_back, followers, following):
        return pd.DataFrame({"relation": ["mutual", "not_followed_back", "not_following_back"],
                             "count": [mutual, not_followed_back, not_following_back],
                             "assessed": [followers, followers, following]})

    assert relations_sentence(counts(0, 1, 3, 1, 3), followers=1) == (
        "The one follower is not a mutual: you do not follow them back, and 3 accounts you "
        "follow do not follow you.")
    assert relations_sentence(counts(1, 0, 1, 1, 2), followers=1) == (
        "The one follower is a mutual (you follow them too), and 1 account you follow does not "
        "follow you.")
    assert relations_sentence(counts(1, 4, 0, 5, 1), followers=5).startswith(
        "1 of the 5 followers is a mutual (you follow them too); 4 you do not follow back")
    assert relations_sentence(counts(0, 5, 2, 5, 2), followers=5).startswith(
        "None of the 5 followers is a mutual: you do not follow any of them back, and 2 ")
    # a following list but no follower yet: not "None of the 0 followers is a mutual"
    counts0 = counts(0, 0, 2, 0, 2).assign(known=True)
    assert relations_sentence(counts0, followers=0) == (
        "No one follows the account yet, and 2 accounts you follow do not follow you.")


def test_follower_table_leaves_out_columns_empty_in_every_row():
    from follower_kit.report.html import follower_table

    ids_only = pd.DataFrame({"follower_id": ["7", "8"], "username": [None, None],
                             "name": [None, " "], "detail": ["3 replies", None]})
    table = follower_table(ids_only, {"username": "Handle", "name": "Name", "detail": "Detail"})
    assert ">Handle<" in table and ">Detail<" in table and ">Name<" not in table
    assert 'href="https://x.com/i/user/7"' in table


def test_the_summary_page_holds_the_headline_actions_and_growth_at_a_glance():
    import pandas as pd

    from follower_kit.report.html import sparkline, summary_page
    from follower_kit.report.prose import headline, month_actions

    counts = pd.DataFrame({"snapshot_at": pd.to_datetime(["2026-08-31", "2026-09-30",
                                                          "2026-10-31"], utc=True),
                           "followers": [100, 140, 150], "new": [None, 45, 12],
                           "lost": [None, 5, 2], "net": [None, 40, 10]})
    monthly = counts.assign(month=counts["snapshot_at"].dt.strftime("%Y-%m-01"),
                            last_snapshot_at=counts["snapshot_at"])
    actions = month_actions(blocked=4, block_threshold=0.9, block=["b1", "b2", "b3", "b4"],
                            follow_back=["a", "b"], talk_to=["<t>"], topics=["sql", "python"])
    assert actions[0].endswith("(the block list, first @b1, @b2 and @b3).")
    assert actions[1] == "Follow back @a and @b: likely people, active, on your topics " \
                         "(sql and python)."
    page = summary_page(headline(monthly, "2026-10"), counts, account="acme", title="Acme <b>",
                        subtitle="@acme", actions=actions, notes=["A note."])
    assert page.startswith('<section class="fk-summary') and page.count("<li>") == 3
    assert "Acme &lt;b&gt;" in page and "@&lt;t&gt;" in page and "<b>" not in page
    assert "150" in page and "Growth at a glance" in page and "A note." in page
    assert "from 100 to 150 (+50); the largest gain was +40" in page
    svg = sparkline(counts)
    assert svg.count("<rect") == 4 and "<script" not in svg and "<polyline" in svg
    assert sparkline(counts.head(1)) == "" and "Growth at a glance" not in summary_page(
        headline(monthly.head(1), "2026-08"), counts.head(1), account="acme", title="t")


def test_a_title_never_ends_a_line_between_a_month_and_its_year():
    """A long client name wrapped the Bluesky sample's title as "... followers in October" above
    "2026"; the cards' "followers on 31 Oct" above "2026" too. Their dates now hold no-break
    spaces; the text around them still wraps and is still escaped."""
    from follower_kit.report.html import stat_cards, title_block

    block = str(title_block("Brightwave · data tools <b>: followers in October 2026",
                            "@brightwave.bsky.social · snapshot of 31 October 2026"))
    assert "followers in October\u00a02026</h1>" in block and "&lt;b&gt;" in block
    assert "snapshot of 31\u00a0October\u00a02026" in block
    cards = str(stat_cards([("followers on 31 Oct 2026", "3,284", "from 3,108 in May 2026")]))
    assert "followers on 31\u00a0Oct\u00a02026" in cards and "from 3,108 in May\u00a02026" in cards
    assert "Mayfair 2026" in str(title_block("Mayfair 2026"))  # a word, not a month
