"""The report's audience-insight sections: where they are, their languages, what they read and
talk about, and the competitors of the client profile.

The sentences are pure functions (tested here through their inputs); the shared steps
(``audience.insight``, ``audience.competitors``) are checked against the sample's truth; the
rendered sample report (tests/_rendered.py, rendered once with the sample's two competitors) must
show each section with its chart, its CSV files beside it and its heading in the PDF.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from _rendered import COMPETITORS, MONTH, rendered_archive_report, rendered_report
from conftest import ROOT, execute_notebook
from follower_kit import audience
from follower_kit import report_text as rt
from follower_kit.analysis import insight as insight_analysis
from follower_kit.errors import ConfigError

SECTIONS = ("Where they are", "What languages they post in", "What they read and talk about",
            "Competitors")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, sample_store):
    return rendered_report(tmp_path_factory, sample_store)


@pytest.fixture(scope="module")
def month(sample_store):
    return audience.load_month("brightwave", MONTH, store=sample_store)


# ------------------------------------------------------------------------------ the sentences
def _countries(rows):
    return pd.DataFrame(rows, columns=["country", "country_name", "followers"])


def test_countries_sentence_states_the_unknown_share():
    c = _countries([("US", "United States", 50), ("GB", "United Kingdom", 20),
                    ("other", "other countries", 5), ("unknown", "unknown", 25)])
    text = rt.countries_sentence(c, followers=100)
    assert text.startswith("75% of the 100 followers name a place in a country: United States "
                           "(50%) and United Kingdom (20%).")
    assert "The other 25% give no location" in text and "the moon" in text
    everyone = rt.countries_sentence(_countries([("US", "United States", 3),
                                                 ("unknown", "unknown", 0)]), followers=3)
    assert "other" not in everyone


def test_countries_sentence_without_any_place_says_so_in_one_sentence():
    nobody = _countries([("unknown", "unknown", 40)])
    assert rt.countries_sentence(nobody, followers=40) == (
        "No follower's profile names a place that resolves to a country, so where the audience "
        "is cannot be told.")
    assert "X archive lists ids only" in rt.countries_sentence(nobody, followers=40, profiled=0)
    assert "nobody" not in rt.countries_sentence(nobody, followers=0).lower()


def test_languages_sentence_names_languages_and_the_unknown():
    langs = pd.DataFrame({"language": ["en", "es", "other", "unknown"],
                          "language_name": ["English", "Spanish", "other", "unknown"],
                          "followers": [60, 30, 2, 8]})
    assert rt.languages_sentence(langs, followers=100) == (
        "The followers post mostly in English (60%) and Spanish (30%). For 8% neither posts nor "
        "bio tell the language.")
    none = langs[langs["language"] == "unknown"]
    assert rt.languages_sentence(none, followers=100).startswith("Neither the followers' posts")
    assert "X archive" in rt.languages_sentence(none, followers=100, profiled=0)


def test_reading_sentence_ranks_by_followers_and_says_when_there_are_no_posts():
    empty = pd.DataFrame({"item": [], "followers": []})
    dom = pd.DataFrame({"item": ["github.com", "bbc.co.uk"], "followers": [12, 1]})
    tags = pd.DataFrame({"item": ["python"], "followers": [4]})
    text = rt.reading_sentence(dom, empty, tags)
    assert text == ("The sites the most followers link to are github.com (12 followers) and "
                    "bbc.co.uk (1 follower). Their most widely used hashtags are #python "
                    "(4 followers).")
    assert "no posts by followers" in rt.reading_sentence(empty, empty, empty, posters=0)
    assert "carry no links" in rt.reading_sentence(empty, empty, empty, posters=9)


def test_competitors_sentence_covers_none_missing_and_no_overlap():
    # the client reads it: plain words, not the clients file's syntax or a command-line flag
    none = rt.competitors_sentence(None, account="a", followers=10)
    assert none.startswith("No competitors were chosen")
    assert not re.search(r"--|\[|=|client profile", none), none
    v = pd.DataFrame({"competitor": ["b", "c"], "followers": [40, 7], "shared": [10, 0],
                      "share_of_account": [0.5, 0.0], "exclusive": [30, 7]})
    text = rt.competitors_sentence(v, account="a", followers=20, missing={"d": "not stored"})
    assert text == ("@b shares 10 followers with @a (50% of yours); 30 of its 40 followers do "
                    "not follow you. @c shares no follower with @a: none of its 7 followers "
                    "follows you. @d is not in the store at this month's snapshot: pull their "
                    "followers first (follower-kit pull followers HANDLE).")
    only_missing = rt.competitors_sentence(None, account="a", followers=3, missing={"d": "x"})
    assert only_missing.startswith("@d is not in the store")


# ---------------------------------------------------------------------------------- options
def test_competitors_option_takes_handles_in_any_spelling():
    opts = audience.AudienceOptions("brightwave", competitors="@datadock, chartwell datadock")
    assert opts.competitors == ("datadock", "chartwell")
    assert opts.parameters()["competitors"] == ["datadock", "chartwell"]
    assert audience.AudienceOptions(competitors=["a_1"]).competitors == ("a_1",)
    with pytest.raises(ConfigError, match="competitors must be X handles.*'not a handle!'"):
        audience.AudienceOptions(competitors=["not a handle!"])
    with pytest.raises(ConfigError, match="lists the account itself"):
        audience.AudienceOptions("brightwave", competitors=["BrightWave"])


def test_batch_client_competitors_reach_the_report_options(tmp_path):
    from follower_kit.report import read_clients

    path = tmp_path / "clients.toml"
    path.write_text('[[client]]\naccount = "brightwave"\ncompetitors = ["@datadock", '
                    '"chartwell"]\n\n[[client]]\naccount = "northwind"\n')
    first, second = read_clients(path)
    assert first.options.competitors == ("datadock", "chartwell")
    assert second.options.competitors == ()


# --------------------------------------------------------------------------- the shared steps
def test_insight_step_is_the_analysis_of_the_month(month):
    opts = audience.AudienceOptions("brightwave", top_n=5)
    got = audience.insight(month, opts)
    direct = insight_analysis.audience_insight(
        month.followers, tweets=month.tweets, following=month.following,
        own_tweets=month.own_tweets, lost=month.lost_followers, account=month.account, top_n=5)
    for key in ("countries", "languages", "domains", "mentions", "hashtags", "relation_counts"):
        pd.testing.assert_frame_equal(got[key], direct[key], obj=key)
    assert got["languages"]["language_name"].iloc[0] == "English"
    assert got["countries"]["country"].iloc[-1] == "unknown"


def test_competitors_step_equals_the_truth_table(month, sample_audience, sample_store):
    truth = {}
    for aud in [sample_audience, *sample_audience.competitors]:
        for fid, acc in zip(aud.truth["follower_id"], aud.truth["follows"]):
            if len(acc):
                truth[fid] = set(acc)
    opts = audience.AudienceOptions("brightwave", store=str(sample_store.path),
                                    competitors=("datadock", "chartwell", "nosuch"))
    rivals = audience.competitors(month, opts)
    assert rivals.accounts == ["brightwave", "datadock", "chartwell"]
    assert list(rivals.missing) == ["nosuch"]
    for row in rivals.versus.itertuples():
        mine = {f for f, acc in truth.items() if "brightwave" in acc}
        theirs = {f for f, acc in truth.items() if row.competitor in acc}
        assert row.shared == len(mine & theirs) and row.followers == len(theirs)
        assert row.exclusive == len(theirs - mine)
        assert row.share_of_account == pytest.approx(len(mine & theirs) / len(mine))
    # the sample's stated overlaps: 30% and 12% of @brightwave's current followers
    assert rivals.versus["share_of_account"].round(2).tolist() == [0.30, 0.12]
    both = {f for f, acc in truth.items() if "brightwave" in acc and len(acc) > 1}
    assert set(rivals.shared["follower_id"]) == both
    # followers of both competitors first, then the most followed, ties by id
    keys = list(zip(-rivals.shared["n_also_follows"], -rivals.shared["followers_count"].astype(int),
                    rivals.shared["follower_id"]))
    assert keys == sorted(keys) and rivals.shared["n_also_follows"].iloc[0] == 2
    assert audience.competitors(month, opts.replace(competitors=())) is None


# ------------------------------------------------------------------------- the rendered report
def _visible(page: str) -> str:
    import html as html_lib

    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_report_shows_each_section_after_the_relations_with_its_chart(rendered):
    page = rendered.paths["html"].read_text(encoding="utf-8")
    text = _visible(page)
    at = [text.index(h) for h in ("How they relate to you", *SECTIONS, "Suggested actions")]
    assert at == sorted(at), "the sections follow 'How they relate to you', in order"
    for section in SECTIONS:
        assert f'alt="Chart: {section}"' in page, section
    assert "of the 5,000 followers name a place in a country: United States" in text
    assert "The followers post mostly in English" in text
    assert "Their most widely used hashtags are #" in text
    assert ("@datadock shares 1,500 followers with @brightwave (30% of yours); 2,000 of its "
            "3,500 followers do not follow you.") in text
    assert "@chartwell shares 600 followers with @brightwave (12% of yours)" in text
    assert "Followers you share with competitors, most followed first" in text
    assert '<a href="https://x.com/datadock">@datadock</a>' in page  # the table links them


def test_section_csvs_are_beside_the_report_and_linked(rendered):
    page = rendered.paths["html"].read_text(encoding="utf-8")
    out = rendered.paths["html"].parent
    prefix = f"brightwave-{MONTH}"
    for name in ("countries", "languages", "languages-by-segment", "domains", "mentions",
                 "hashtags", "competitors", "shared-followers"):
        path = out / f"{prefix}-{name}.csv"
        assert path.exists() and f'href="{path.name}"' in page, name
        assert len(pd.read_csv(path, dtype=str)) > 0, name
    competitors = pd.read_csv(out / f"{prefix}-competitors.csv", dtype={"competitor": str})
    assert competitors["competitor"].tolist() == list(COMPETITORS)
    assert competitors["shared"].tolist() == [1500, 600]
    countries = pd.read_csv(out / f"{prefix}-countries.csv", keep_default_na=False)
    assert countries["country"].iloc[-1] == "unknown"
    assert countries["followers"].sum() == 5000


def test_pdf_has_every_section_and_its_charts(rendered):
    if "pdf" not in rendered.paths:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    if not shutil.which("pdftotext") or not shutil.which("pdfimages"):
        pytest.skip("poppler-utils is not installed (Debian: apt-get install poppler-utils)")
    pdf = str(rendered.paths["pdf"])
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True,
                          check=True).stdout
    for section in SECTIONS:
        assert section in text, section
    assert "As CSV: Competitors (2)" in text
    # every chart of the HTML is an image in the PDF too (one per section with data, and more)
    images = subprocess.run(["pdfimages", "-list", pdf], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    charts = rendered.paths["html"].read_text(encoding="utf-8").count("<img ")
    assert len(images) >= charts >= 3 + len(SECTIONS)


def test_notebook_sections_stay_thin():
    nb = nbformat.read(ROOT / "notebooks" / "monthly_report.ipynb", as_version=4)
    headings = [c.source for c in nb.cells if c.cell_type == "markdown"]
    for section in SECTIONS:
        assert f"## {section}" in headings, section
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"^\s*(def|class|lambda)\b", code, flags=re.M)
    assert "audience.insight(" in code and "audience.competitors(" in code


def test_report_of_an_archive_without_profiles_says_each_section_in_one_sentence(
        tmp_path_factory, archive_series_store):
    """An X archive lists ids only: no place, language or post is known, and a competitor that
    is not in the store is named, not failed on; no empty table or chart of nothing."""
    result = rendered_archive_report(tmp_path_factory, archive_series_store)
    page = Path(result.paths["html"]).read_text()
    text = _visible(page)
    assert "Where the followers are cannot be told: none of the followers has a profile" in text
    assert "The followers' languages cannot be told" in text
    assert "There are no posts by followers in the store" in text
    assert "@nosuch_rival is not in the store at this month's snapshot" in text
    for section in SECTIONS:
        assert f'alt="Chart: {section}"' not in page
    assert "larsbrinkhoff-2023-08-countries.csv" not in page


@pytest.mark.slow
def test_explore_notebook_shows_the_same_sections(tmp_path, sample_store):
    """explore_audience.ipynb, executed by papermill on the sample with its competitors: each
    section prints its sentence (the report's) and draws its chart."""
    executed = tmp_path / "explore_audience.ipynb"
    execute_notebook(str(ROOT / "notebooks" / "explore_audience.ipynb"), str(executed),
                     parameters={"store": str(sample_store.path), "account": "brightwave",
                                 "month": MONTH}, cwd=str(ROOT / "notebooks"),
                     kernel_name="python3", progress_bar=False)
    nb = nbformat.read(executed, as_version=4)
    assert [h for h in SECTIONS if f"## {h}" in "\n".join(
        c.source for c in nb.cells if c.cell_type == "markdown")] == list(SECTIONS)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = " ".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/html", ""))
                    for o in outputs)
    assert "of the 5,000 followers name a place in a country: United States" in text
    # the bursts, busiest hours and countries as tables a reader can scan, not raw frames
    assert ">Accounts created from</th>" in text and ">Share of the week</th>" in text
    assert ">Share of followers</th>" in text and ">30%<" in text and "0.2966" not in text
    assert "The followers post mostly in English" in text
    assert "Their most widely used hashtags are #" in text
    assert "@datadock shares 1,500 followers with @brightwave (30% of yours)" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    insight_cells = [c for c in nb.cells if c.cell_type == "code"
                     and ("audience.insight(" in c.source or "insight[" in c.source
                          or "audience.competitors(" in c.source)]
    assert sum("image/png" in o.get("data", {}) for c in insight_cells for o in c.outputs) == 4
    assert len(images) >= 4
