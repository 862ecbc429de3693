"""Monthly reports: the prose and tables (report_text), rendering (report.render), the batch, the CLI.

The sample report is rendered once per session (tests/_rendered.py) and read by several tests.
"""

from __future__ import annotations

import json
import re
import textwrap

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner

from _rendered import FAKE_TOKEN, MONTH, rendered_archive_report, rendered_report
from conftest import ROOT
from follower_kit import Store, ingest, report
from follower_kit import report_text as rt
from follower_kit.report import kernels
from follower_kit.report import rendering as render_module
from follower_kit.audience import DEFAULTS
from follower_kit.cli import main
from follower_kit.errors import ConfigError, FollowerKitError, SourceError


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, sample_store):
    return rendered_report(tmp_path_factory, sample_store)


# ------------------------------------------------------------------------------- report_text
HOSTILE = ["<script>window.__pwned=1</script>", '<img src=x onerror="alert(1)">',
           r"$\frac{a}{b}$ fan", "\u202eevil\u202c", "a\u200db", "`code` **bold**", "x" * 10_000]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_leaves_no_markup_math_or_markdown(text):
    out = rt.escape(text)
    assert "<" not in out and ">" not in out and "$" not in out and "`" not in out
    assert '"' not in out
    assert len(out) <= rt.MAX_CELL_CHARS * 6  # entities may lengthen, but a huge bio is cut


def test_escape_cuts_long_text_and_keeps_short_text():
    assert rt.escape("x" * 10_000, 50) == "x" * 49 + "\u2026"
    assert rt.escape("Ana Lúcia 🌱 東京") == "Ana Lúcia 🌱 東京"
    assert rt.escape(None) == "" and rt.escape(float("nan")) == ""


def test_follower_table_escapes_every_cell_and_isolates_bidi():
    frame = pd.DataFrame({"username": ["evil", "ok"], "name": HOSTILE[:2],
                          "followers_count": pd.array([1234567, 3], dtype="Int64"),
                          "bot_score": [0.91234, 0.1], "description": [HOSTILE[-1], HOSTILE[3]]})
    html = rt.follower_table(frame, {"username": "Handle", "name": "Name",
                                     "followers_count": "Followers", "bot_score": "Score",
                                     "description": "Bio"}, caption="<b>cap</b>")
    assert "<script" not in html and "<img" not in html and "<b>cap" not in html
    assert "&lt;script&gt;" in html and "@evil" in html and "1,234,567" in html
    assert "0.91" in html and html.count("<bdi>") == 10
    assert len(html) < 3000  # the 10,000-character bio was cut
    assert "mathjax_ignore" in html


def test_follower_table_empty_and_truncation_notes():
    assert "Nobody" in rt.follower_table(pd.DataFrame({"a": []}), ["a"], empty="Nobody here.")
    assert rt.follower_table(pd.DataFrame({"a": []}), ["a"], empty="") == ""
    html = rt.follower_table(pd.DataFrame({"a": range(30)}), ["a"], max_rows=5, caption="Top")
    assert "top 5 of 30" in html and html.count("<tr>") == 6


def test_csv_download_link_defuses_spreadsheet_formulas():
    import base64

    link = rt.csv_download_link(pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "Ann"]}),
                                'a"b.csv', "Download <all>")
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)", link).group(1)
    csv = base64.b64decode(payload).decode()
    assert "'=HYPERLINK" in csv and "\nAnn" in csv
    assert "&lt;all&gt;" in link and 'download="a&quot;b.csv"' in link
    frame = pd.DataFrame({"name": ["+1 555", "@x", "-x", "ok"], "n": [-1, 2, 3, 4],
                          "bio": pd.array(["=1+1", None, "a", "\tb"], dtype="string")})
    safe = rt.spreadsheet_safe(frame)
    assert safe["name"].tolist() == ["'+1 555", "'@x", "'-x", "ok"]
    assert safe["bio"].tolist()[0] == "'=1+1" and safe["bio"].tolist()[3] == "'\tb"
    assert safe["n"].tolist() == [-1, 2, 3, 4] and frame["name"].iloc[0] == "+1 555"


def test_percent_and_plural_never_say_zero_point_zero_for_something():
    assert rt.percent(0.0004) == "<0.1%"
    assert rt.percent(0.0) == "0.0%"
    assert rt.percent(0.052, signed=True) == "+5.2%"
    assert rt.plural(1, "follower") == "1 follower"
    assert rt.plural(2500, "person", "people") == "2,500 people"


def _monthly(rows):
    """A monthly_growth-like frame from (last snapshot's date, followers, new, lost, net) rows."""
    frame = pd.DataFrame(rows, columns=["last_snapshot_at", "followers", "new", "lost", "net"])
    at = pd.to_datetime(frame["last_snapshot_at"], utc=True)
    return frame.assign(last_snapshot_at=at,
                        month=at.dt.tz_localize(None).dt.to_period("M").dt.start_time
                        .dt.tz_localize("UTC"))


def test_headline_numbers_against_the_previous_month():
    monthly = _monthly([("2026-08-01", 100, None, None, None), ("2026-09-01", 120, 30, 10, 20),
                        ("2026-10-01", 150, 40, 10, 30)])
    h = rt.headline(monthly, "2026-10")
    assert (h["followers"], h["new"], h["lost"], h["net"]) == (150, 40, 10, 30)
    assert h["previous_followers"] == 120 and h["previous_new"] == 30
    assert h["growth_rate"] == pytest.approx(0.25)
    text = " ".join(rt.headline_sentences(h, "acme"))
    assert "up 30 (+25.0%) from 120" in text and "40 people followed and 10 left" in text
    assert "more new followers than the month before (30)" in text
    assert "as many departures as the month before" in text
    cards = rt.headline_cards(h)
    assert [c[1] for c in cards] == ["150", "40", "10", "+30"]
    with pytest.raises(ValueError, match="2026-11"):
        rt.headline(monthly, "2026-11")


def test_headline_prose_adapts_to_quiet_shrinking_and_first_months():
    first = rt.headline(_monthly([("2026-10-01", 80, None, None, None)]), "2026-10")
    text = " ".join(rt.headline_sentences(first, "acme"))
    assert "first month on record" in text and "0" not in text.replace("2026", "").replace("80", "")
    assert len(rt.headline_cards(first)) == 1

    quiet = rt.headline(_monthly([("2026-09-01", 50, 5, 0, 5), ("2026-10-01", 50, 0, 0, 0)]),
                        "2026-10")
    text = " ".join(rt.headline_sentences(quiet, "acme"))
    assert "the same number" in text and "Nobody followed and nobody left" in text
    assert "0 new" not in text and "0.0%" not in text

    down = rt.headline(_monthly([("2026-09-01", 50, 5, 0, 5), ("2026-10-01", 47, 0, 3, -3)]),
                       "2026-10")
    text = " ".join(rt.headline_sentences(down, "acme"))
    assert "down 3 (-6.0%)" in text and "Nobody new followed, and 3 followers left" in text

    one = rt.headline(_monthly([("2026-09-01", 50, 5, 0, 5), ("2026-10-01", 51, 1, 0, 1)]),
                      "2026-10")
    assert "1 person followed and nobody left" in " ".join(rt.headline_sentences(one, "acme"))


def test_headline_dates_the_snapshot_instead_of_calling_it_the_month_end(archive_store):
    """The real archive was exported on 20 August 2023, and a report of the current month can be
    rendered on 27 November: neither snapshot is 'the end of the month'."""
    from follower_kit.analysis import growth

    store = archive_store
    monthly = growth.monthly_growth(store.follower_edges("larsbrinkhoff"),
                                    snapshots=store.snapshots("larsbrinkhoff")["snapshot_at"])
    h = rt.headline(monthly, "2023-08")
    assert h["snapshot_at"] == pd.Timestamp("2023-08-20 11:06:14", tz="UTC")
    assert h["previous_snapshot_at"].strftime("%Y-%m-%d") == "2022-10-30"
    text = " ".join(rt.headline_sentences(h, "larsbrinkhoff"))
    assert text.startswith("@larsbrinkhoff had 764 followers on 20 August 2023, up 120 (+18.6%) "
                           "from 644 on 30 October 2022.")
    assert "end of" not in text and "ended" not in text
    assert rt.headline_cards(h)[0][:2] == ("followers on 20 Aug 2023", "764")
    first = rt.headline(monthly, "2021-03")
    assert rt.headline_sentences(first, "larsbrinkhoff")[0].startswith(
        "@larsbrinkhoff had 405 followers on 22 March 2021. This is the first month on record")
    # a report of the month so far, pulled on 27 November
    current = rt.headline(_monthly([("2026-10-31 12:00", 50, 5, 0, 5),
                                    ("2026-11-27 09:00", 49, 1, 2, -1)]), "2026-11")
    text = " ".join(rt.headline_sentences(current, "acme"))
    assert text.startswith("@acme had 49 followers on 27 November 2026, down 1 (-2.0%) from 50 "
                           "a month earlier.")
    assert rt.headline_cards(current)[0][0] == "followers on 27 Nov 2026"
    with pytest.raises(ValueError, match="last_snapshot_at.*monthly_growth"):
        rt.headline(monthly.drop(columns="last_snapshot_at"), "2023-08")


def test_archives_months_apart_never_read_as_a_month_earlier():
    """Two X archive exports ten months apart: the counts span ten months and say so; nothing
    is set against 'the month before'."""
    monthly = _monthly([("2022-04-29", 561, 173, 17, 156), ("2022-10-30", 644, 94, 11, 83),
                        ("2023-08-20", 764, 173, 53, 120)])
    h = rt.headline(monthly, "2023-08")
    assert (h["months_since_previous"], h["previous_months_since_previous"]) == (10, 6)
    text = " ".join(rt.headline_sentences(h, "lars"))
    assert "from 644 on 30 October 2022" in text
    assert "Since the October 2022 snapshot, 173 people followed and 53 left." in text
    assert "10 months apart" in text
    assert "month before" not in text and "a month earlier" not in text
    cards = rt.headline_cards(h)
    assert cards[0][2] == "from 644 in October 2022"
    assert cards[1][0] == "new followers since October 2022" and cards[1][2] is None
    assert (rt.period(h), rt.period(h, short=True), rt.earlier(h)) == (
        "since the October 2022 snapshot", "since October 2022", "at the October 2022 snapshot")
    monthly_series = rt.headline(_monthly([("2026-09-01", 50, 5, 0, 5),
                                           ("2026-10-01", 51, 1, 0, 1)]), "2026-10")
    assert (rt.period(monthly_series), rt.earlier(monthly_series)) == ("this month",
                                                                       "a month earlier")
    s = rt.bots_sentence(flagged=5, followers=100, previous_share=0.02, earlier=rt.earlier(h))
    assert "At the October 2022 snapshot it was 2.0%." in s and "month earlier" not in s
    s = rt.new_followers_sentence(pd.Series([None] * 173, dtype=object), new=173,
                                  period=rt.period(h), profiled=0)
    assert s.startswith("173 new followers since the October 2022 snapshot; none has a profile")
    named = [f"h{i}" for i in range(7)]
    s = rt.new_followers_sentence(pd.Series([None] * 173, dtype=object), new=173,
                                  period=rt.period(h), profiled=0, named=named)
    assert s.endswith("Your own posts name 7 of them: @h0, @h1, @h2, @h3, @h4 and 2 more.")
    s = rt.new_followers_sentence(pd.Series([None] * 173, dtype=object), new=173, profiled=0,
                                  named=["solo"])
    assert s.endswith("Your own posts name one of them: @solo.")
    assert "Nobody new followed since the October 2022 snapshot" in rt.new_followers_sentence(
        pd.Series([], dtype=str), new=0, period=rt.period(h))


def test_section_sentences_adapt():
    assert "Nobody new followed" in rt.new_followers_sentence(pd.Series([], dtype=str), new=0)
    first = rt.new_followers_sentence(pd.Series([], dtype=str), new=0, first_month=True)
    assert "first month on record" in first and "Nobody new followed" not in first
    s = rt.new_followers_sentence(pd.Series(["design"] * 3 + ["sports"]), new=4,
                                  notable=["ann", "bob"])
    assert "The 4 new followers come from design (75%) and sports (25%)" in s
    assert "Worth checking out first: @ann and @bob." in s
    s = rt.new_followers_sentence(pd.Series(list("aabbccd")), new=7)
    assert s.startswith("Most of the 7 new followers come from a (29%), b (29%) and c (29%)")
    assert rt.new_followers_sentence(pd.Series(["x"]), new=1) == \
        "The new follower comes from x (100%)."
    assert "No follower scores" in rt.bots_sentence(flagged=0, followers=100)
    s = rt.bots_sentence(flagged=5, followers=100, bursts=1, burst_members=40,
                         previous_share=0.02)
    assert "5 followers (5.0%)" in s and "2.0%" in s and "1 burst " in s
    # under a follower-factory chart its own sentence tells the bursts: said once, not twice
    assert "burst" not in rt.bots_sentence(flagged=5, followers=100, bursts=None)
    # with a stricter block list, the sentence says which of them are listed
    s = rt.bots_sentence(flagged=50, followers=1000, blocked=30, block_threshold=0.85)
    assert "50 followers (5.0%) look automated or fake. The 30 clearest cases (bot score 0.85 " \
        "or more) are listed below" in s
    assert "real people" not in s
    s = rt.bots_sentence(flagged=50, followers=1000, blocked=30, block_threshold=0.85,
                         people_share=0.098)
    assert "On public labeled accounts 9.8% of those on such a list were real people" in s
    s = rt.bots_sentence(flagged=50, followers=1000, blocked=30, block_threshold=0.85,
                         people_share=0.098, people_share_typical=0.37)
    assert ("On public labeled accounts, about half of them bots, 9.8% of those on such a list "
            "were real people; in an audience that is 15% bots (an estimate for X as a whole) "
            "about 37% would be: look at each before blocking.") in s
    # the month before is compared right after the share, not after the block list's caveats
    s = rt.bots_sentence(flagged=50, followers=1000, blocked=30, block_threshold=0.85,
                         people_share=0.098, people_share_typical=0.37, previous_share=0.04)
    assert s.startswith("50 followers (5.0%) look automated or fake. A month earlier it was "
                        "4.0%. The 30 clearest cases") and "before blocking. No burst" in s
    # the count of likely bots says how many of such accounts the evidence finds to be people
    s = rt.bots_sentence(flagged=50, followers=1000, blocked=30, block_threshold=0.85,
                         previous_share=0.04, flagged_people_typical=0.56)
    assert ("A month earlier it was 4.0%. That count is not all bots: measured on public "
            "labeled accounts, in an audience that is 15% bots about 56% of the accounts "
            "scoring this high would be real people. The 30 clearest cases") in s
    s = rt.bots_sentence(flagged=50, followers=1000, blocked=30, block_threshold=0.85,
                         flagged_people_typical=0.6, people_v2=True)
    assert "measured on public labeled accounts read as X API v2 gives them, in an" in s
    s = rt.bots_sentence(flagged=50, followers=1000, blocked=0, block_threshold=0.85,
                         people_share=0.098, people_share_typical=0.37)
    assert "None scores 0.85 or more" in s and "listed below" not in s
    assert "real people" not in s
    assert "No follower stands out" in rt.triage_sentence({"follow back": 0, "talk to": 0})
    # it judges the two lists it is given: the sample's March 2026 report said no follower
    # stood out for "a review" right above "Check out (149) · Block list (426)"
    assert "review" not in rt.triage_sentence({"follow back": 0, "talk to": 0})
    assert rt.triage_sentence({"follow back": 2, "talk to": 0}) == \
        "Suggested actions this month: 2 to follow back."
    # an archive alone: no profile to rank, which is not "nobody stands out"
    s = rt.triage_sentence({"follow back": 0, "talk to": 0}, followers=764, profiled=0,
                           talked_to=125)
    assert "none of the 764 followers has a profile" in s and "No follower stands out" not in s
    assert "The 125 followers you replied to or mentioned" in s
    assert "talked" not in rt.triage_sentence({"follow back": 0}, followers=5, profiled=0)
    assert "No follower stands out" in rt.triage_sentence({"follow back": 0}, followers=5,
                                                          profiled=3, talked_to=2)
    best = pd.DataFrame({"weekday": ["Tue", "Wed"], "hour": [18, 9], "active": [10, 8],
                         "share": [0.1, 0.08]})
    s = rt.activity_sentence(best, tz="Europe/Berlin", tweets=300)
    assert "Tuesdays at 18:00 (Europe/Berlin)" in s and "Wed 09:00" in s
    assert "no recent posts" in rt.activity_sentence(best.iloc[:0], tz="UTC", tweets=0)
    summary = pd.DataFrame({"label": ["a", "b"], "followers": [30, 10]})
    assert "2 segments; the largest are a (75%) and b (25%)" in rt.segments_sentence(summary)
    # an archive alone: no profile holds any text, which is not "not enough text"
    s = rt.segments_sentence(summary.iloc[:0], followers=764, profiled=0)
    assert "none of the followers has a profile in the store" in s and "enough text" not in s
    assert "not enough text" in rt.segments_sentence(summary.iloc[:0], followers=764,
                                                     profiled=700)


def _audience():
    return pd.DataFrame({
        "id": ["1", "2", "3", "4"], "username": ["ann_dev", "bob", "cyd", "dee"],
        "name": ["Ann", "Bob <b>", "Cyd", "Dee"],
        "description": ["python and coffee", "Marketing", None, "PYTHON bots"],
        "label": ["software", "marketing", "software", "software"],
        "bot_score": [0.1, 0.2, 0.9, None], "is_new": [True, False, True, False],
        "followers_count": [10, 300, 5, 7]})


def test_filter_followers_combines_every_filter():
    a = _audience()
    assert list(rt.filter_followers(a)["id"]) == ["2", "1", "4", "3"]  # most followed first
    assert list(rt.filter_followers(a, text="python")["id"]) == ["1", "4"]  # bio, any case
    assert list(rt.filter_followers(a, text="<b>")["id"]) == ["2"]  # plain text, no pattern
    assert list(rt.filter_followers(a, text=".*")["id"]) == []
    assert list(rt.filter_followers(a, segment="software", max_bot_score=0.5)["id"]) == ["1"]
    assert list(rt.filter_followers(a, min_bot_score=0.5)["id"]) == ["3"]  # unscored dropped
    assert list(rt.filter_followers(a, new_only=True, sort_by="username",
                                    ascending=True)["id"]) == ["1", "3"]


def test_explore_summary_and_quick_table_on_a_first_snapshot():
    """On the first snapshot on record nobody can be new: no '0 new', and the quick table lists
    the largest segment's likely humans instead of an empty list of new ones."""
    a = _audience()
    columns = {"username": "Handle", "label": "Segment"}
    assert rt.audience_line(a, account="acme", month="2026-10", segments=2) == \
        "@acme, 2026-10: 4 followers, 2 new, 2 segments"
    first = rt.audience_line(a.assign(is_new=False), account="acme", month="2026-10",
                             segments=1, first_month=True)
    assert first == ("@acme, 2026-10: 4 followers, the first snapshot on record, so nobody can "
                     "be new yet, 1 segment")
    # the snapshot before in the month before: the new are this month's, nothing added
    assert rt.audience_line(a, account="acme", month="2026-10", segments=2,
                            previous=pd.Timestamp("2026-09-30", tz="UTC")) == \
        "@acme, 2026-10: 4 followers, 2 new, 2 segments"
    # archives exported months apart: the new span the stretch, and no "0 segments"
    assert rt.audience_line(a, account="lars", month="2023-08", segments=0,
                            previous=pd.Timestamp("2022-10-30 11:47", tz="UTC")) == \
        "@lars, 2023-08: 4 followers, 2 new since October 2022, no segments"
    new = rt.likely_humans_table(a, columns, bot_threshold=0.5)
    assert "New likely-human followers in software" in new
    assert "@ann_dev" in new and "@cyd" not in new and "@dee" not in new  # a bot; no score
    humans = rt.likely_humans_table(a.assign(is_new=False), columns, bot_threshold=0.5,
                                    first_month=True)
    assert "Likely-human followers in software (the first snapshot on record" in humans
    assert "@ann_dev" in humans and "New likely" not in humans
    # nobody in a segment: all followers, not the "no clear topic" pseudo-segment
    none = rt.likely_humans_table(a.assign(label=rt.UNASSIGNED, is_new=False), columns,
                                  first_month=True)
    assert "Likely-human followers (the first" in none and "@bob" in none


def test_follower_explorer_redraws_through_the_escaping_table():
    a = _audience()
    box = rt.follower_explorer(a, {"username": "Handle", "name": "Name",
                                   "followers_count": "Followers"}, rows=10)
    search, segment = box.children[0].children
    table = box.children[-1]
    assert "4 followers match" in table.value and "Bob &lt;b&gt;" in table.value
    search.value = "python"
    assert "2 followers match" in table.value and "@ann_dev" in table.value
    segment.value = "marketing"
    assert "No follower matches" in table.value


def test_explore_tables_of_bursts_hours_and_countries_are_readable_or_a_sentence():
    """The explore notebook showed these frames raw (float densities, timestamps to the
    microsecond, a table of nothing); the helpers show dates, rounded numbers, named columns,
    and nothing when empty (the sentence printed beside them says why)."""
    t = pd.Timestamp
    bursts = pd.DataFrame({
        "burst_id": [1], "followers": [80], "density": [2480.784357],
        "created_from": [t("2026-02-19 12:34:29.123456", tz="UTC")],
        "created_to": [t("2026-02-22 11:15:40", tz="UTC")],
        "followed_to": [t("2026-03-02 00:48:27.950819", tz="UTC")],
        "mean_bot_score": [0.999993], "bot_share": [1.0],
        "label": ["80 likely bought, followed 28 Feb 2026"]})
    table = rt.bursts_table(bursts)
    assert ">Accounts created from</th>" in table and "2026-02-19" in table
    assert "12:34" not in table and "2480" not in table and "950819" not in table
    assert ">1.00<" in table and ">100%<" in table and "80 likely bought" in table
    unscored = rt.bursts_table(bursts.assign(mean_bot_score=float("nan"),
                                             bot_share=float("nan")))
    assert "Mean bot score" not in unscored  # an X archive alone has no scores
    assert rt.bursts_table(bursts.head(0)) == ""  # the burst sentence beside it says so
    assert "None." in rt.bursts_table(bursts.head(0), empty="None.")

    best = pd.DataFrame({"weekday": ["Wed", "Mon"], "hour": [14, 6], "active": [1260, 0],
                         "share": [0.009684, 0.0]})
    hours = rt.best_hours_table(best)
    assert ">Hour</th>" in hours and ">14:00<" in hours and ">1,260<" in hours
    assert ">1.0%<" in hours and "0.009684" not in hours and "Mon" not in hours
    assert rt.best_hours_table(best.head(0)) == rt.best_hours_table(best.tail(1)) == ""

    countries = pd.DataFrame({"country": ["US", "unknown"],
                              "country_name": ["United States", "unknown"],
                              "followers": [1483, 1384], "share": [0.2966, 0.2768]})
    where = rt.countries_table(countries)
    assert ">Country</th>" in where and ">30%<" in where and ">1,483<" in where
    assert ">US<" not in where and "0.2966" not in where
    assert rt.countries_table(countries.tail(1)) == ""  # only unknown: no table of it
    assert "Nowhere" in rt.countries_table(countries.tail(1), empty="Nowhere")


def test_fit_sample_is_seeded_ordered_and_only_for_large_frames():
    small = pd.DataFrame({"x": range(50)})
    assert report.fit_sample(small, 100) is small
    big = pd.DataFrame({"x": range(1000)})
    a, b = report.fit_sample(big, 100), report.fit_sample(big, 100)
    assert len(a) == 100 and a.equals(b) and a.index.is_monotonic_increasing
    assert not a.equals(report.fit_sample(big, 100, seed=1))


# ------------------------------------------------------------------------------ month logic
def test_last_full_month_skips_the_current_month():
    times = pd.to_datetime(["2026-09-30", "2026-10-31", "2026-11-15"], utc=True)
    assert report.last_full_month(times, now="2026-11-26T00:00Z") == "2026-10"
    assert report.last_full_month(times[:1], now="2026-11-26T00:00Z") == "2026-09"
    only_current = pd.to_datetime(["2026-11-02"], utc=True)
    assert report.last_full_month(only_current, now="2026-11-26T00:00Z") == "2026-11"


@pytest.mark.parametrize("bad", ["2026-13", "26-10", "October", "2026-1"])
def test_bad_month_is_refused_with_the_right_shape(bad):
    with pytest.raises(ConfigError, match="YYYY-MM"):
        report.check_month(bad)


def test_load_month_of_the_sample(sample_store, sample_audience):
    data = report.load_month("brightwave", store=sample_store, now="2026-11-26T00:00Z")
    assert data.month == "2026-10"
    assert data.snapshot_at == sample_audience.snapshot_times[-1]
    assert data.previous_snapshot_at == sample_audience.snapshot_times[-2]
    truth = sample_audience.truth
    follow = pd.to_datetime(truth["follow_date"], utc=True)
    new_truth = set(truth.loc[(follow > data.previous_snapshot_at)
                              & (follow <= data.snapshot_at), "follower_id"])
    current = set(data.followers["id"])
    assert set(data.new_followers["id"]) == new_truth & current
    assert not set(data.lost_followers["id"]) & current
    assert len(data.followers) == len(current)
    assert (data.tweets["created_at"] < data.month_end).all()
    early = report.load_month("brightwave", "2025-11", store=sample_store)
    assert early.first_month and early.previous_snapshot_at is None
    assert early.new_followers.empty and early.lost_followers.empty and len(early.followers)
    with pytest.raises(ConfigError, match="no snapshot in 2024-01"):
        report.load_month("brightwave", "2024-01", store=sample_store)


def test_parameters_are_checked_and_never_secret():
    p = report.report_parameters("@acme", month="2026-10", store="x", tz="Europe/Berlin")
    assert p["account"] == "acme" and p["store"].endswith("/x")
    assert not any("token" in k.lower() or "secret" in k.lower() for k in p)
    with pytest.raises(ConfigError, match="time zone"):
        report.report_parameters("acme", tz="Mars/Olympus")
    with pytest.raises(ConfigError, match="bot_threshold"):
        report.report_parameters("acme", bot_threshold=1.5)
    # the block list must not reach below the likely-bot count
    with pytest.raises(ConfigError, match="block_threshold"):
        report.report_parameters("acme", bot_threshold=0.6, block_threshold=0.5)
    assert report.report_parameters("acme")["block_threshold"] == DEFAULTS.block_threshold


# ------------------------------------------------------------------------------- rendering
def test_render_writes_html_and_keeps_the_executed_notebook(rendered):
    html = rendered.paths["html"].read_text(encoding="utf-8")
    nb = nbformat.read(rendered.paths["ipynb"], as_version=4)
    assert rendered.month == MONTH and rendered.paths["html"].name == "brightwave-2026-10.html"
    # no code, no scripts, no external resources: one self-contained file
    assert 'class="jp-CodeMirrorEditor' not in html and "load_month(" not in html
    assert "<script" not in html.lower()
    assert not re.search(r"""src=["']https?://""", html)
    # the only links out are to profiles on x.com, by handle or by id (issue 15: actionable)
    outside = re.findall(r"""href=["'](https?://[^"']+)""", html)
    assert outside and all(re.fullmatch(r"https://x\.com/(i/user/\d+|[^/?#]+)", u)
                           for u in outside), [u for u in outside if "x.com" not in u][:3]
    assert html.count('src="data:image/png;base64,') >= 3
    assert "Content-Security-Policy" in html
    # the hostile followers are in the report, as text
    assert "&lt;script&gt;" in html and "<img src=x" not in html
    # the headline numbers are those of the store
    data = report.load_month("brightwave", MONTH, store=_store_of(nb))
    assert f"{len(data.followers):,}" in html
    assert f"{len(data.new_followers):,} people followed" in html
    assert "report-skip" not in html and "The notebook behind" not in html
    # the kept notebook records its parameters, relative paths and a readable title
    meta = nb.metadata["papermill"]
    assert meta["parameters"]["month"] == MONTH and meta["input_path"] == "monthly_report.ipynb"
    assert meta["output_path"] == "brightwave-2026-10.ipynb"
    assert "@brightwave" in nb.metadata["title"]
    assert all(not c.metadata.get("papermill", {}).get("exception") for c in nb.cells)
    for stage in ("kernel", "imports", "analysis", "html", "total"):
        assert rendered.seconds[stage] >= 0


def test_report_shows_one_list_of_new_followers_and_blocks_only_clear_bots(rendered,
                                                                          sample_audience):
    html = rendered.paths["html"].read_text(encoding="utf-8")
    # the notable new followers are the triage's check-out list, shown once
    assert html.count("New followers to check out") == 1
    assert "Notable new followers" not in html and ">Check out<" not in html
    block_at = f"{DEFAULTS.block_threshold:.2f}"
    assert f"Block list: bot score {block_at} or more" in html
    # the full block list (a CSV beside the report) against the sample's ground truth
    link = re.search(r'href="(brightwave-2026-10-block-list\.csv)"', html)
    blocked = pd.read_csv(rendered.paths["html"].parent / link.group(1),
                          dtype={"follower_id": str})
    assert len(blocked) and (blocked["bot_score"] >= DEFAULTS.block_threshold).all()
    # the sentence above the list counts the same accounts the list holds
    assert f"The {len(blocked):,} clearest cases (bot score {block_at} or more)" in html
    truth = sample_audience.truth.set_index("follower_id")
    people = ~truth.loc[blocked["follower_id"], "is_bot"]
    # The block list is cut for precision on the public sets (docs/bots.md: 11.3% people pooled
    # over the left-out mixed sets, which hold 46% bots; 36% in an audience of 15% bots).
    # The sample's people include many days-old, quiet accounts with digit handles, which the
    # shipped model, trained on real sets whose people are all older than their bots, scores
    # high: 107 of this list's 600 are people, 17.8% (measured with the 0.93 threshold and the
    # training sets weighted equally; 82 of 576, 14%, before, at 0.95). This bound catches a
    # regression, not a target.
    assert people.mean() < 0.20, list(blocked["username"][people.to_numpy()])


def test_suggested_actions_count_the_whole_lists_the_summary_counts(rendered):
    """The sample's report said "Suggested actions this month: 10 to follow back and 10 to
    talk to" under a summary that said "the best-ranked of 2,764 likely people": the section
    counted the rows shown, not the lists."""
    html = rendered.paths["html"].read_text(encoding="utf-8")
    folder = rendered.paths["html"].parent
    section = html[html.index("Suggested actions this month"):]
    for name, csv, caption in (("follow back", "follow-back", "Follow back"),
                               ("talk to", "talk-to", "Talk to")):
        rows = len(pd.read_csv(folder / f"brightwave-2026-10-{csv}.csv"))
        assert rows > DEFAULTS.top_n  # a list cut by the tables, or this proves nothing
        assert f"{rows:,} to {name}" in section[:section.index("</p>")], name
        assert f"<caption>{caption} (top {DEFAULTS.top_n} of {rows:,})</caption>" in section
    assert f"best-ranked of {len(pd.read_csv(folder / 'brightwave-2026-10-follow-back.csv')):,}" \
        in html


def test_every_list_is_a_csv_beside_the_report_linked_relatively(rendered):
    """New, lost, follow back, check out, talk to and block: each list is a file beside the HTML
    (and the PDF), linked by its bare name, through the spreadsheet formula guard; no data: link
    is left for a PDF viewer to drop."""
    import csv

    html = rendered.paths["html"].read_text(encoding="utf-8")
    names = {p.name for p in rendered.lists}
    every = {f"brightwave-2026-10-{n}.csv" for n in (
        "new-followers", "lost-followers", "follow-back", "check-out", "talk-to", "block-list",
        "mutuals", "not-followed-back", "not-following-back", "replied-to",
        # the audience-insight sections' own files (tests/test_report_insight.py)
        "countries", "languages", "languages-by-segment", "domains", "mentions", "hashtags",
        "competitors", "shared-followers")}
    # the sample holds its following list, so the relation lists are there too
    assert {f"brightwave-2026-10-{n}.csv" for n in (
        "new-followers", "lost-followers", "follow-back", "check-out", "talk-to", "block-list",
        "mutuals", "not-followed-back")} <= names <= every
    assert "data:text/csv" not in html
    for path in rendered.lists:
        assert path.parent == rendered.paths["html"].parent and f'href="{path.name}"' in html
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert rows and not [v for r in rows for v in r.values() if v and v[0] in "=+-@\t\r"]
        if "username" in rows[0]:  # a list of accounts: one id column name, a link, scores
            # a reader can read (the new and lost lists said "id" and had no link; bot scores
            # came with 16 decimals)
            assert "follower_id" in rows[0] and "id" not in rows[0], path.name
            assert all(r["profile_url"].startswith(("https://x.com/", "https://bsky.app/"))
                       for r in rows), path.name
            for col in (c for c in rows[0] if "score" in c):
                assert all(len(r[col].partition(".")[2]) <= 3 for r in rows), (path.name, col)
    lost = next(p for p in rendered.lists if p.name.endswith("lost-followers.csv"))
    with open(lost, newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == int(re.search(
            r"Lost followers \(([\d,]+)\)", html).group(1).replace(",", ""))


def _store_of(nb):
    return Store(nb.metadata["papermill"]["parameters"]["store"])


def test_pdf_is_a_pdf_when_chromium_is_present(rendered):
    if "pdf" not in rendered.paths:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); .ci/run "
                    "installs it")
    data = rendered.paths["pdf"].read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 20_000
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2


def test_no_secret_in_report_notebook_or_metadata(rendered):
    for path in rendered.paths.values():
        data = path.read_bytes()
        assert FAKE_TOKEN.encode() not in data, path
        assert b"X_BEARER_TOKEN" not in data, path
    nb = nbformat.read(rendered.paths["ipynb"], as_version=4)
    assert FAKE_TOKEN not in json.dumps(nb.metadata)
    assert nb.metadata["papermill"]["environment_variables"] == {}


def _tiny_notebook(path, body: str):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('account = "brightwave"\nmonth = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell(textwrap.dedent(body))]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_kernel_runs_without_credentials_and_outputs_are_checked(tmp_path, sample_store,
                                                                 monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", FAKE_TOKEN)
    nb_path = _tiny_notebook(tmp_path / "env.ipynb",
                             'import os\nprint("token:", os.environ.get("X_BEARER_TOKEN"))')
    result = report.render("brightwave", month=MONTH, store=sample_store.path,
                           formats=("html",), out_dir=tmp_path / "out", notebook=nb_path)
    html = result.paths["html"].read_text()
    assert "token: None" in html and FAKE_TOKEN not in html
    # and if a secret did get into an output, the output is refused and removed
    leaky = tmp_path / "leaky.html"
    leaky.write_text(f"<p>{FAKE_TOKEN}</p>")
    with pytest.raises(report.RenderError, match="credential"):
        render_module._check_no_secrets([leaky])
    assert not leaky.exists()


@pytest.mark.slow
def test_a_secret_in_a_parameter_removes_every_output_that_holds_it(tmp_path, sample_store,
                                                                    monkeypatch):
    # a client name that is the token lands in the notebook (papermill records parameters) and
    # in the HTML; the check deleted the notebook, raised, and kept the HTML with the token
    monkeypatch.setenv("X_BEARER_TOKEN", FAKE_TOKEN)
    nb_path = _tiny_notebook(tmp_path / "echo.ipynb", "print(client_name)")
    with pytest.raises(report.RenderError, match="credential"):
        report.render("brightwave", month=MONTH, store=sample_store.path, client_name=FAKE_TOKEN,
                      formats=("html",), out_dir=tmp_path / "out", notebook=nb_path)
    leaks = [p for p in (tmp_path / "out").rglob("*") if p.is_file()
             and FAKE_TOKEN.encode() in p.read_bytes()]
    assert leaks == []


def test_a_kernel_that_dies_before_its_first_reply_is_started_again(tmp_path, sample_store,
                                                                     monkeypatch):
    # two batch workers starting kernels at once can pick the same free port; the kernel that
    # loses dies before it answers, and that client's report failed. The first start fails
    # here as nbclient says it does; the second is papermill's own, on a real kernel
    import papermill

    from follower_kit.report import rendering

    real, calls = papermill.execute_notebook, []

    def first_dies(*args, **kwargs):
        calls.append(kwargs.get("kernel_name"))
        if len(calls) == 1:
            raise RuntimeError(rendering.KERNEL_DIED)
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", first_dies)
    nb_path = _tiny_notebook(tmp_path / "hello.ipynb", "print('hello')")
    result = report.render("brightwave", month=MONTH, store=sample_store.path,
                           formats=("html",), out_dir=tmp_path / "out", notebook=nb_path)
    assert len(calls) == 2 and "hello" in result.paths["html"].read_text()
    calls.clear()   # any other error stands, and is not retried

    def other_error(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("something else")

    monkeypatch.setattr(papermill, "execute_notebook", other_error)
    with pytest.raises(report.RenderError, match="something else"):
        report.render("brightwave", month=MONTH, store=sample_store.path, formats=("html",),
                      out_dir=tmp_path / "out2", notebook=nb_path)
    assert calls == [1]


@pytest.mark.slow
def test_kernels_talk_over_unix_sockets_of_their_own(tmp_path, monkeypatch):
    # tcp ports are free when jupyter_client picks them and bound a moment later, so two batch
    # workers' kernels could pick the same one; unix sockets at new random paths cannot clash
    import glob
    import os
    import sys

    from jupyter_core.utils import run_sync

    if sys.platform == "win32":
        pytest.skip("no unix sockets on Windows: kernels use tcp there")
    monkeypatch.chdir(tmp_path)  # jupyter_client's own ipc default is ./kernel-ipc-N
    cls = kernels.kernel_manager_class()
    other = cls(kernel_name="python3")
    try:
        km = kernels.worker_kernel()
        assert km.transport == other.transport == "ipc"
        assert os.path.isabs(km.ip) and km.ip != other.ip
        run_sync(km.start_kernel)()
        kernels.reset_kernel(km)  # a round trip with the kernel over its sockets
        assert km.get_connection_info()["transport"] == "ipc" and glob.glob(km.ip + "-*")
    finally:
        kernels.drop_worker_kernel()
    assert not glob.glob(km.ip + "-*") and not list(tmp_path.iterdir())  # all cleaned up
    monkeypatch.setattr(kernels, "ipc_prefix", lambda: None)  # where there are none: tcp
    assert cls(kernel_name="python3").transport == "tcp"


def _kill_all(procs) -> None:
    """Kill what a batch test started (psutil processes or Popen objects) that is still alive."""
    import psutil

    for p in procs:
        try:
            p.kill()
        except (psutil.NoSuchProcess, ProcessLookupError):
            pass


def _two_clients(path, store):
    """A clients file of two sample accounts (northwind_brew, tidepool_labs) in ``store``."""
    path.write_text(f'[defaults]\nstore = "{store}"\n\n[[client]]\naccount = "northwind_brew"\n'
                    '\n[[client]]\naccount = "tidepool_labs"\n')
    return path


def _brightwave_client(store):
    from follower_kit.audience import AudienceOptions
    from follower_kit.report.batch import Client

    return Client(options=AudienceOptions(account="brightwave", store=str(store.path)))


@pytest.mark.slow
def test_a_batch_workers_kernel_that_dies_before_its_first_reply_is_replaced(
        tmp_path, sample_store, monkeypatch, caplog):
    # the same port race, on a batch worker's warm kernel, which render does not start again
    # itself: the client failed. Here the first kernel starts and dies unanswered, as the one
    # that lost the race does; the worker drops it and renders on a new, real kernel
    import os
    import signal

    import papermill
    from jupyter_core.utils import run_sync

    from follower_kit.report import batch

    real, kms = papermill.execute_notebook, []

    def first_dies(*args, **kwargs):
        kms.append(kwargs["km"])
        if len(kms) == 1:
            run_sync(kms[0].start_kernel)()
            os.kill(kms[0].provisioner.pid, signal.SIGKILL)
            raise RuntimeError(render_module.KERNEL_DIED)
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", first_dies)
    nb_path = _tiny_notebook(tmp_path / "hello.ipynb", "print('hello')")
    try:
        row = batch._render_client(_brightwave_client(sample_store), MONTH,
                                   str(tmp_path / "out"), notebook=str(nb_path))
        assert row["ok"], row["error"]
        assert len(kms) == 2 and kms[1] is not kms[0] and not kms[0].has_kernel
        assert "hello" in (tmp_path / "out" / "brightwave" /
                           f"brightwave-{MONTH}.html").read_text()
        assert "kernel for @brightwave died before it answered" in caplog.text
        warm = kernels.worker_kernel()  # the next client's: the new kernel, alive and reset
        assert warm is kms[1] and run_sync(warm.is_alive)()
    finally:
        kernels.drop_worker_kernel()


def test_a_batch_worker_starts_another_kernel_only_once_and_only_for_a_dead_one(
        tmp_path, sample_store, monkeypatch):
    import papermill

    from follower_kit.report import batch

    calls, error = [], []

    def failing(*args, **kwargs):
        calls.append(kwargs["km"])
        raise RuntimeError(error[0])

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    nb_path = _tiny_notebook(tmp_path / "hello.ipynb", "print('hello')")
    client = _brightwave_client(sample_store)
    try:
        error[:] = ["something else"]  # any other error stands, and is not retried
        row = batch._render_client(client, MONTH, str(tmp_path / "a"), notebook=str(nb_path))
        assert not row["ok"] and "something else" in row["error"] and len(calls) == 1
        calls.clear()  # a second death fails the client, saying so
        error[:] = [render_module.KERNEL_DIED]
        row = batch._render_client(client, MONTH, str(tmp_path / "b"), notebook=str(nb_path))
        assert not row["ok"] and len(calls) == 2 and calls[0] is not calls[1]
        assert render_module.KERNEL_DIED in row["error"]
        assert "a second kernel died the same way" in row["error"]
    finally:
        kernels.drop_worker_kernel()


@pytest.mark.slow
def test_a_token_from_the_dotenv_file_is_checked_too(tmp_path, sample_store, monkeypatch):
    # the token only in ./.env: the kernel (started in the cwd) can read it as the CLI does,
    # and the check, which knew the environment's secrets only, kept the report that printed it
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"X_BEARER_TOKEN={FAKE_TOKEN}\n")
    nb_path = _tiny_notebook(tmp_path / "dotenv.ipynb", "from follower_kit import config\n"
                             "print(config.bearer_token(required=False))")
    with pytest.raises(report.RenderError, match="credential"):
        report.render("brightwave", month=MONTH, store=sample_store.path, formats=("html",),
                      out_dir=tmp_path / "out", notebook=nb_path)
    assert not [p for p in (tmp_path / "out").rglob("*.*") if FAKE_TOKEN.encode() in
                p.read_bytes()]


@pytest.mark.slow
def test_a_failed_rerun_keeps_the_finished_report(tmp_path, sample_store):
    # a batch run again (or killed) deleted each client's finished HTML, PDF, notebook and lists
    # as its render began: a rerun that then failed left only a partial notebook
    out = tmp_path / "out"
    good = _tiny_notebook(tmp_path / "good.ipynb", "print('finished report')")
    first = report.render("brightwave", month=MONTH, store=sample_store.path, formats=("html",),
                          out_dir=out, notebook=good)
    kept = {p: p.read_bytes() for p in first.paths.values()}
    broken = _tiny_notebook(tmp_path / "broken.ipynb", 'raise ValueError("store went away")')
    with pytest.raises(report.RenderError) as info:
        report.render("brightwave", month=MONTH, store=sample_store.path, formats=("html",),
                      out_dir=out, notebook=broken)
    assert {p: p.read_bytes() for p in kept} == kept
    assert info.value.notebook.exists() and info.value.notebook not in kept
    again = report.render("brightwave", month=MONTH, store=sample_store.path, formats=("html",),
                          out_dir=out, notebook=good)
    assert again.paths == first.paths and not list(out.rglob("*.partial.*"))


@pytest.mark.slow
def test_failed_render_keeps_the_partial_notebook_and_names_the_cell(tmp_path, sample_store):
    nb_path = _tiny_notebook(tmp_path / "broken.ipynb", 'raise ValueError("no such segment")')
    with pytest.raises(report.RenderError) as info:
        report.render("brightwave", month=MONTH, store=sample_store.path, formats=("html",),
                      out_dir=tmp_path / "out", notebook=nb_path)
    err = info.value
    assert "ValueError: no such segment" in str(err) and "raise ValueError" in str(err)
    assert err.cell_index == 2  # parameters, x = 1, the failing cell (papermill's not counted)
    assert "cell 2 of broken.ipynb (In [4])" in str(err)  # In [] counts the injected cell
    assert err.notebook.exists() and str(err.notebook) in str(err)
    partial = nbformat.read(err.notebook, as_version=4)
    failed = [c for c in partial.cells if c.metadata.get("papermill", {}).get("exception")]
    assert len(failed) == 1 and failed[0].source.startswith("raise ValueError")
    assert any(o.get("ename") == "ValueError" for o in failed[0].outputs)
    assert any(c.source == "x = 1" and c.execution_count == 3 for c in partial.cells)
    assert not (tmp_path / "out" / "brightwave" / "brightwave-2026-10.html").exists()


def test_render_refuses_bad_requests_before_starting_a_kernel(tmp_path, sample_store):
    with pytest.raises(FollowerKitError, match="nobody"):
        report.render("nobody", store=sample_store.path, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="no snapshot in 2020-01"):
        report.render("brightwave", month="2020-01", store=sample_store.path, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="unknown report format"):
        report.render("brightwave", formats=("docx",), store=sample_store.path, out_dir=tmp_path)
    assert not any(tmp_path.rglob("*.ipynb"))


def _normalized(nb_path):
    """The executed notebook without what legitimately changes between runs: timings, and the
    output folder it was told to write its CSV lists to."""
    nb = json.loads(nb_path.read_text())
    for section in (nb["metadata"].get("papermill", {}),):
        for key in ("start_time", "end_time", "duration"):
            section.pop(key, None)
        section.get("parameters", {}).pop("out_dir", None)
    for cell in nb["cells"]:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["source"] = [ln for ln in cell["source"] if not ln.startswith("out_dir = ")]
        cell.pop("id", None)
        cell.get("metadata", {}).pop("execution", None)
        pm = cell.get("metadata", {}).get("papermill", {})
        for key in ("start_time", "end_time", "duration"):
            pm.pop(key, None)
    return nb


@pytest.mark.slow
def test_two_renders_are_identical_apart_from_timestamps(rendered, tmp_path, sample_store,
                                                         monkeypatch):
    from _rendered import COMPETITORS, TZ

    monkeypatch.setenv("X_BEARER_TOKEN", FAKE_TOKEN)
    again = report.render("brightwave", month=MONTH, store=sample_store.path, formats=("html",),
                          out_dir=tmp_path, tz=TZ, competitors=COMPETITORS)
    assert again.paths["html"].read_bytes() == rendered.paths["html"].read_bytes()
    assert _normalized(again.paths["ipynb"]) == _normalized(rendered.paths["ipynb"])


@pytest.mark.slow
def test_a_clients_keywords_change_the_follow_back_order(rendered, tmp_path, sample_store,
                                                        monkeypatch):
    """The client profile's keywords reach the notebook and rank "follow back" there: the same
    month with keywords the sample's designers use puts them first and names the words."""
    from _rendered import TZ

    monkeypatch.setenv("X_BEARER_TOKEN", FAKE_TOKEN)
    keyed = report.render("brightwave", month=MONTH, store=sample_store.path, formats=("html",),
                          out_dir=tmp_path, tz=TZ, keywords=("accessibility", "design systems"))

    def follow_back(path):
        page = path.read_text(encoding="utf-8")
        table = page[page.index("<caption>Follow back"):]
        return re.findall(r'href="https://x.com/([^"]+)"', table[:table.index("</table>")])

    plain, ranked = follow_back(rendered.paths["html"]), follow_back(keyed.paths["html"])
    assert len(ranked) == len(plain) == 10 and ranked[:3] != plain[:3]
    page = keyed.paths["html"].read_text(encoding="utf-8")
    assert "on your topics (accessibility and design systems)" in page
    assert "on your keywords: bio mentions accessibility" in page
    got = nbformat.read(keyed.paths["ipynb"], as_version=4).metadata["papermill"]["parameters"]
    assert got["keywords"] == ["accessibility", "design systems"] and got["topics"] == []


@pytest.mark.slow
def test_a_reused_kernel_forgets_the_previous_report(tmp_path, sample_store, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", FAKE_TOKEN)
    first = _tiny_notebook(tmp_path / "first.ipynb", "leftover = 42\nprint('first ran')")
    second = _tiny_notebook(tmp_path / "second.ipynb",
                            "import os\nprint('leftover' in globals(), "
                            "os.environ.get('X_BEARER_TOKEN'))")
    try:
        km = kernels.worker_kernel()
        report.render("brightwave", month=MONTH, store=sample_store.path, formats=("html",),
                      out_dir=tmp_path / "a", notebook=first, kernel_manager=km)
        pid = km.provisioner.pid
        again = kernels.worker_kernel()
        assert again is km and km.provisioner.pid == pid  # the same kernel process, reset
        result = report.render("brightwave", month=MONTH, store=sample_store.path,
                               formats=("html",), out_dir=tmp_path / "b", notebook=second,
                               kernel_manager=again)
    finally:
        kernels.drop_worker_kernel()
    nb = nbformat.read(result.paths["ipynb"], as_version=4)
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3, 4]
    assert "False None" in result.paths["html"].read_text()
    assert not km.has_kernel


# ------------------------------------------------------------------------------------ batch
def test_example_clients_file_reads(tmp_path):
    clients = report.read_clients(ROOT / "examples" / "clients.toml")
    assert len(clients) >= 3 and len({c.account for c in clients}) == len(clients)
    assert all(c.store.endswith("data/store") for c in clients)
    assert len({c.tz for c in clients}) > 1


@pytest.mark.parametrize("text, match", [
    ("[[client]]\nname = 'x'\n", "client #1 has no account"),
    ("[[client]]\naccount = 'a'\ncolour = 'red'\n", "unknown key"),
    ("[[client]]\naccount = 'a'\ntz = 'Mars/Base'\n", "unknown time zone"),
    ("[[client]]\naccount = 'a'\nformats = ['docx']\n", "unknown format"),
    ("[defaults]\nstore = 'x'\n", "no \\[\\[client\\]\\]"),
    ("[[client]\naccount = 'a'\n", "not valid TOML"),
    ("[[client]]\naccount = 'a'\nbot_threshold = 0.8\nblock_threshold = 0.7\n",
     "client #1: block_threshold"),
    # values of the wrong TOML type were TypeError tracebacks
    ("defaults = 3\n[[client]]\naccount = 'a'\n", "defaults must be a \\[defaults\\] table"),
    ("client = [1, 2]\n", "client #1 must be a \\[\\[client\\]\\] table"),
    ("[[client]]\naccount = 'a'\nstore = 5\n", "client #1: store must be a folder path"),
    # a boolean was read as 1 (then "must be between 0 and 1, not 1.0"), 2.5 segments as 2
    ("[[client]]\naccount = 'a'\nbot_threshold = true\n",
     "client #1: bot_threshold must be a number, not True"),
    ("[[client]]\naccount = 'a'\nsegments = 2.5\n",
     "client #1: segments must be a whole number, not 2.5"),
    # a client listed twice: both reports went to the same files, the index linked both names
    # to the second one's report and said "2 of 2 reports rendered"
    ("[[client]]\naccount = 'acme'\nname = 'A'\n[[client]]\naccount = '@Acme'\n",
     "client #2 repeats @Acme of client #1: their reports would overwrite each other"),
])
def test_bad_clients_file_names_the_problem(tmp_path, text, match):
    path = tmp_path / "clients.toml"
    path.write_text(text)
    with pytest.raises(SourceError, match=match) as info:
        report.read_clients(path)
    assert str(path) in str(info.value)


def test_one_account_in_two_stores_is_two_clients_but_not_two_reports(tmp_path):
    """An agency pulls one account into two clients' stores (a batch pull allows it), but their
    reports would share OUT/<account>/ files: render_batch refuses before rendering anything."""
    from follower_kit.errors import ConfigError

    path = tmp_path / "clients.toml"
    path.write_text("[[client]]\naccount = 'acme'\nstore = 'a'\n"
                    "[[client]]\naccount = 'acme'\nstore = 'b'\n")
    clients = report.read_clients(path)
    assert [c.options.store for c in clients] == [str(tmp_path / "a"), str(tmp_path / "b")]
    with pytest.raises(ConfigError, match="clients #1 and #2 both render @acme"):
        report.render_batch(clients, month="2026-10", out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def agency_store(tmp_path_factory):
    from follower_kit import Store
    from follower_kit.ingest import write_sample
    from follower_kit.sources.sample import generate

    store = Store(tmp_path_factory.mktemp("agency"))
    for account, n, seed in (("northwind_brew", 400, 11), ("tidepool_labs", 300, 23)):
        write_sample(store, generate(account=account, followers=n, months=4, seed=seed,
                                     tweets_per_follower=4))
    return store


@pytest.mark.slow
def test_batch_renders_every_client_and_survives_a_failure(tmp_path, agency_store):
    clients = tmp_path / "clients.toml"
    clients.write_text(textwrap.dedent(f"""
        [defaults]
        store = "{agency_store.path}"
        formats = ["html"]

        [[client]]
        account = "northwind_brew"
        name = "Northwind <Coffee>"
        tz = "Europe/Berlin"

        [[client]]
        account = "ghost_account"
        name = "Gone"

        [[client]]
        account = "tidepool_labs"
        top_n = 5
    """))
    out = tmp_path / "reports"
    result = CliRunner().invoke(main, ["report", "--batch", str(clients), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "2 of 3 reports rendered" in result.output
    assert "FAILED @ghost_account" in result.output and "no account 'ghost_account'" in \
        result.output
    for account in ("northwind_brew", "tidepool_labs"):
        htmls = list((out / account).glob(f"{account}-*.html"))
        assert len(htmls) == 1 and list((out / account).glob("*.ipynb"))
    index = (out / "index.html").read_text()
    assert 'href="northwind_brew/northwind_brew-' in index
    assert "Northwind &lt;Coffee&gt;" in index and "failed: no account" in index
    assert "2 of 3 reports rendered, 1 failed" in index
    assert "Northwind" in (out / "northwind_brew").glob("*.html").__next__().read_text()
    # the index shows each client's headline numbers, the same as the report's cards
    for account in ("northwind_brew", "tidepool_labs"):
        page = next((out / account).glob("*.html")).read_text()
        cards = dict((label, value) for value, label in re.findall(
            r'fk-card-value">([^<]+)</div><div class="fk-card-label">([^<]+)<', page))
        row = next(line for line in index.splitlines() if f"<td>@{account}</td>" in line)
        cells = re.findall(r'<td class="num">([^<]+)</td>', row)
        followers = next(v for k, v in cards.items() if k.startswith("followers on "))
        assert cells[0] == followers
        assert cells[1].startswith(cards["net growth"] + " (")
        assert cells[2] == cards["new followers"] and cells[3] == cards["followers lost"]


OPTION_VALUES = {"tz": "Asia/Tokyo", "top_n": 7, "client_name": "Acme <Co>",
                 "bot_threshold": 0.6, "block_threshold": 0.9, "segments": 4,
                 "language": "de", "topics": ["data tools"], "keywords": ["python", "sql"],
                 "bluesky": "northwind.bsky.social"}
COMPETITORS = ["tidepool_labs", "quillfeather"]  # a batch client's, as papermill records them


def test_batch_command_line_options_apply_to_every_client(tmp_path, agency_store, monkeypatch):
    """`report --batch FILE --tz ... --segments ...`: every option given on the command line
    reaches every client, over the file's values; options not given keep the file's."""
    from follower_kit import report as rep

    clients = tmp_path / "clients.toml"
    clients.write_text(textwrap.dedent(f"""
        [defaults]
        store = "{agency_store.path}"
        tz = "Europe/Berlin"
        top_n = 3

        [[client]]
        account = "northwind_brew"
        client_name = "Northwind"

        [[client]]
        account = "tidepool_labs"
        name = "Tidepool"
        segments = 5
    """))
    seen = {}

    def fake_batch(clients, **kw):  # in-process: what the command hands to the renderer
        seen["clients"] = clients
        return rep.BatchResult(results=[], index=tmp_path / "index.html")

    monkeypatch.setattr(rep, "render_batch", fake_batch)
    args = ["report", "--batch", str(clients), "--month", "2026-03", "--format", "html"]
    for name, value in OPTION_VALUES.items():
        args += [f"--{name.replace('_', '-')}",
                 ",".join(value) if isinstance(value, list) else str(value)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    for client in seen["clients"]:
        assert client.formats == ("html",) and client.month == "2026-03"
        for name, value in OPTION_VALUES.items():
            want = tuple(value) if isinstance(value, list) else value
            assert getattr(client.options, name) == want, (client.account, name)
    # without flags, each client keeps its own values and the file's defaults
    result = CliRunner().invoke(main, ["report", "--batch", str(clients)])
    assert result.exit_code == 0, result.output
    north, tide = seen["clients"]
    assert (north.tz, north.top_n, north.client_name, north.segments) == \
        ("Europe/Berlin", 3, "Northwind", 8)
    assert (tide.client_name, tide.segments) == ("Tidepool", 5)


def test_batch_store_given_on_the_command_line_wins_over_the_files(tmp_path, monkeypatch):
    """`report --batch FILE --store DIR` looked for every client in the file's store (the error
    named it) though --help says the options given apply over the file's values; the store of
    $FOLLOWER_KIT_STORE still yields to the file's, which is more specific."""
    from follower_kit import report as rep

    clients = _two_clients(tmp_path / "clients.toml", tmp_path / "file-store")
    seen = {}

    def fake_batch(clients, **kw):  # in-process: what the command hands to the renderer
        seen["clients"] = clients
        return rep.BatchResult(results=[], index=tmp_path / "index.html")

    monkeypatch.setattr(rep, "render_batch", fake_batch)
    monkeypatch.setenv("FOLLOWER_KIT_STORE", str(tmp_path / "env-store"))
    for args, store in (([], "file-store"), (["--store", str(tmp_path / "given")], "given")):
        result = CliRunner().invoke(main, ["report", "--batch", str(clients), "--format", "html",
                                           *args])
        assert result.exit_code == 0, result.output
        assert [c.store for c in seen["clients"]] == [str(tmp_path / store)] * 2, args


@pytest.mark.slow
def test_every_batch_option_reaches_the_notebook(tmp_path, agency_store):
    """Each client's options arrive as the notebook's parameters (papermill records them)."""
    from follower_kit.audience import AudienceOptions

    nb_path = tmp_path / "params.ipynb"
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("\n".join(
        f"{name} = {value!r}" for name, value in AudienceOptions().parameters().items()))
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print(account, tz, top_n, segments)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, nb_path)
    file = tmp_path / "clients.toml"
    file.write_text(textwrap.dedent(f"""
        [defaults]
        store = "{agency_store.path}"

        [[client]]
        account = "northwind_brew"
        tz = "Asia/Tokyo"
        top_n = 7
        client_name = "Acme <Co>"
        bot_threshold = 0.6
        block_threshold = 0.9
        segments = 4
        month = "2026-08"
        language = "de"
        topics = ["data tools"]
        keywords = ["python", "sql"]
        bluesky = "northwind.bsky.social"
        competitors = {COMPETITORS!r}
    """))
    batch = report.render_batch(report.read_clients(file), out_dir=tmp_path / "out", workers=1,
                                notebook=nb_path)
    assert not batch.failures, batch.failures[0]["error"] if batch.failures else ""
    executed = nbformat.read(batch.results[0]["paths"]["ipynb"], as_version=4)
    got = executed.metadata["papermill"]["parameters"]
    assert got.pop("out_dir") == str((tmp_path / "out" / "northwind_brew").resolve())
    assert got == {**OPTION_VALUES, "account": "northwind_brew", "month": "2026-08",
                   "store": str(agency_store.path.resolve()), "competitors": COMPETITORS}


@pytest.mark.slow
def test_batch_workers_and_kernels_exit_when_the_batch_is_killed(tmp_path, agency_store):
    """kill -9 (or a cron timeout's SIGTERM) of `report --batch` left its worker processes
    running the queued clients and then waiting forever, each beside an idle kernel."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil   # a dev dependency (pyproject [dev])

    nb_path = _tiny_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(120)")
    file = tmp_path / "clients.toml"
    file.write_text(f'[defaults]\nstore = "{agency_store.path}"\n'
                    '[[client]]\naccount = "northwind_brew"\n')
    code = ("import sys\nfrom follower_kit import report\n"
            "report.render_batch(report.read_clients(sys.argv[1]), out_dir=sys.argv[2], "
            "workers=1, notebook=sys.argv[3])\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(file), str(tmp_path / "out"),
                             str(nb_path)], env={**os.environ, "PYTHONPATH": str(ROOT)})
    family = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any(
                "ipykernel" in " ".join(p.cmdline()) for p in family):
            time.sleep(0.5)
            try:
                family = psutil.Process(proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                break
        assert any("ipykernel" in " ".join(p.cmdline()) for p in family), "no kernel started"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        gone, alive = psutil.wait_procs(family, timeout=20)
        assert alive == [], [" ".join(p.cmdline())[:80] for p in alive]
    finally:
        _kill_all([proc, *family])


# -------------------------------------------------------------------------------------- CLI
def test_cli_report_takes_the_client_profile_from_a_clients_file(sample_store, monkeypatch):
    """`report ACCOUNT --client-file clients.toml`: the client's name, time zone, language,
    topics and keywords become the report's options; a flag given on the command line wins, and
    an account the file lacks is refused with a "did you mean"."""
    from follower_kit import report as rep

    seen = {}

    def fake_render(options, **kw):
        seen["options"], seen["paper"] = options, kw.get("paper")
        raise SystemExit(0)

    monkeypatch.setattr(rep, "render", fake_render)
    file = str(ROOT / "examples" / "clients.toml")
    base = ["report", "brightwave", "--store", str(sample_store.path), "--format", "html",
            "--client-file", file]
    result = CliRunner().invoke(main, base + ["--paper", "a4"])
    assert result.exit_code == 0, result.output
    o = seen["options"]
    assert (o.client_name, o.tz, o.language) == ("Brightwave Studio", "America/New_York", "en")
    assert o.topics == ("data tools", "analytics") and o.keywords == ("python", "dashboards",
                                                                      "sql")
    assert seen["paper"] == "a4"
    CliRunner().invoke(main, base + ["--tz", "UTC", "--keywords", "design, ux"])
    assert seen["options"].tz == "UTC" and seen["options"].keywords == ("design", "ux")
    bad = CliRunner().invoke(main, ["report", "brightwav", "--store", str(sample_store.path),
                                    "--client-file", file])
    assert bad.exit_code != 0 and "did you mean @brightwave?" in bad.output


def test_cli_report_needs_an_account_or_a_batch(sample_store):
    r = CliRunner().invoke(main, ["report", "--store", str(sample_store.path)])
    assert r.exit_code == 2 and "missing ACCOUNT" in r.output
    r = CliRunner().invoke(main, ["report", "brightwave", "--format", "docx",
                                  "--store", str(sample_store.path)])
    assert r.exit_code == 2 and "unknown format" in r.output
    r = CliRunner().invoke(main, ["report", "brightwave", "--month", "10/2026",
                                  "--store", str(sample_store.path)])
    assert r.exit_code == 1 and "YYYY-MM" in r.output


def test_cli_passes_exactly_the_notebook_parameters():
    declared = set(report.notebook_parameters())
    passed = set(report.report_parameters("acme"))
    assert declared == passed


def test_segments_learn_from_text_and_leave_followers_without_any_unassigned(sample_audience):
    from follower_kit.analysis import topics

    docs = topics.follower_documents(sample_audience.users.head(1500), sample_audience.tweets)
    got = report.segment_followers(docs, 6)
    direct = topics.TopicSegmenter(6, random_state=0).fit(report.fit_sample(docs)).assign(docs)
    pd.testing.assert_frame_equal(got, direct)  # the report's segments are the segmenter's
    empty = docs.assign(text="")
    none = report.segment_followers(empty, 6)
    assert list(none.columns) == list(direct.columns) and len(none) == len(docs)
    assert set(none["label"]) == {"no clear topic"} and (none["segment"] == -1).all()


@pytest.mark.slow
def test_report_of_an_archive_without_profiles_says_what_it_cannot_tell(
        tmp_path_factory, archive_series_store):
    """An agency imports a client's X archives (ids only, no token to hydrate) and renders the
    report: it renders, the growth is right, and nothing pretends to know the unknowable (the
    bot rules score an empty profile 0.33, which would have read as 'no bots')."""
    import html as html_lib
    from pathlib import Path

    def _visible_text(page: str) -> str:
        page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
        return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))

    result = rendered_archive_report(tmp_path_factory, archive_series_store)
    text = _visible_text(Path(result.paths["html"]).read_text())
    assert "764 followers on 20 August 2023" in text and "from 644 on 30 October 2022" in text
    assert "followers on 20 Aug 2023" in text and "end of" not in text
    assert "None of the 764 followers has a profile in the store" in text
    # and what --hydrate would cost for this account
    assert "fetches the missing profiles (764 profiles in 8 requests, about 7.64 USD" in text
    assert "No follower could be checked for bots" in text
    assert "20 August 2023; no recent posts by followers." in text and "0 recent" not in text
    assert "look automated" not in text and "Nobody to block" not in text
    assert "segments cannot be found: none of the followers has a profile" in text
    assert "not enough text" not in text and rt.UNASSIGNED not in text
    # the new followers are counted over the ten months, and not called "not likely human"
    assert "173 new followers since the October 2022 snapshot; none has a profile" in text
    # and yet the own posts name a few: said, not hidden behind "cannot be told"
    assert re.search(r"Your own posts name 4 of them: @\w+, @\w+, @\w+ and @\w+\.", text)
    assert "No likely-human" not in text
    # the follower factory from ids alone: creation dates estimated from the ids (exact for
    # snowflakes), its sentence under the chart; no heatmap without posts
    page = Path(result.paths["html"]).read_text()
    assert re.findall(r'<img [^>]*alt="([^"]*)"', page) == [
        "Chart: Growth", "Chart: Bots and fake followers"]
    assert "the follower factory looks organic" in text or "burst" in text
    # what the archive itself holds: the follow lists and the owner's replies, linked by id,
    # each list a CSV beside the report
    assert ("36 of the 764 followers are mutuals (you follow them too); 728 you do not follow "
            "back, and 43 accounts you follow do not follow you.") in text
    assert "you replied to or mentioned 125 current followers" in text
    # the follow-backs come from the own posts: the 101 followers talked to and not followed
    # back, most and latest talk first; what else needs profiles is said once, not "nobody
    # this month" under each list
    assert "cannot be suggested yet" not in text
    assert ("Suggested actions this month: follow back the 101 followers you talked to in your "
            "own posts and do not follow, first @sdf_pubnix, @leighklotz and @RonnieSchnell "
            "(most and latest talk first).") in text
    assert "bots to block and conversation openings need profiles" in text
    assert ("Start following back with @sdf_pubnix, @leighklotz and @RonnieSchnell: the "
            "best-ranked of 101 followers you talked to in your own posts") in text
    # the table sets each part of a reason on its own line
    assert "you replied to them 54 times and mentioned them 54 times, last 2021-03-17" in text
    assert "and the follow-back suggestions come from those posts." in text
    assert "nobody this month" not in text and "No follower stands out" not in text
    # the own tweets name whom they mention or reply to: those rows carry handles linked to
    # x.com, the others their ids; counted here from the raw files, apart from the kit
    import _archive_truth

    truth = _archive_truth.larsbrinkhoff()
    followers, before, following = truth.followers, truth.before, truth.following
    handles, talked = truth.handles, truth.talked
    named_followers = followers & handles.keys()
    assert (f"Even so, the lists name {len(named_followers)} of them by handle, from your own "
            "posts") in text
    talk_table = page[page.index("You talked to them in your own posts"):]
    talk_table = talk_table[:talk_table.index("</table>")]
    links = re.findall(r'<a href="https://x\.com/([^"/]+)">@([^<]+)</a>', talk_table)
    assert len(links) == 10 and all(href == handle for href, handle in links)
    assert "x.com/i/user/" not in talk_table
    out = Path(result.paths["html"]).parent
    expected = {  # CSV: (rows, rows with a handle)
        "mutuals": (followers & following, followers & following & handles.keys()),
        "not-followed-back": (followers - following, (followers - following) & handles.keys()),
        "replied-to": (talked & followers, talked & followers),
        "lost-followers": (before - followers, (before - followers) & handles.keys()),
        "new-followers": (followers - before, (followers - before) & handles.keys())}
    assert {name: (len(a), len(b)) for name, (a, b) in expected.items()} == {
        "mutuals": (36, 24), "not-followed-back": (728, 101), "replied-to": (125, 125),
        "lost-followers": (53, 10), "new-followers": (173, 4)}
    for name, (rows, named) in expected.items():
        csv = pd.read_csv(out / f"larsbrinkhoff-2023-08-{name}.csv", dtype=str)
        assert set(csv.iloc[:, 0]) == rows, name
        has = csv.dropna(subset=["username"])
        assert set(has.iloc[:, 0]) == named, name
        assert all(handles[i] == u for i, u in zip(has.iloc[:, 0], has["username"])), name
        if "profile_url" in csv.columns:  # an id alone links by id
            by_id = csv[csv["username"].isna()]
            assert (by_id["profile_url"] == "https://x.com/i/user/" + by_id.iloc[:, 0]).all()
        assert f'href="larsbrinkhoff-2023-08-{name}.csv"' in page
    # the follow-back CSV: every follower talked to and not followed back, by handle
    back = pd.read_csv(out / "larsbrinkhoff-2023-08-follow-back.csv", dtype=str)
    assert set(back["follower_id"]) == (talked & followers) - following and len(back) == 101
    assert all(handles[i] == u for i, u in zip(back["follower_id"], back["username"]))
    assert 'href="larsbrinkhoff-2023-08-follow-back.csv"' in page
    # the tables show the people the tweets name first (the CSVs keep the follow order): the
    # ten lost followers named, each linked to x.com; mutuals likewise
    def table(caption):
        part = page[page.index(caption):]
        return part[:part.index("</table>")]

    lost_named = {handles[i] for i in before - followers if i in handles}
    assert set(re.findall(r'href="https://x\.com/(\w+)">@\1<', table("Followers who left"))) \
        == lost_named
    assert len(re.findall(r'href="https://x\.com/\w+">@', table("Mutuals"))) == 10
    # the people of each relation listed in tables: talked to, not followed back, mutuals
    for caption in ("You talked to them in your own posts", "Followers you do not follow back",
                    "Mutuals"):
        assert caption in text
    if "pdf" in result.paths:  # the printed copy: a summary page, footer on every page
        from _pdf_pages import headings_of, page_problems, page_texts

        pages = page_texts(result.paths["pdf"])
        assert "Growth at a glance" in pages[0] and "Who the new followers" not in pages[0]
        # the mutuals' table jumped whole to a new page and left one 34% used (report.css)
        assert page_problems(result.paths["pdf"], headings_of(page), tmp_path_factory.mktemp(
            "pages"), nearly_empty=0.45) == []
        for n, p in enumerate(pages, start=1):
            assert f"@larsbrinkhoff · August 2023 — page {n} of {len(pages)}" in " ".join(
                p.split())
            # the talk-to details printed "last 2021-03-" above "12"
            assert not re.search(r"\d{4}-\d\d-$", p, re.M), n


def test_profiles_note_counts_the_followers_without_a_profile(tmp_path):
    """The real series imported without --hydrate, and only the first export hydrated later:
    the 173 who followed between the first two exports are the ones without a profile."""
    from conftest import shared_path
    from follower_kit import Store
    from follower_kit.sources import archive

    store = Store(tmp_path / "store")
    for path in archive.archives_in(shared_path("x-archive", "larsbrinkhoff"))[:2]:
        ingest.import_archive(store, path)
    first, second = store.snapshots("larsbrinkhoff")["snapshot_at"]
    ids = list(store.followers("larsbrinkhoff", first)["id"])
    store.add_profiles("larsbrinkhoff", pd.DataFrame({"id": ids,
                                                      "username": [f"u{i}" for i in ids]}))
    note = rt.profiles_note(store.followers("larsbrinkhoff", second), hydrate_hint=False)
    assert note.startswith("Note on profiles: 173 of the 561 followers have no profile in the "
                           "store yet")
    assert rt.profiles_note(store.followers("larsbrinkhoff", first)) == ""
    none = store.followers("larsbrinkhoff", second).assign(username=None)
    assert "None of the 561 followers has a profile" in rt.profiles_note(none)
    # with none profiled, nothing is "covered only for followers with a profile": say what is
    # missing instead
    assert "so there are no bot checks or segments below, and most suggestions need " \
        "profiles." in rt.profiles_note(none)
    assert "cover only followers with a profile" in note
    one = none.assign(username="someone")
    one.loc[0, "username"] = None
    assert "1 of the 561 followers has no profile" in rt.profiles_note(one)


def test_data_sentence_counts_snapshots_and_posts():
    times = pd.to_datetime(["2025-11-30", "2026-10-31"], utc=True)
    assert rt.data_sentence(times, posts=38049) == (
        "Data: 2 snapshots from 30 November 2025 to 31 October 2026; 38,049 recent posts by "
        "followers.")
    assert rt.data_sentence(times[:1], posts=1) == \
        "Data: 1 snapshot (30 November 2025); 1 recent post by followers."
    none = rt.data_sentence([pd.Timestamp("2021-03-05", tz="UTC")], posts=0)
    assert none == "Data: 1 snapshot (5 March 2021); no recent posts by followers."


@pytest.mark.slow
def test_report_of_a_first_snapshot_from_twarc(tmp_path):
    """A researcher's single twarc2 import: a first month with no chart of one dot, no empty
    'new' columns, and '1 snapshot' in the data line."""
    import html as html_lib
    from pathlib import Path

    from conftest import shared_path
    from follower_kit import Store

    store = Store(tmp_path / "store")
    ingest.import_twarc(store, shared_path("x-api", "twarc2-pages", "users.jsonl"),
                        account={"id": "12", "username": "someone"}, users_as_followers=True)
    result = report.render("someone", store=store.path, out_dir=tmp_path / "out",
                           formats=("html",))
    page = Path(result.paths["html"]).read_text()
    text = re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "This is the first month on record" in text
    assert "The growth chart starts with the second snapshot." in text
    assert "Share of new" not in text and "Data: 1 snapshot (23 October 2021)" in text
    # the follower-factory chart, and where the 91 are and their languages (profiles hold
    # locations and bios; there are no posts to rank and no competitors)
    assert re.findall(r'<img [^>]*alt="Chart: ([^"]+)"', page) == [
        "Bots and fake followers", "Where they are", "What languages they post in"]
    # a small real audience gets few segments with readable labels (91 followers: at most 3)
    start = page.index('<th scope="col">Segment</th>')
    rows = re.findall(r'<tr><td class="fk-text"><bdi>([^<]+)</bdi></td>',
                      page[start:page.index("</table>", start)])
    topics = [html_lib.unescape(r) for r in rows if r != rt.UNASSIGNED]
    assert 1 <= len(topics) <= 3, topics
    words = {w.strip() for label in topics for w in re.split(r"[,·]", label)}
    assert not words & {"don", "good", "great", "the", "and"}, topics


def test_a_worker_kernel_that_died_between_clients_is_replaced_not_a_failure(caplog):
    # a report can take its kernel down with it (out of memory, a crash in a library); the next
    # client's reset then failed with a bare RuntimeError: that client failed too
    import os
    import signal
    import time

    from jupyter_core.utils import run_sync

    try:
        first = kernels.worker_kernel()
        run_sync(first.start_kernel)()  # as the first report's engine does
        os.kill(first.provisioner.pid, signal.SIGKILL)
        while run_sync(first.is_alive)():  # dead, as a kernel a crash took down is
            time.sleep(0.05)
        second = kernels.worker_kernel()  # the next client's
        assert second is not first and not first.has_kernel
        assert "did not answer after its last report" in caplog.text
        run_sync(second.start_kernel)()
        assert run_sync(second.is_alive)()
        assert kernels.worker_kernel() is second  # alive: reset and kept
    finally:
        kernels.drop_worker_kernel()


def test_batch_index_says_when_the_counts_span_months_between_archives(tmp_path):
    """An archive-only client (exports ten months apart): the index's new, lost and net growth
    cover the ten months, as the report's cards say ("since October 2022"), and must not read
    as the report month's own; a monthly series adds no note."""
    from follower_kit.audience import headline_numbers
    from follower_kit.report.batch import index_headline, write_index

    store = Store(tmp_path / "store")
    account = {"id": "42", "username": "acme", "name": "Acme"}
    for at, ids in (("2022-09-30", ["1"]), ("2022-10-30", ["1", "2"]),
                    ("2023-08-20", ["2", "3", "4"])):
        store.commit_snapshot(account=account, snapshot_at=at, source="archive",
                              followers=pd.DataFrame({"follower_id": ids}))
    spanned = index_headline(headline_numbers(store, "acme", "2023-08"))
    monthly = index_headline(headline_numbers(store, "acme", "2022-10"))
    assert spanned["period"] == "since the October 2022 snapshot" and monthly["period"] is None
    assert (spanned["new"], spanned["lost"], spanned["net"]) == (2, 1, 1)
    rows = [{"account": "acme", "name": "Acme", "month": m, "ok": True, "paths": {},
             "error": "", "seconds": 1.0, "headline": h}
            for m, h in (("2023-08", spanned), ("2022-10", monthly))]
    lines = write_index(rows, tmp_path).read_text().splitlines()
    row = [line for line in lines if "<td>@acme</td>" in line]
    assert "new, lost and net growth since the October 2022 snapshot" in row[0]
    assert "since" not in row[1]


def test_batch_interrupted_says_what_was_kept_and_what_to_do(tmp_path, monkeypatch):
    """Ctrl-C a few seconds into a batch printed worker tracebacks and click's bare 'Aborted!':
    the agency did not learn which reports were rendered, whether older ones survived, or
    that the index was not rewritten. It now says so and exits 130, as an interrupt does."""
    from follower_kit import report as rep

    clients = _two_clients(tmp_path / "clients.toml", tmp_path / "store")

    def interrupted_batch(clients, progress=None, **kw):
        progress({"account": "northwind_brew", "ok": True})
        raise KeyboardInterrupt

    monkeypatch.setattr(rep, "render_batch", interrupted_batch)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", "--batch", str(clients), "--format", "html",
                                       "--out", str(out)])
    assert result.exit_code == 130, result.output
    assert "Interrupted: 1 of 2 reports were rendered before the stop (@northwind_brew)" \
        in result.output
    assert f"{out}/index.html was not rewritten" in result.output
    assert "Run the same command again" in result.output and "Aborted" not in result.output


def test_batch_summary_and_help_say_where_everything_is(tmp_path, monkeypatch):
    """The batch summary named only index.html and --help said 'reports/index.html' whatever
    --out was: an agency could not tell where the CSV lists went. Both now name OUT/ACCOUNT/."""
    from follower_kit import report as rep

    clients = tmp_path / "clients.toml"
    clients.write_text(f'[defaults]\nstore = "{tmp_path}"\n[[client]]\naccount = "acme"\n')
    out = tmp_path / "out"

    def one_report(clients, **kw):
        row = {"account": "acme", "name": "", "month": "2026-10", "ok": True, "paths": {},
               "error": "", "seconds": 1.0}
        return rep.BatchResult(results=[row], index=out / "index.html")

    monkeypatch.setattr(rep, "render_batch", one_report)
    result = CliRunner().invoke(main, ["report", "--batch", str(clients), "--format", "html",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"1 of 1 reports rendered -> {out / 'index.html'}" in result.output
    assert f"each client's report, notebook and lists (CSV): {out / 'ACCOUNT'}/" in result.output
    help_text = " ".join(CliRunner().invoke(main, ["report", "--help"]).output.split())
    assert "Each report goes to OUT/ACCOUNT/" in help_text and "OUT/index.html links" in help_text
    assert "reports/index.html" not in help_text
