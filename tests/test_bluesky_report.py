"""Everything downstream on a Bluesky audience: the sample moved to Bluesky (DIDs, handles,
labels, no X-only fields) scores, segments and renders its monthly report with bsky.app links."""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pytest

import follower_kit as fk
from follower_kit import Store, ingest
from follower_kit.analysis.bots.rules import missing_fields_note
from follower_kit.analysis.relations import profile_url
from follower_kit.report.html import profile_link
from follower_kit.sources.sample import generate
from follower_kit.testing.fake_bluesky import as_bluesky

HANDLE = "sample.bsky.social"


@pytest.fixture(scope="module")
def bluesky_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("bluesky-store"))
    ingest.write_sample(store, as_bluesky(generate(followers=800, months=3, seed=11), handle=HANDLE))
    return store


def test_profile_links_follow_the_network():
    assert profile_url("12", "brightwave") == "https://x.com/brightwave"
    assert profile_url("12") == "https://x.com/i/user/12"
    assert profile_url("did:plc:abc", "alice.bsky.social") == \
        "https://bsky.app/profile/alice.bsky.social"
    assert profile_url("did:plc:abc") == "https://bsky.app/profile/did:plc:abc"
    assert profile_url("did:plc:abc", "handle.invalid") == "https://bsky.app/profile/did:plc:abc"
    assert profile_url("did:plc:abc", "evil.com/../x?a=1") == \
        "https://bsky.app/profile/evil.com%2F..%2Fx%3Fa%3D1"
    assert profile_url("5", "evil.com/../x") == "https://x.com/evil.com%2F..%2Fx"  # no handle
    assert 'href="https://bsky.app/profile/alice.bsky.social">@alice.bsky.social</a>' in \
        profile_link("alice.bsky.social", "did:plc:abc")
    assert 'href="https://x.com/bob">@bob</a>' in profile_link("bob", "7")


def test_an_invalid_handle_is_named_by_its_did(tmp_path):
    """Bluesky gives every account whose handle no longer verifies the handle
    ``handle.invalid``: the report's tables and the CLI name such a follower by its DID (the
    link already went to the DID), not "@handle.invalid", which names none of them."""
    from click.testing import CliRunner

    from follower_kit.analysis.relations import profile_label
    from follower_kit.cli import main

    did = "did:plc:exezbtd3s43o2argizn5j3rd"
    assert profile_label(did, "handle.invalid") == f"{did} (invalid handle)"
    assert profile_label(did, "alice.example.com") == "@alice.example.com"
    assert profile_link("handle.invalid", did) == \
        f'<a href="https://bsky.app/profile/{did}">{did} (invalid handle)</a>'
    blue = as_bluesky(generate(followers=60, months=2, seed=3), handle=HANDLE)
    latest = blue.followers[blue.followers["snapshot_at"] == blue.followers["snapshot_at"].max()]
    first = blue.followers[blue.followers["snapshot_at"] == blue.followers["snapshot_at"].min()]
    new = sorted(set(latest["follower_id"]) - set(first["follower_id"]))
    users = blue.users.copy()
    users.loc[users["id"] == new[0], "username"] = "handle.invalid"
    store = Store(tmp_path)
    ingest.write_sample(store, replace(blue, users=users))
    out = CliRunner().invoke(main, ["changes", HANDLE, "--limit", "0", "--store", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert f"{new[0]} (invalid handle)" in out.output and "@handle.invalid" not in out.output


def test_every_terminal_list_names_a_did_whole_and_keeps_its_columns(tmp_path):
    """`changes` sized its handle column from the handles, so a DID row (49 characters) pushed
    its follower count out of line; `bots score` printed "@handle.invalid", which names none of
    these accounts (cli.common.name_column now names them in every list)."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    blue = as_bluesky(generate(followers=300, months=2, seed=5), handle=HANDLE)
    ingest.write_sample(Store(tmp_path / "first"), blue)
    scored = fk.score_bots(fk.load_month(HANDLE, store=Store(tmp_path / "first")))
    latest = blue.followers[blue.followers["snapshot_at"] == blue.followers["snapshot_at"].max()]
    first = blue.followers[blue.followers["snapshot_at"] == blue.followers["snapshot_at"].min()]
    new = sorted(set(latest["follower_id"]) - set(first["follower_id"]))
    ranked = scored.sort_values(["bot_score", "follower_id"], ascending=[False, True])
    dids = [ranked["follower_id"].iloc[1], new[0]]
    users = blue.users.copy()
    users.loc[users["id"].isin(dids), "username"] = "handle.invalid"
    ingest.write_sample(Store(tmp_path / "store"), replace(blue, users=users))
    store = ["--store", str(tmp_path / "store")]

    out = CliRunner().invoke(main, ["bots", "score", HANDLE, "--top", "30", *store])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    header = next(line for line in lines if re.match(r"^ *score  handle ", line))
    rows = [line for line in lines if re.match(r"^ *[01]\.\d{3}  ", line)]
    assert any(f"  {dids[0]} (invalid handle) " in row for row in rows), rows
    assert "@handle.invalid" not in out.output
    at = header.index("reasons")  # every row's reasons start under the header's
    assert all(row[at - 1] == " " and row[at] != " " for row in rows), "\n".join(rows)

    out = CliRunner().invoke(main, ["changes", HANDLE, "--limit", "0", *store])
    assert out.exit_code == 0, out.output
    assert f"  {dids[1]} (invalid handle) " in out.output
    rows = [line for line in out.output.splitlines() if re.search(r"\d followers  ", line)]
    ends = {m.end() for m in (re.search(r"\d followers", row) for row in rows)}
    assert len(rows) > 10 and len(ends) == 1, "\n".join(rows)


def test_the_influential_scores_line_up_beside_a_did(tmp_path):
    """`audience` named an influential follower with an invalid handle by its DID (49
    characters with "(invalid handle)") in a 20-character column: its score and every column
    after it stood out of line with the rows above and below."""
    import json

    from click.testing import CliRunner

    from follower_kit.cli import main

    blue = as_bluesky(generate(followers=300, months=1, seed=5), handle=HANDLE)
    ingest.write_sample(Store(tmp_path / "first"), blue)
    said = CliRunner().invoke(main, ["audience", HANDLE, "--json",
                                     "--store", str(tmp_path / "first")])
    top = json.loads(said.output.splitlines()[-1])["influential"]
    assert len(top) >= 3, top
    did = top[1]["follower_id"]
    users = blue.users.copy()
    users.loc[users["id"] == did, "username"] = "handle.invalid"
    ingest.write_sample(Store(tmp_path / "store"), replace(blue, users=users))
    out = CliRunner().invoke(main, ["audience", HANDLE, "--store", str(tmp_path / "store")])
    assert out.exit_code == 0, out.output
    lines = out.output.split("Influential in your topics")[1].splitlines()[1:]
    rows = [line for line in lines if " score " in line]
    assert any(f"  {did} (invalid handle) " in row for row in rows), rows
    assert len({row.index(" score ") for row in rows}) == 1, "\n".join(rows)


def test_scores_use_what_bluesky_has_and_count_its_labels(bluesky_store):
    data = fk.load_month(HANDLE, store=bluesky_store.path)
    scores = fk.score_bots(data).set_index("follower_id")
    labelled = data.followers.set_index("id")["labels"].map(lambda v: "spam" in list(v))
    spam_ids = labelled[labelled].index
    assert len(spam_ids) >= 3
    assert (scores.loc[spam_ids, "bot_score"] >= 0.98).all()
    assert scores.loc[spam_ids, "reasons"].str.contains(
        "labelled spam by a Bluesky moderation service").all()
    note = missing_fields_note(data.followers)
    assert "Bluesky accounts" in note and "location" in note and "likes" in note
    assert missing_fields_note(data.followers.assign(id="123")) == ""
    truth = bluesky_store.read_table("truth", HANDLE).set_index("follower_id")
    from sklearn.metrics import roc_auc_score

    both = scores.join(truth[["is_bot"]], how="inner")
    assert roc_auc_score(both["is_bot"].astype(bool), both["bot_score"]) > 0.95


def test_the_bot_package_scores_a_bluesky_audience_by_the_rules_too(bluesky_store):
    """The choice lives in the bots package, so a researcher calling it directly gets the same
    score as the report: on Bluesky accounts alone the default model is the rules."""
    from follower_kit.analysis import bots

    users = fk.load_month(HANDLE, store=bluesky_store.path).followers
    assert bots.model_for(users) is None
    assert bots.model_for(users.assign(id="123")) is bots.default_model()
    default = bots.score_bots(users, n_reasons=0)["bot_score"]
    rules = bots.score_bots(users, model="rules", n_reasons=0)["bot_score"]
    assert default.equals(rules)


def test_the_block_list_says_what_bluesky_scores_rest_on(bluesky_store):
    """The report and the triage say beside a Bluesky block list that the hand-set rules
    scored it, on which fields, and that its share of real people is unmeasured; an X
    audience's sentence is unchanged."""
    from click.testing import CliRunner

    from follower_kit import audience
    from follower_kit.cli import main
    from follower_kit.report import prose

    data = fk.load_month(HANDLE, store=bluesky_store.path)
    scores = fk.score_bots(data)
    said = audience.block_people(scores, profiles=data.followers)
    assert said["people_share"] is None  # the X evidence does not apply
    basis = said["basis"]
    assert "hand-set rules" in basis and "learned from X profiles" in basis
    assert "no likes given, list memberships, location" in basis
    assert "moderation label such as spam" in basis and "measured on X accounts only" in basis
    text = prose.bots_sentence(flagged=120, followers=800, bursts=None, blocked=40,
                               block_threshold=0.93, **said)
    assert text.endswith(basis)
    x_users = data.followers.assign(id=[str(i) for i in range(len(data.followers))])
    assert audience.block_people(scores, profiles=x_users)["basis"] == ""
    out = CliRunner().invoke(main, ["triage", HANDLE, "--store", str(bluesky_store.path)])
    assert out.exit_code == 0, out.output
    assert basis in out.output
    assert "hand-set rules (a stored" not in out.output  # not the X note on `--rules`


def test_where_they_are_says_bluesky_profiles_have_no_location(bluesky_store):
    from click.testing import CliRunner

    from follower_kit import audience
    from follower_kit.cli import main
    from follower_kit.report import prose

    data = fk.load_month(HANDLE, store=bluesky_store.path)
    assert audience.account_network(data) == "bluesky"
    countries = audience.insight(data)["countries"]
    text = prose.countries_sentence(countries, followers=len(data.followers),
                                    profiled=len(data.followers), network="bluesky")
    assert text == "Bluesky profiles have no location field, so where the audience is " \
                   "cannot be told."
    out = CliRunner().invoke(main, ["audience", HANDLE, "--store", str(bluesky_store.path)])
    assert out.exit_code == 0, out.output
    where = out.output.split("Where they are")[1].split("Languages")[0]
    assert "Bluesky profiles have no location field" in where and "unknown" not in where


def test_cli_tables_show_whole_bluesky_handles_in_one_column(bluesky_store):
    """Bluesky handles are domain names, longer than X's 15 characters: `bots score`,
    `changes` and `topics` print them whole and keep the next column in line."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    store = ["--store", str(bluesky_store.path)]
    for args, row in ((["bots", "score", HANDLE, "--top-n", "30"], r"^ *[01]\.\d{3}  (@\S+ +)"),
                      (["changes", HANDLE, "--limit", "30"], r"^  (@\S+ +[\d,]+ followers)"),
                      (["topics", HANDLE], r"^     (@\S+ +)\S")):
        out = CliRunner().invoke(main, [*args, *store])
        assert out.exit_code == 0, out.output
        cells = [m.group(1) for m in re.finditer(row, out.output, flags=re.M)]
        assert len(cells) >= 5, (args, out.output)
        assert all(c.split()[0].endswith(".bsky.social") for c in cells), args  # none cut
        assert max(len(c.split()[0]) for c in cells) > 17, args  # longer than X's column
        if args[0] != "topics":  # topics: one column per segment's examples
            assert len({len(c) for c in cells}) == 1, (args, cells)  # the next column in line


def test_bots_score_and_topics_read_the_latest_snapshot_by_default(tmp_path):
    """A pull made this month is the latest snapshot: `bots score` and `topics` said
    "[default: latest]" but read the last full month, last month's pull (as `triage` and
    `audience`, which read the latest, did not)."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    end = (pd.Timestamp.now(tz="UTC") + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    store = Store(tmp_path)
    ingest.write_sample(store, as_bluesky(generate(followers=80, months=2, seed=3, end=end),
                                          handle=HANDLE))
    latest = store.snapshot_at(HANDLE)
    assert latest.strftime("%Y-%m") == end[:7]  # this month: not a full month yet
    for args, said in ((["bots", "score", HANDLE], "scored 80 followers of @"),
                       (["topics", HANDLE], "80 followers of @")):
        out = CliRunner().invoke(main, [*args, "--store", str(tmp_path)])
        assert out.exit_code == 0, out.output
        assert f"{said}{HANDLE} at {latest:%Y-%m-%d %H:%M} UTC" in out.output, out.output


def test_topics_work_on_posts_and_bios(bluesky_store):
    data = fk.load_month(HANDLE, store=bluesky_store.path)
    segments = fk.segment(data)
    assigned = segments[segments["segment"] >= 0]
    assert assigned["label"].nunique() >= 3
    assert len(assigned) > 0.7 * len(segments)


@pytest.mark.slow
def test_the_report_of_a_bluesky_account_renders_with_bsky_links(bluesky_store, tmp_path):
    result = fk.report(HANDLE, store=str(bluesky_store.path), out_dir=tmp_path,
                       formats=("html",))
    page = result.paths["html"].read_text()
    links = re.findall(r'href="(https://[^"/]+)/', page)
    assert links.count("https://bsky.app") >= 20
    assert "https://x.com" not in links
    assert "Nobody to list" not in page  # every table has rows
    assert not re.search(r"[Nn]obody (followed|new|left)", page)
    assert "labelled spam by a Bluesky moderation service" in page
    assert "@sample.bsky.social" in page
    assert "Bluesky profiles have no location field" in page
    assert "scored by the kit&#x27;s hand-set rules" in page or \
        "scored by the kit's hand-set rules" in page


def test_the_report_sentences_name_an_invalid_handle_by_its_did():
    """The summary's actions and the new followers' sentence name accounts as the tables do:
    a follower whose handle no longer verifies by its DID, not "@handle.invalid"."""
    from follower_kit import report_text as rt

    did = "did:plc:exezbtd3s43o2argizn5j3rd"
    entries = pd.DataFrame({"follower_id": [did, "did:plc:b", "did:plc:c", "did:plc:d"],
                            "username": ["handle.invalid", "bob.bsky.social", None, "eve.xyz"]})
    named = rt.named_as(entries)
    assert named == [f"{did} (invalid handle)", "@bob.bsky.social", "@eve.xyz"]
    said = " ".join(rt.month_actions(blocked=3, block=named, follow_back=named * 2,
                                     check_out=named))
    assert said.count(f"{did} (invalid handle)") == 3, said
    assert "@handle.invalid" not in said and "@@" not in said and "@did:" not in said
    assert "@bob.bsky.social" in said
    assert rt.month_actions(follow_back=["alice"]) == [  # bare handles still work
        "Follow back @alice: likely people, active, on your topics."]
    for text in (rt.new_followers_sentence(pd.Series(["a"] * 3), new=3, notable=named),
                 rt.new_followers_sentence(pd.Series([None] * 3, dtype=object), new=3,
                                           profiled=0, named=named)):
        assert f"{did} (invalid handle)" in text and "@handle.invalid" not in text, text
    assert rt.named_as(entries.rename(columns={"follower_id": "id"}), "id") == named


@pytest.mark.slow
def test_the_report_names_invalid_handles_by_did_in_its_sentences(tmp_path):
    """Rendered: the block list's first names in "This month's actions" are followers whose
    handle no longer verifies (all the spam-labelled ones here); the prose names them by DID."""
    blue = as_bluesky(generate(followers=300, months=2, seed=5), handle=HANDLE)
    users = blue.users.copy()
    spam = users["labels"].map(lambda v: v is not None and "spam" in list(v))
    users.loc[spam, "username"] = "handle.invalid"
    store = Store(tmp_path / "store")
    ingest.write_sample(store, replace(blue, users=users))
    result = fk.report(HANDLE, store=str(store.path), out_dir=tmp_path, formats=("html",))
    page = result.paths["html"].read_text()
    assert "(invalid handle)" in page
    assert "@handle.invalid" not in page, re.findall(r".{80}@handle\.invalid.{40}", page)[:3]


def test_the_audience_command_names_invalid_handles_by_did(tmp_path):
    """`audience` lists who unfollowed and who is influential as `changes` does: a follower
    whose handle no longer verifies by its DID."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    blue = as_bluesky(generate(followers=60, months=2, seed=3), handle=HANDLE)
    users = blue.users.copy()
    users.loc[users["username"] != HANDLE, "username"] = "handle.invalid"
    ingest.write_sample(Store(tmp_path), replace(blue, users=users))
    out = CliRunner().invoke(main, ["audience", HANDLE, "--store", str(tmp_path)])
    assert out.exit_code == 0, out.output
    influential = out.output.split("Influential in your topics")[1]
    assert "(invalid handle)" in out.output.split("Unfollowed you")[1].split("Influential")[0]
    assert re.search(r"^  did:plc:\w+ \(invalid handle\) +score ", influential, flags=re.M)
    assert "@handle.invalid" not in out.output


def test_a_repost_has_no_rt_prefix_on_bluesky():
    """A Bluesky repost is a record pointing at a post, whose text it leaves as written: the
    fake keeps no X "RT @user: " prefix, nor the mention that prefix made."""
    x = generate(followers=100, months=2, seed=11).tweets
    blue = as_bluesky(generate(followers=100, months=2, seed=11), handle=HANDLE).tweets
    retweets = (x["kind"] == "retweet").to_numpy()
    assert x.loc[retweets, "text"].str.startswith("RT @").mean() > 0.9  # the X sample has them
    reposts = blue[retweets]
    assert len(reposts) > 20 and not reposts["text"].str.contains(r"^RT @", regex=True).any()
    assert reposts["id"].str.contains("/app.bsky.feed.repost/").all()
    prefixed = x.loc[retweets, "text"].str.extract(r"^RT @(\w+): ", expand=False).to_numpy()
    assert x.loc[retweets, "mentions"].map(len).sum() > reposts["mentions"].map(len).sum()
    from follower_kit.testing.fake_bluesky import to_handle

    kept_mention = [to_handle([p])[0] in list(ms) for p, ms, t in
                    zip(prefixed, reposts["mentions"], x.loc[retweets, "text"].str[4:])
                    if isinstance(p, str) and f"@{p}" not in t]
    assert len(kept_mention) > 20 and not any(kept_mention)
    kept = ~retweets  # every other post as it was written
    assert (blue.loc[kept, "text"].str.startswith("RT @") == x.loc[kept, "text"].str.startswith(
        "RT @")).all()


def test_bluesky_accounts_are_made_in_bluesky_s_era(tmp_path):
    """The fake moves the X sample's creation dates (2007 onwards) into Bluesky's (public
    since February 2023): the order kept, recent dates as they were, nobody made after the
    snapshot that first lists them; `ages` shows no account older than Bluesky."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    x = generate(followers=300, months=3, seed=11)
    blue = as_bluesky(x, handle=HANDLE)
    before, after = x.users["created_at"], blue.users["created_at"]
    assert before.min() < pd.Timestamp("2010-01-01", tz="UTC")
    assert after.min() >= pd.Timestamp("2023-02-17", tz="UTC")
    assert (before.rank(method="min") == after.rank(method="min")).all()  # order kept
    start = x.followers["snapshot_at"].min()
    assert (after[before >= start] == before[before >= start]).all()
    first_seen = blue.followers.groupby("follower_id")["snapshot_at"].min()
    made = blue.users.set_index("id")["created_at"].reindex(first_seen.index)
    assert (made <= first_seen).all()
    assert pd.Timestamp(blue.account["created_at"]) >= pd.Timestamp("2023-02-17", tz="UTC")
    ingest.write_sample(Store(tmp_path), blue)
    out = CliRunner().invoke(main, ["ages", "show", HANDLE, "--store", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "10+ years" not in out.output or re.search(r"10\+ years\D+0\b", out.output), out.output
