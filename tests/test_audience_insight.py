"""Audience insight: languages, what they read, influential followers, the overlap of competitor
audiences, and the `audience` and `compare` commands, scored on the sample's truth."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from follower_kit import Store, schema
from follower_kit.analysis.compare import intersections, intersections_pandas, mix, overlap
from follower_kit.analysis.insight import audience_insight, influential_followers
from follower_kit.analysis.languages import follower_languages, language_shares
from follower_kit.analysis.reading import registrable_domain, top_items
from follower_kit.cli import main
from follower_kit.ingest import write_sample
from follower_kit.sources.sample import DEFAULT_COMPETITORS, generate


@pytest.fixture(scope="module")
def rivals():
    """A small sample with its two competitors, written to a store."""
    return generate(followers=800, months=3, seed=5, tweets_per_follower=4,
                    competitors=DEFAULT_COMPETITORS)


@pytest.fixture(scope="module")
def rivals_store(tmp_path_factory, rivals):
    store = Store(tmp_path_factory.mktemp("rivals"))
    write_sample(store, rivals)
    return store


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def _truth_overlap(rivals) -> dict:
    """Followers at the last snapshot per set of sample accounts followed, from the truth."""
    follows = {}
    for audience in [rivals, *rivals.competitors]:
        for fid, acc in zip(audience.truth["follower_id"], audience.truth["follows"]):
            if len(acc):
                follows[fid] = frozenset(acc)
    return follows


def test_compare_overlaps_equal_the_truth_table(rivals, rivals_store):
    follows = _truth_overlap(rivals)
    handles = [rivals.account["username"]] + [c.account["username"] for c in rivals.competitors]
    r = CliRunner().invoke(main, ["compare", *handles, "--json", "--store",
                                  str(rivals_store.path)])
    assert r.exit_code == 0, r.output
    out = _last_json(r.output)
    assert set(out) >= {"accounts", "overlap", "unique", "countries", "languages", "bot_share"}
    for pair in out["overlap"]["pairs"]:
        expected = sum(1 for s in follows.values() if {pair["a"], pair["b"]} <= s)
        assert pair["both"] == expected and expected > 0
    assert out["overlap"]["all"]["followers"] == sum(1 for s in follows.values()
                                                     if set(handles) <= s)
    for h in handles:
        assert out["unique"][h]["followers"] == sum(1 for s in follows.values() if s == {h})
    # the sample's parameters: 30% and 12% of the main account's current followers
    n_main = out["accounts"][0]["followers"]
    assert out["overlap"]["pairs"][0]["both"] == round(0.30 * n_main)
    assert out["overlap"]["pairs"][1]["both"] == round(0.12 * n_main)
    assert all(0 < v < 0.5 for v in out["bot_share"].values())
    # each competitor against the main account: in common, and its followers who are not
    first = handles[0]
    for row, other in zip(out["versus"], handles[1:]):
        theirs = sum(1 for s in follows.values() if other in s)
        both = sum(1 for s in follows.values() if {first, other} <= s)
        assert (row["competitor"], row["shared"], row["exclusive"]) == (other, both, theirs - both)
    shares = [row[handles[0]] for row in out["countries"]]
    assert sum(shares) == pytest.approx(1.0, abs=1e-3)


def test_compare_text_and_csv(rivals_store, tmp_path):
    csv, chart = tmp_path / "overlap.csv", tmp_path / "compare.png"
    r = CliRunner().invoke(main, ["compare", "brightwave", "datadock", "--csv", str(csv),
                                  "--chart", str(chart), "--store", str(rivals_store.path)])
    assert r.exit_code == 0, r.output
    assert "follow both" in r.output and "Only theirs" in r.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = pd.read_csv(csv)
    assert table["a"].tolist() == ["brightwave", "all"]
    bad = CliRunner().invoke(main, ["compare", "brightwave", "nobody", "--store",
                                    str(rivals_store.path)])
    assert bad.exit_code == 1 and "no account 'nobody'" in bad.output


def test_compare_text_shows_each_accounts_growth(rivals_store):
    """`compare --help` promises growth side by side; the text printed none (only --json and
    --chart had it)."""
    handles = ["brightwave", "datadock", "chartwell"]
    r = CliRunner().invoke(main, ["compare", *handles, "--store", str(rivals_store.path)])
    assert r.exit_code == 0, r.output
    lines = r.output.split("\nGrowth")[1].split("\n\n")[0].splitlines()[1:]
    assert len(lines) == len(handles)
    for line, handle in zip(lines, handles):
        snaps = rivals_store.snapshots(handle).sort_values("snapshot_at")
        first, last = snaps.iloc[0], snaps.iloc[-1]
        change = int(last["followers"]) - int(first["followers"])
        assert line.split()[0] == f"@{handle}"
        assert f"{first['followers']:,} on {first['snapshot_at']:%Y-%m-%d} -> " in line
        assert f"{last['followers']:,} on {last['snapshot_at']:%Y-%m-%d}" in line
        assert f"({change:+,} over {len(snaps)} snapshots)" in line


def test_audience_json_has_every_section_on_its_last_line(rivals_store, tmp_path):
    r = CliRunner().invoke(main, ["audience", "brightwave", "--json", "--baseline", "datadock",
                                  "--csv", str(tmp_path / "csv"), "--store",
                                  str(rivals_store.path)])
    assert r.exit_code == 0, r.output
    out = _last_json(r.output)
    assert {"countries", "languages", "domains", "mentions", "hashtags", "relations"} <= set(out)
    # --help names every key the object has (it left out three)
    helped = CliRunner().invoke(main, ["audience", "--help"], terminal_width=400).output
    said = re.search(r"JSON object on the last line: (.*?)\.", " ".join(helped.split())).group(1)
    assert set(said.split(", ")) == set(out)
    assert out["countries"][-1]["country"] == "unknown"
    assert sum(c["followers"] for c in out["countries"]) == 800
    assert out["relations"]["mutual"]["count"] > 0 and "lift" in out["hashtags"][0]
    assert (tmp_path / "csv" / "countries.csv").is_file()
    text = CliRunner().invoke(main, ["audience", "brightwave", "--store", str(rivals_store.path)])
    assert text.exit_code == 0 and "Where they are" in text.output


def test_previous_month_baseline_counts_the_last_30_days_against_the_30_before(rivals_store):
    from follower_kit.analysis.reading import month_windows

    tweets = rivals_store.tweets("brightwave")
    at = rivals_store.snapshot_at("brightwave")
    recent, previous = month_windows(tweets, at)
    assert len(recent) and len(previous) and len(recent) + len(previous) <= len(tweets)
    assert recent["created_at"].min() > previous["created_at"].max()
    r = CliRunner().invoke(main, ["audience", "brightwave", "--baseline", "previous", "--json",
                                  "--store", str(rivals_store.path)])
    assert r.exit_code == 0, r.output
    out = _last_json(r.output)
    expected = top_items(recent, "hashtags", baseline=previous, top_n=10)
    assert [h["item"] for h in out["hashtags"]] == expected["item"].tolist()
    assert out["relations"]["inactive"]["assessed"] > 0  # activity still reads every tweet


def test_audience_on_the_real_archive_gives_relations_from_the_archive_alone(archive_store):
    store = archive_store
    r = CliRunner().invoke(main, ["audience", "larsbrinkhoff", "--json", "--store",
                                  str(store.path)])
    assert r.exit_code == 0, r.output
    rel = _last_json(r.output)["relations"]
    assert (rel["mutual"]["count"], rel["not_followed_back"]["count"],
            rel["talk_to"]["count"], rel["unfollowed"]["count"]) == (36, 728, 125, 53)
    # the own tweets name whom they mention or reply to: 125 followers (104 by replies), each
    # with its handle and its x.com link; the rest link by id
    talk = rel["talk_to"]["accounts"]
    assert talk and all(a["username"] and a["profile_url"] == "https://x.com/" + a["username"]
                        for a in talk)
    assert talk[0]["username"] == "brouhaha"
    assert any(a["profile_url"].startswith("https://x.com/i/user/")
               for a in rel["mutual"]["accounts"])
    # the text lists the unfollowers the own posts name first, as the report does (the first
    # ones shown were links by id)
    text = CliRunner().invoke(main, ["audience", "larsbrinkhoff", "--store", str(store.path)])
    gone = text.output.split("Unfollowed you\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert gone[0].strip().startswith("@") and not gone[0].strip().startswith("https://")


def test_an_earlier_month_uses_the_following_list_of_its_own_export(archive_store):
    # every export brings its following.js; March 2021 counted mutuals against the August 2023
    # list (23 mutuals, 56 of 79 not following back) before the month's list was read
    for at, mutual, not_back, following in [("2021-03", 25, 34, 59), ("2022-04", 30, 45, 75)]:
        r = CliRunner().invoke(main, ["audience", "larsbrinkhoff", "--at", at, "--json",
                                      "--store", str(archive_store.path)])
        assert r.exit_code == 0, r.output
        rel = _last_json(r.output)["relations"]
        assert rel["mutual"]["count"] == mutual
        assert (rel["not_following_back"]["count"],
                rel["not_following_back"]["assessed"]) == (not_back, following)


def test_following_nobody_is_a_known_zero_and_no_following_list_is_unknown(tmp_path):
    # `audience` said "not known" for not_following_back both when following.js was missing and
    # when it was there and empty (an account that follows nobody): 0 of 0 is a known answer
    import shutil

    from conftest import shared_path
    from follower_kit import audience as layer
    from follower_kit.ingest import import_archive
    from follower_kit.report.prose import relations_sentence

    said = {}
    for case in ("empty", "missing"):
        folder = tmp_path / case
        shutil.copytree(shared_path("x-archive", "larsbrinkhoff", "2023-08-20"), folder)
        if case == "empty":
            (folder / "following.js").write_text("window.YTD.following.part0 = []\n")
        else:
            (folder / "following.js").unlink()
        store = Store(tmp_path / f"{case}-store")
        import_archive(store, folder)
        where = ["larsbrinkhoff", "--store", str(store.path)]
        r = CliRunner().invoke(main, ["audience", *where, "--json"])
        assert r.exit_code == 0, r.output
        said[case] = _last_json(r.output)["relations"]
        text = CliRunner().invoke(main, ["audience", *where]).output
        said[case]["lines"] = {line.split()[0]: line for line in text.splitlines()
                               if line.startswith("  ") and line.split()[0] in said[case]}
        data = layer.load_snapshot("larsbrinkhoff", store=store)
        counts = layer.relation_counts(layer.relations(data))
        said[case]["sentence"] = relations_sentence(counts, followers=len(data.followers))
    empty, missing = said["empty"], said["missing"]
    back = empty["not_following_back"]
    assert (back["count"], back["assessed"], back["known"]) == (0, 0, True)
    assert (empty["mutual"]["count"], empty["not_followed_back"]["count"]) == (0, 764)
    assert "0 of       0  you follow no one" in empty["lines"]["not_following_back"]
    assert empty["sentence"].startswith("You follow no one, so none of the 764 followers is a")
    for name in ("mutual", "not_followed_back", "not_following_back"):
        assert missing[name]["known"] is False
        assert "(not known from this data)" in missing["lines"][name]
        assert "not known" not in empty["lines"][name]
    assert missing["sentence"].startswith("Mutuals and who is not followed back need")
    # no profiles: the hygiene lists stay unknown in both, not "0 of 0"
    for name in ("inactive", "default_avatar", "empty_bio"):
        assert empty[name]["known"] is False and "not known" in empty["lines"][name]


def test_languages_from_tweets_and_bios_score_against_the_truth(sample_audience):
    a = sample_audience
    current = a.followers.loc[a.followers["snapshot_at"] == a.snapshot_times[-1], "follower_id"]
    users = a.users.set_index("id").loc[current].reset_index()
    truth = a.truth.set_index("follower_id")["lang"]
    both = follower_languages(users, a.tweets)
    from_tweets = both[both["source"] == "tweets"]
    assert (from_tweets["language"].to_numpy() ==
            truth.reindex(from_tweets["follower_id"]).to_numpy()).mean() > 0.99
    bios = follower_languages(users)  # no tweets: bios only
    known = bios["language"].notna()
    assert known.mean() > 0.7
    right = bios.loc[known, "language"].to_numpy() == \
        truth.reindex(bios.loc[known, "follower_id"]).to_numpy()
    assert right.mean() > 0.9  # measured 94%: short bios mislead py3langid now and then
    shares = language_shares(both)
    assert shares["share"].sum() == pytest.approx(1.0)
    assert shares["language"].iloc[0] == "en" and shares["language"].iloc[-1] == "unknown"
    seg = pd.DataFrame({"follower_id": users["id"], "label": np.where(
        np.arange(len(users)) % 2, "odd", "even")})
    per = language_shares(both, seg)
    assert set(per["segment"]) == {"odd", "even"}
    assert per.groupby("segment")["share"].sum().round(6).eq(1.0).all()


def test_reading_counts_distinct_followers_and_registrable_domains():
    assert registrable_domain("https://news.bbc.co.uk/a") == "bbc.co.uk"
    assert registrable_domain("https://www.github.com/x") == "github.com"
    assert registrable_domain("https://youtu.be/abc") == "youtube.com"
    assert registrable_domain("not a url") is None
    tweets = schema.coerce(pd.DataFrame({
        "id": [str(i) for i in range(53)], "author_id": ["1"] * 50 + ["2", "3", "3"],
        "kind": "original", "created_at": pd.Timestamp("2026-10-01", tz="UTC"),
        "urls": [["https://loud.example.com/x"]] * 50 + [["https://a.quiet.org/1"],
                                                        ["https://b.quiet.org/2"],
                                                        ["https://bit.ly/3x"]],
        "hashtags": [["Python"]] * 50 + [["python"], ["SQL"], []],
        "mentions": [[]] * 50 + [["Brightwave"], ["brightwave"], ["ann"]],
    }), "tweets")
    domains = top_items(tweets, "domains")
    assert domains["item"].tolist() == ["quiet.org", "bit.ly", "example.com"]
    assert domains.set_index("item").loc["example.com", "followers"] == 1
    assert domains.set_index("item").loc["example.com", "uses"] == 50
    assert bool(domains.set_index("item").loc["bit.ly", "shortener"])
    tags = top_items(tweets, "hashtags")
    assert tags.iloc[0]["item"] == "python" and tags.iloc[0]["followers"] == 2
    mentions = top_items(tweets, "mentions", exclude=["@brightwave"])
    assert mentions["item"].tolist() == ["ann"]
    base = tweets[tweets["author_id"] == "1"]
    lift = top_items(tweets, "hashtags", baseline=base, sort="lift")
    by = lift.set_index("item")["lift"]  # sql is new against the baseline, python is not
    assert lift.iloc[0]["item"] == "sql" and by["sql"] > by["python"]
    assert by["sql"] == pytest.approx((2 / 4) / (1 / 2))  # smoothed by one follower
    with pytest.raises(ValueError, match="kind must be one of"):
        top_items(tweets, "emoji")


def test_influence_is_reach_within_topics_not_raw_follower_count(sample_audience):
    a = sample_audience
    current = a.followers.loc[a.followers["snapshot_at"] == a.snapshot_times[-1], "follower_id"]
    users = a.users.set_index("id").loc[current].reset_index()
    top = influential_followers(users, a.tweets, top_n=10)
    truth = a.truth.set_index("follower_id")
    assert len(top) == 10 and not truth.loc[top["follower_id"], "is_bot"].any()
    assert (top["relevance"] > 0).all() and top["score"].is_monotonic_decreasing
    everyone = influential_followers(users, a.tweets, top_n=None)
    biggest = users.nlargest(10, "followers_count")["id"]
    off_topic = set(biggest) - set(everyone["follower_id"])  # no topical post, no topical bio
    assert off_topic and not off_topic & set(top["follower_id"])  # a celebrity does not win
    assert len(set(biggest) & set(top["follower_id"])) <= 3  # not a follower-count ranking


def test_intersections_duckdb_equals_pandas_and_overlap_sums():
    rng = np.random.default_rng(3)
    edges = pd.DataFrame({"account": rng.choice(["a", "b", "c"], 3000),
                          "follower_id": rng.integers(0, 1200, 3000).astype(str)})
    fast, plain = intersections(edges), intersections_pandas(edges)
    pd.testing.assert_frame_equal(fast, plain)
    result = overlap(fast)
    sets = {k: set(g) for k, g in edges.groupby("account")["follower_id"]}
    for p in result["pairs"]:
        assert p["both"] == len(sets[p["a"]] & sets[p["b"]])
    assert result["all"]["followers"] == len(set.intersection(*sets.values()))
    assert result["union"] == len(set.union(*sets.values()))
    for k, s in sets.items():
        others = set.union(*(v for j, v in sets.items() if j != k))
        assert result["unique"][k]["followers"] == len(s - others)
    assert sum(itertools.chain(fast["followers"])) == result["union"]


def test_mix_side_by_side():
    table = mix({"x": pd.DataFrame({"c": ["US", "US", "GB", None]}),
                 "y": pd.DataFrame({"c": ["GB", "JP"]})}, "c", top_n=2)
    # mean shares: GB 0.42, then US and JP tie at 0.25 (alphabetical: JP); US folds into other
    assert table["value"].tolist() == ["GB", "JP", "other", "unknown"]
    assert table["x"].tolist() == [0.25, 0.0, 0.5, 0.25]
    assert table["y"].sum() == pytest.approx(1.0)
    tiny = mix({"x": pd.DataFrame({"c": ["US"] * 999 + ["NL"]})}, "c", min_share=0.005)
    assert tiny["value"].tolist() == ["US", "other"]  # 0.1% folds into other


def test_audience_insight_sections(sample_store):
    followers = sample_store.followers("brightwave")
    result = audience_insight(followers, tweets=sample_store.tweets("brightwave"),
                              following=sample_store.read_table("following", "brightwave"),
                              account={"id": sample_store.resolve("brightwave"),
                                       "username": "brightwave"})
    assert result["countries"]["followers"].sum() == len(followers)
    assert "brightwave" not in set(result["mentions"]["item"])
    assert len(result["places"]) == len(followers)
