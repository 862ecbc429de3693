"""One client on two networks: the report's "On X and Bluesky" section, rendered by papermill from
a real store holding the sample on X and a Bluesky copy that shares part of its followers."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from follower_kit import Store, audience, ingest, report
from follower_kit.analysis.crossnet import CONFIDENCE, audience_overlap, overlap_estimate
from follower_kit.config import client_profile
from follower_kit.errors import ConfigError, SourceError
from follower_kit.plots import network_growth_plot
from follower_kit.report.prose import crossnet_sentence
from follower_kit.sources.sample import generate
from follower_kit.testing.fake_bluesky import two_network_sample

BLUESKY = "brightwave.bsky.social"
SECTION = "On X and Bluesky"


@pytest.fixture(scope="module")
def two_networks(tmp_path_factory):
    """A store with @brightwave on X (600 followers, 3 months) and on Bluesky, half of the
    followers the same people; and the truth of who is on both."""
    x = generate(followers=600, months=3, seed=5)
    blue, truth = two_network_sample(x, handle=BLUESKY, shared=0.5, seed=1)
    store = Store(tmp_path_factory.mktemp("two-networks"))
    ingest.write_sample(store, x)
    ingest.write_sample(store, blue)
    return store, truth


@pytest.fixture(scope="module")
def rendered(two_networks, tmp_path_factory):
    store, _ = two_networks
    result = report.render("brightwave", store=str(store.path), bluesky=BLUESKY,
                           out_dir=tmp_path_factory.mktemp("crossnet-report"), formats=("html",))
    return result, result.paths["html"].read_text(encoding="utf-8")


def _expected(store):
    """The overlap computed straight from analysis.crossnet on the stored month."""
    data = audience.load_month("brightwave", store=store)
    blue = audience.load_month(BLUESKY, store=store)
    pairs = audience_overlap(audience.profiled(data.followers), audience.profiled(blue.followers))
    return data, blue, pairs, overlap_estimate(pairs, len(data.followers), len(blue.followers))


def test_the_step_pairs_the_same_people_with_stated_confidences(two_networks):
    store, truth = two_networks
    data, blue, pairs, estimate = _expected(store)
    both = audience.cross_network(data, audience.AudienceOptions(
        "brightwave", bluesky=BLUESKY, store=str(store.path)))
    pd.testing.assert_frame_equal(both.pairs, pairs)
    assert both.estimate == estimate
    assert set(both.growth["network"]) == {"x", "bluesky"}
    assert both.growth.groupby("network").size().to_dict() == {"x": 3, "bluesky": 3}
    last = both.growth.groupby("network")["followers"].last()
    assert last["x"] == len(data.followers) and last["bluesky"] == len(blue.followers)
    # every kind of match is found, each with its stated confidence
    assert set(pairs["match"]) == set(CONFIDENCE)
    assert (pairs["confidence"] == pairs["match"].map(CONFIDENCE)).all()
    # the surer kinds are right more often, and the sure ones nearly always
    right = pairs.merge(truth, on=["x_id", "bluesky_id"], how="left")["kind"].notna()
    precision = right.groupby(pairs["match"]).mean()
    assert precision["link"] == 1.0 and precision["handle+bio"] >= 0.95
    assert precision["name+bio"] >= 0.8
    # most people on both networks (and following now) are found
    on_both_now = truth[truth["x_id"].isin(data.followers["id"])
                        & truth["bluesky_id"].isin(blue.followers["id"])]
    found = on_both_now.merge(pairs, on=["x_id", "bluesky_id"])
    assert len(found) >= 0.9 * len(on_both_now)
    assert pairs["x_url"].str.startswith("https://x.com/").all()
    assert pairs["bluesky_url"].str.startswith("https://bsky.app/profile/").all()


def test_no_option_no_step_and_a_missing_account_is_named(two_networks):
    store, _ = two_networks
    data = audience.load_month("brightwave", store=store)
    assert audience.cross_network(data, audience.AudienceOptions(
        "brightwave", store=str(store.path))) is None
    gone = audience.cross_network(data, audience.AudienceOptions(
        "brightwave", bluesky="nobody.bsky.social", store=str(store.path)))
    assert "nobody.bsky.social" in gone.missing and gone.pairs.empty
    assert "pull its followers first (follower-kit pull followers nobody.bsky.social)" in \
        crossnet_sentence(gone.estimate, account="brightwave", bluesky="nobody.bsky.social",
                          x_followers=600, bluesky_followers=0, missing=gone.missing)


def test_the_option_from_code_cli_and_clients_file(tmp_path):
    opts = audience.AudienceOptions("brightwave", bluesky="@brightwave.bsky.social")
    assert opts.bluesky == BLUESKY and opts.parameters()["bluesky"] == BLUESKY
    assert audience.AudienceOptions("brightwave", bluesky="did:plc:abc123").bluesky == \
        "did:plc:abc123"
    with pytest.raises(ConfigError, match="bluesky must be a Bluesky handle"):
        audience.AudienceOptions("brightwave", bluesky="brightwave")
    with pytest.raises(ConfigError, match="already a Bluesky account"):
        audience.AudienceOptions("alice.bsky.social", bluesky=BLUESKY)
    assert client_profile({"account": "brightwave", "bluesky": BLUESKY}).bluesky == BLUESKY
    with pytest.raises(ConfigError, match="client #1.*bluesky must be"):
        client_profile({"account": "brightwave", "bluesky": "not a handle"},
                       where="clients.toml: client #1")
    path = tmp_path / "clients.toml"
    path.write_text(f'[[client]]\naccount = "brightwave"\nbluesky = "{BLUESKY}"\n'
                    '[[client]]\naccount = "datadock"\n')
    assert [c.bluesky for c in report.read_clients(path)] == [BLUESKY, ""]
    path.write_text('[[client]]\naccount = "brightwave"\nbluesky = "brightwave"\n')
    with pytest.raises(SourceError, match=r"clients.toml: client #1 \(@brightwave\): bluesky"):
        report.read_clients(path)
    from click.testing import CliRunner

    from follower_kit.cli import main

    help_text = CliRunner().invoke(main, ["report", "--help"]).output
    assert "--bluesky HANDLE" in help_text
    failed = CliRunner().invoke(main, ["report", "brightwave", "--bluesky", "nope",
                                       "--store", str(tmp_path / "store")])
    assert failed.exit_code != 0 and "bluesky must be a Bluesky handle" in failed.output


def test_the_sample_command_stores_the_account_on_bluesky_too(tmp_path):
    from click.testing import CliRunner

    from follower_kit.cli import main

    run = CliRunner().invoke(main, ["sample", "--followers", "300", "--months", "2", "--store",
                                    str(tmp_path), "--bluesky", BLUESKY])
    assert run.exit_code == 0, run.output
    assert f"--bluesky {BLUESKY}" in run.output
    accounts = Store(tmp_path).accounts().set_index("username")["network"]
    assert accounts["brightwave"] == "x" and accounts[BLUESKY] == "bluesky"
    data = audience.load_month("brightwave", store=tmp_path)
    both = audience.cross_network(data, audience.AudienceOptions(
        "brightwave", bluesky=BLUESKY, store=str(tmp_path)))
    assert 0 < both.bluesky_followers < both.x_followers and len(both.pairs) > 50


def test_growth_of_both_networks_on_one_axis():
    growth = pd.DataFrame({
        "network": ["x", "x", "bluesky", "bluesky"],
        "account": ["brightwave", "brightwave", BLUESKY, BLUESKY],
        "snapshot_at": pd.to_datetime(["2026-09-30", "2026-10-31"] * 2, utc=True),
        "followers": [4000, 5000, 300, 800]})
    ax = network_growth_plot(growth, title="Followers on X and on Bluesky")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["X: @brightwave", f"Bluesky: @{BLUESKY}"]
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [[4000, 5000], [300, 800]]
    assert ax.get_ylabel() == "followers" and ax.get_ylim()[0] == 0


@pytest.mark.slow
def test_the_report_shows_both_networks_side_by_side(two_networks, rendered):
    store, _ = two_networks
    result, page = rendered
    data, blue, pairs, estimate = _expected(store)
    # a heading like the others, right after Competitors
    start, end = page.index(f'<h2 id="On-X-and-Bluesky">{SECTION}'), page.index(
        '<h2 id="Suggested-actions">')
    assert page.index('<h2 id="Competitors">') < start
    section = page[start:end]
    assert 'alt="Chart: On X and Bluesky"' in section and "data:image/png;base64," in section
    # the sentence's numbers are analysis.crossnet's on the same data
    sentence = crossnet_sentence(estimate, account="brightwave", bluesky=BLUESKY,
                                 x_followers=len(data.followers),
                                 bluesky_followers=len(blue.followers))
    text = re.sub(r"<[^>]+>", "", section).replace("&#x27;", "'").replace("&#39;", "'")
    assert sentence in text
    got = re.search(r"About (\d+) people seem to follow you on both networks \(between (\d+) "
                    r"and (\d+)", text)
    assert [int(g) for g in got.groups()] == [round(estimate["expected"]), estimate["likely"],
                                              estimate["pairs"]]
    for kind, n in estimate["by_match"].items():
        assert f"{n} " in text and f"({CONFIDENCE[kind]:.0%}" in text
    # the matched pairs as CSV beside the report, with kind, confidence and both profile links
    csv = result.paths["html"].parent / "brightwave-2026-10-on-both-networks.csv"
    assert csv in result.lists and 'href="brightwave-2026-10-on-both-networks.csv"' in section
    listed = pd.read_csv(csv, dtype=str)
    assert list(listed.columns) == list(pairs.columns)
    assert listed["x_id"].tolist() == pairs["x_id"].tolist()
    assert listed["match"].tolist() == pairs["match"].tolist()
    assert listed["confidence"].astype(float).tolist() == pairs["confidence"].tolist()
    assert listed["bluesky_url"].str.startswith("https://bsky.app/profile/").all()


@pytest.mark.slow
def test_without_the_option_the_section_is_absent(tmp_path_factory, sample_store):
    from _rendered import rendered_report

    result = rendered_report(tmp_path_factory, sample_store)
    page = result.paths["html"].read_text(encoding="utf-8")
    assert '<h2 id="Competitors">' in page and SECTION not in page
    assert not any("on-both-networks" in p.name for p in result.lists)


@pytest.mark.slow
@pytest.mark.browser
def test_the_section_in_a_browser(rendered):
    """Headless Chromium: no script runs, the section's chart loads and its CSV link resolves."""
    from _rendered import chromium

    exe = chromium()
    if not exe:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is a dev extra: pip install -e '.[dev]'")
    result, _ = rendered
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(result.paths["html"].as_uri(), wait_until="load")
            state = page.evaluate("""() => ({
                scripts: document.querySelectorAll('script').length,
                headings: Array.from(document.querySelectorAll('h2')).map(h => h.innerText),
                images: Array.from(document.images).map(i => [i.naturalWidth, i.alt]),
                csv: Array.from(document.querySelectorAll('a.fk-download'))
                          .map(a => a.getAttribute('href')),
            })""")
        finally:
            browser.close()
    assert state["scripts"] == 0
    assert SECTION in [h.strip().rstrip("¶").strip() for h in state["headings"]]
    assert [w for w, alt in state["images"] if alt == "Chart: On X and Bluesky"][0] > 0
    assert "brightwave-2026-10-on-both-networks.csv" in state["csv"]
    assert (result.paths["html"].parent / "brightwave-2026-10-on-both-networks.csv").is_file()
