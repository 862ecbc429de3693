"""The audience layer: one options object, the shared steps, and the same numbers everywhere.

The report, ``follower-kit bots score``, ``follower-kit topics`` and the notebooks call the same
steps (follower_kit.audience); these tests hold them to it on the sample.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner

from _rendered import MONTH, rendered_report
from conftest import ROOT
from follower_kit import Store, audience, config
from follower_kit.audience import DEFAULTS, AudienceOptions
from follower_kit.config import TYPICAL_BOT_SHARE
from follower_kit.cli import main
from follower_kit.errors import ConfigError


# ------------------------------------------------------------------------------------ options
def test_options_have_one_set_of_names_and_defaults():
    assert AudienceOptions.names() == ("account", "month", "store", "tz", "top_n", "client_name",
                                       "bot_threshold", "block_threshold", "segments",
                                       "competitors", "language", "topics", "keywords", "bluesky")
    assert DEFAULTS.bot_threshold == config.BOT_THRESHOLD
    assert DEFAULTS.block_threshold == config.BLOCK_THRESHOLD
    opts = AudienceOptions("@acme", top_n="5", segments=0)
    assert opts.account == "acme" and opts.top_n == 5 and opts.n_segments == "auto"
    assert opts.replace(tz="Europe/Berlin").tz == "Europe/Berlin" and opts.tz == "UTC"


@pytest.mark.parametrize("change, match", [
    ({"bot_threshold": 1.5}, "bot_threshold must be between 0 and 1"),
    ({"block_threshold": 0.3}, "block_threshold must be between bot_threshold"),
    ({"segments": 1}, "segments must be 0"),
    ({"top_n": 0}, "top_n must be at least 1"),
    ({"tz": "Mars/Base"}, "unknown time zone"),
    ({"language": "English"}, "language must be a language tag"),
    ({"keywords": 5}, "keywords must be a list of words"),
    ({"month": "2026-13"}, "YYYY-MM"),
    ({"colour": "red"}, "unknown option"),
])
def test_bad_options_are_refused_naming_the_option(change, match):
    with pytest.raises(ConfigError, match=match):
        DEFAULTS.replace(**change)


def test_every_user_facing_default_comes_from_the_options():
    """The CLI flags and both notebooks' parameters take their defaults from AudienceOptions."""
    import papermill as pm

    from follower_kit.cli.report import report

    flags = {p.name: p.default for p in report.params}
    for name in ("tz", "top_n", "bot_threshold", "block_threshold", "segments"):
        assert flags[name] == getattr(DEFAULTS, name), name
    for nb in ("monthly_report.ipynb", "explore_audience.ipynb"):
        declared = pm.inspect_notebook(str(ROOT / "notebooks" / nb))
        # out_dir: where `follower-kit report` writes the report's files, not an analysis option
        assert set(declared) <= {*AudienceOptions.names(), "out_dir"}, nb
        for name, info in declared.items():
            # the sample and its competitors; the explorer shows 25
            if not (name in ("account", "top_n", "out_dir")
                    or (nb, name) == ("explore_audience.ipynb", "competitors")):
                # as papermill passes them: tuples as lists
                assert eval(info["default"]) == DEFAULTS.parameters()[name], (nb, name)


def test_notebooks_score_and_segment_only_through_the_audience_steps():
    """No notebook computes a bot score or a segmentation of its own: the numbers cannot drift."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if path.stem not in ("monthly_report", "explore_audience"):
            continue
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                           if c.cell_type == "code")
        assert "audience.score_bots(" in source and "audience.segment(" in source, path.name
        for private in ("default_score(", "TopicSegmenter(", "segment_summary(", ".triage("):
            assert private not in source.replace("audience.triage(", ""), (path.name, private)


# -------------------------------------------------------------------------------- the data
def test_month_data_and_growth_have_short_reprs(sample_store):
    data = audience.load_month("brightwave", MONTH, store=sample_store)
    text = repr(data)
    assert len(text) < 200 and "@brightwave 2026-10" in text and "5,000 followers" in text
    assert len(repr(audience.growth(data))) < 120
    by_snapshot = audience.load_month("brightwave", store=sample_store, at="2026-10-31")
    assert by_snapshot.snapshot_at == data.snapshot_at and by_snapshot.month == MONTH


def test_a_missing_month_names_the_store_and_the_months(sample_store):
    with pytest.raises(ConfigError, match=re.escape(str(sample_store.path))) as info:
        audience.load_month("brightwave", "2020-01", store=sample_store)
    assert "months with data: 2025-11" in str(info.value)


# ----------------------------------------------------------------------------- agreement
def _number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory, sample_store):
    """A copy of the sample store the CLI may write its tables into."""
    path = tmp_path_factory.mktemp("cli") / "store"
    shutil.copytree(sample_store.path, path)
    return Store(path)


def _by_label(pairs) -> dict:
    out: dict = {}
    for label, n in pairs:
        out[label] = out.get(label, 0) + n
    return out


@pytest.mark.slow
def test_report_cli_and_steps_agree_on_every_count(tmp_path_factory, sample_store, cli_store):
    """The report's likely bots, block list and segment sizes are the ones `bots score`,
    `topics` and the audience steps give for the same month."""
    page = rendered_report(tmp_path_factory, sample_store).paths["html"].read_text("utf-8")
    runner = CliRunner()
    where = ["--store", str(cli_store.path)]

    scored = runner.invoke(main, ["bots", "score", "brightwave", "--at", MONTH, "--top", "0",
                                  *where])
    assert scored.exit_code == 0, scored.output
    cli_bots = _number(re.search(rf"([\d,]+) score {DEFAULTS.bot_threshold} or more",
                                 scored.output).group(1))
    report_bots = _number(re.search(r"([\d,]+) followers \([\d.]+%\) look automated",
                                    page).group(1))
    assert report_bots == cli_bots

    data = audience.load_month("brightwave", MONTH, store=sample_store)
    scores = audience.score_bots(data)
    assert int((scores["bot_score"] >= DEFAULTS.bot_threshold).sum()) == cli_bots
    stored = cli_store.read_table("bot_scores", "brightwave")
    pd.testing.assert_series_equal(stored["bot_score"].reset_index(drop=True),
                                   scores["bot_score"], check_names=False)
    blocked = _number(re.search(r"The ([\d,]+) clearest cases", page).group(1))
    assert blocked == len(audience.block_list(data, scores))

    topics = runner.invoke(main, ["topics", "brightwave", "--at", MONTH, "--json", *where])
    assert topics.exit_code == 0, topics.output
    # labels may repeat (several segments of mostly bots are each "likely bots"): sum by label
    cli_segments = _by_label((r["label"], r["followers"]) for r in json.loads(topics.stdout))
    table = page[page.index('<th scope="col">Segment</th><th scope="col">Followers</th>'):]
    table = table[:table.index("</table>")]
    report_segments = _by_label((html_lib.unescape(label), _number(n)) for label, n in re.findall(
        r'<tr><td class="fk-text"><bdi>([^<]+)</bdi></td><td class="fk-num"><bdi>([\d,]+)<',
        table))
    assert report_segments == cli_segments
    # the followers no segment fits, in plain words in both (not the jargon "(unassigned)")
    assert report_segments.get("no clear topic", 0) > 0
    steps = audience.segment(data, scores=scores)
    assert steps["label"].value_counts().to_dict() == cli_segments
    # eight segments fitted; those of mostly bots fold into one "likely bots" segment
    fitted = steps[steps["segment"] >= 0]
    assert fitted["segment"].nunique() <= DEFAULTS.segments
    assert fitted.loc[fitted["bot_segment"], "segment"].nunique() <= 1
    # and each segment's share of likely bots is counted at the kit's one threshold in both
    # (`topics` counted from 0.5, the explore notebook and the report from 0.54)
    steps_table = audience.segment_table(data, steps, scores)
    assert {r["label"]: round(r["bot_share"], 6) for r in json.loads(topics.stdout)} == \
        dict(zip(steps_table["label"], steps_table["bot_share"].round(6)))

    # and `triage` without stored tables lists the report's block list, first rows alike
    fresh = tmp_path_factory.mktemp("fresh") / "store"
    shutil.copytree(sample_store.path, fresh)
    triaged = runner.invoke(main, ["triage", "brightwave", "--json", "--top-n", "0",
                                   "--store", str(fresh)])
    assert triaged.exit_code == 0, triaged.output
    lists = pd.DataFrame(json.loads(triaged.stdout))
    assert (lists["list"] == "block").sum() == blocked


def test_the_report_states_the_people_expected_on_its_block_list(tmp_path_factory, sample_store):
    """Issue 17 item 8: beside its block list the report says what share of such a list the
    leave-one-out evidence on the public sets found to be people; only where that evidence
    applies (the shipped model scored, at the threshold it was measured at)."""
    from follower_kit import report_text as rt
    from follower_kit.analysis import bots as B

    page = rendered_report(tmp_path_factory, sample_store).paths["html"].read_text("utf-8")
    data = audience.load_month("brightwave", MONTH, store=sample_store)
    scores = audience.score_bots(data)
    share = audience.block_people_share(scores)
    assert share == B.block_evidence()["people_share"] and 0 < share < 0.5
    # in an audience with the share of bots X as a whole is estimated to hold, more people
    typical = audience.block_people_share(scores, bot_share=TYPICAL_BOT_SHARE)
    assert typical == B.people_share_at(B.block_evidence(), TYPICAL_BOT_SHARE) and typical > share
    assert (f"On public labeled accounts, about half of them bots, {rt.percent(share)} of those "
            f"on such a list were real people; in an audience that is "
            f"{rt.percent(TYPICAL_BOT_SHARE, 0)} bots (an estimate for X as a whole) about "
            f"{rt.percent(typical, 0)} would be") in page
    # a list cut elsewhere states the evidence measured at its own threshold, if there is any
    stricter = AudienceOptions("brightwave", block_threshold=0.99)
    point = B.block_evidence_at(0.99)
    assert point["block_threshold"] == 0.99 and point["people_share"] is not None
    assert audience.block_people_share(scores, stricter) == point["people_share"]
    assert audience.block_people_share(scores, stricter, bot_share=TYPICAL_BOT_SHARE) == \
        B.people_share_at(point, TYPICAL_BOT_SHARE)
    unmeasured = AudienceOptions("brightwave", block_threshold=0.955)
    assert audience.block_people_share(scores, unmeasured) is None
    assert audience.block_people_share(audience.score_bots(data, model=None)) is None
    # the likely bots too: how many of such accounts the evidence finds to be people
    flagged = audience.flagged_people_share(scores, bot_share=TYPICAL_BOT_SHARE)
    assert flagged == B.people_share_at(B.flag_evidence(), TYPICAL_BOT_SHARE) and flagged > 0.3
    assert (f"That count is not all bots: measured on public labeled accounts, in an audience "
            f"that is {rt.percent(TYPICAL_BOT_SHARE, 0)} bots about {rt.percent(flagged, 0)} "
            f"of the accounts scoring this high would be real people.") in page
    assert audience.flagged_people_share(scores, AudienceOptions("brightwave", bot_threshold=0.6),
                                         bot_share=TYPICAL_BOT_SHARE) is None
    assert audience.flagged_people_share(audience.score_bots(data, model=None),
                                         bot_share=TYPICAL_BOT_SHARE) is None


def test_without_like_counts_the_block_list_evidence_is_the_one_measured_without_them(
        sample_store):
    """Profiles pulled from X API v2 without like counts are scored by the classifiers fitted
    without likes, whose block lists hold more people: the report and triage state the evidence
    measured on the public sets stripped the same way (the card's ``block_v2``), and say so."""
    from follower_kit import report_text as rt
    from follower_kit.analysis import bots as B

    data = audience.load_month("brightwave", MONTH, store=sample_store)
    assert not audience.likes_missing(data.followers)
    v2_profiles = data.followers.assign(like_count=pd.NA)
    assert audience.likes_missing(v2_profiles)
    scores = audience.score_bots(data)
    v2 = B.block_evidence(v2=True)
    assert v2 != B.block_evidence() and v2["block_threshold"] == DEFAULTS.block_threshold
    share = audience.block_people_share(scores, profiles=v2_profiles)
    assert share == v2["people_share"] != audience.block_people_share(scores)
    typical = audience.block_people_share(scores, profiles=v2_profiles,
                                          bot_share=TYPICAL_BOT_SHARE)
    assert typical == B.people_share_at(v2, TYPICAL_BOT_SHARE)
    # the published evidence where the profiles carry likes, or none are given
    assert audience.block_people_share(scores, profiles=data.followers) == \
        B.block_evidence()["people_share"]
    flagged = audience.flagged_people_share(scores, profiles=v2_profiles,
                                            bot_share=TYPICAL_BOT_SHARE)
    assert flagged == B.people_share_at(B.flag_evidence(v2=True), TYPICAL_BOT_SHARE)
    assert flagged != audience.flagged_people_share(scores, bot_share=TYPICAL_BOT_SHARE)
    # a model whose card predates the v2 evidence states nothing under the v2 label
    older = B.BotModel({}, {}, None, card={"block": B.block_evidence()})
    assert B.block_evidence(older, v2=True) == {}
    assert B.block_evidence_at(0.93, older, v2=True) is None
    text = rt.bots_sentence(flagged=10, followers=100, blocked=5, block_threshold=0.93,
                            people_share=share, people_share_typical=typical, people_v2=True)
    assert (f"On public labeled accounts read as X API v2 gives them (no like counts), about "
            f"half of them bots, {rt.percent(share)} of those on such a list") in text


# ------------------------------------------------------------------------------ fk namespace
def test_the_short_api_reads_a_month_and_names_things_once(sample_store, sample_audience):
    import follower_kit as fk

    data = fk.load_sample(store=sample_store)  # the store holds the sample: nothing is written
    assert data.month == MONTH and repr(data).startswith("MonthData(@brightwave 2026-10")
    assert len(repr(sample_audience)) < 150 and "5," in repr(sample_audience)
    assert callable(fk.report) and fk.report.render_batch and fk.report.render
    for step in (fk.load_month, fk.score_bots, fk.segment, fk.triage, fk.load_sample):
        assert "Returns" in step.__doc__ and "Examples" in step.__doc__ or step is fk.triage, step


def test_the_default_store_is_found_from_a_notebooks_folder(tmp_path, monkeypatch):
    """Jupyter, VS Code and `papermill --cwd` start a notebook in notebooks/: the project's
    data/store above it is the default store, not notebooks/data/store."""
    from follower_kit import config

    monkeypatch.delenv("FOLLOWER_KIT_STORE", raising=False)
    (tmp_path / "data" / "store").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert Store().path == tmp_path / "data" / "store"
    monkeypatch.setenv("FOLLOWER_KIT_STORE", str(tmp_path / "elsewhere"))
    assert Store().path == tmp_path / "elsewhere"
    monkeypatch.delenv("FOLLOWER_KIT_STORE")
    (tmp_path / "elsewhere").mkdir()
    assert config.store_dir(start=tmp_path / "elsewhere") == tmp_path / "data" / "store"


def test_a_missing_store_is_named_in_the_error(tmp_path):
    import follower_kit as fk

    with pytest.raises(fk.StoreError, match=re.escape(str(tmp_path / "nowhere"))):
        fk.load_month("brightwave", store=tmp_path / "nowhere")
