"""The triage: four lists, each entry with a reason that can be checked against the data."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from follower_kit import schema
from follower_kit.analysis import triage as tr
from follower_kit.errors import SchemaError

SNAP = pd.Timestamp("2026-10-31 12:00", tz="UTC")
ACCOUNT = {"id": "999", "username": "brightwave", "description": "Python data tools"}


def people() -> pd.DataFrame:
    """Six followers, one per situation, newest first."""
    rows = [
        # id, username, description, followers, following, tweets, listed, avatar default, created
        ("1", "ada", "python developer, data nerd", 5000, 300, 900, 40, False, "2012-01-01"),
        ("2", "bob", "python all day", 800, 200, 500, 3, False, "2013-01-01"),
        ("3", "Spam12345678", "", 2, 4000, 0, 0, True, "2026-10-01"),
        ("4", "cleo", "gardening and birds", 90, 100, 300, 1, False, "2015-01-01"),
        ("5", "dan", "", 40, 80, 200, 0, False, "2016-01-01"),
        ("6", "Bot87654321", "", 1, 3000, 0, 0, True, "2026-09-20"),
    ]
    df = pd.DataFrame(rows, columns=["id", "username", "description", "followers_count",
                                     "following_count", "tweet_count", "listed_count",
                                     "default_profile_image", "created_at"])
    df["name"] = df["username"].str.title()
    df["observed_at"] = SNAP
    users = schema.coerce(df, "users")
    return users.assign(position=range(len(users)), snapshot_at=SNAP)


def posts() -> pd.DataFrame:
    rows = [
        ("11", "1", "2026-10-20", "new #python release is out", None, [], ["python"]),
        ("12", "2", "2026-10-25", "reading about python packaging", None, [], []),
        ("13", "5", "2026-10-28", "@brightwave how do I export to CSV?", "999", ["brightwave"], []),
        ("14", "4", "2026-10-29", "a heron in the garden today", None, [], []),
        ("15", "6", "2026-10-29", "@BrightWave buy followers http://x", None, ["BrightWave"], []),
        ("16", "4", "2026-10-30", "loving @brightwave dashboards", None, ["brightwave"], []),
        ("17", "3", "2026-10-30", "win $$$ http://spam", None, [], []),
    ]
    df = pd.DataFrame(rows, columns=["id", "author_id", "created_at", "text",
                                     "in_reply_to_user_id", "mentions", "hashtags"])
    df["kind"] = ["original", "original", "reply", "original", "original", "original",
                  "original"]
    df["like_count"] = [10, 2, 0, 1, 0, 0, 0]
    return schema.validate(schema.coerce(df, "tweets"), "tweets")


def lists(out: pd.DataFrame) -> dict[str, list[str]]:
    return {name: out.loc[out["list"] == name, "follower_id"].tolist() for name in tr.LISTS}


def test_each_follower_lands_where_it_belongs():
    following = pd.DataFrame({"following_id": ["2"]})
    out = tr.triage(people(), tweets=posts(), following=following, account=ACCOUNT,
                    new_followers=["1", "3"])
    got = lists(out)
    assert got["follow_back"] == ["1"]  # 2 is followed back already; 4 and 5 are off topic
    assert got["block"] == ["3", "6"] or got["block"] == ["6", "3"]
    assert got["check_out"] == ["1"]  # 3 is new too, but a likely bot
    assert set(got["talk_to"]) == {"1", "2", "4", "5"}  # 6 mentioned the account but is a bot
    assert list(out.columns) == tr.COLUMNS
    reason = out.set_index(["list", "follower_id"])["reason"]
    assert "bio mentions python" in reason["follow_back", "1"]
    assert "you do not follow them back" in reason["follow_back", "1"]
    assert "active (1 post in the last 30 days)" in reason["follow_back", "1"]
    assert reason["talk_to", "5"].startswith("replied to you once, last on 2026-10-28")
    assert "mentioned you once" in reason["talk_to", "4"]  # mention found case-insensitively
    assert "posted on python" in reason["talk_to", "2"]
    from follower_kit.analysis.bots import KIND_WORDS
    assert reason["block", "3"].startswith(tuple(f"bot score 1.00: {w}: "
                                                 for w in KIND_WORDS.values()))
    assert "handle ends in 8 digits" in reason["block", "3"]
    assert "handle ends in 8 digits" in reason["block", "6"]
    # a list of new followers under a title that says so: the reason starts with what sets
    # the follower apart, not "new since the last snapshot" on every row
    assert reason["check_out", "1"].startswith("5,000 followers; listed 40 times")
    assert reason["check_out", "1"].endswith(
        'latest post 2026-10-20: "new #python release is out"')
    ranks = out.groupby("list")["rank"].apply(list)
    assert all(r == list(range(1, len(r) + 1)) for r in ranks)


def test_reasons_count_one_in_the_singular():
    # a new follower on one list read "listed 1 times" (found on twarc2 follower pages)
    users = people()
    users.loc[users["id"] == "1", "listed_count"] = 1
    out = tr.triage(users, account=ACCOUNT, topics=["python"], new_followers=["1"])
    reason = out.set_index(["list", "follower_id"])["reason"]
    assert reason["check_out", "1"] == "5,000 followers; listed once"
    assert [tr._count(n, "follower") for n in (0, 1, 2, 1500)] == [
        "0 followers", "1 follower", "2 followers", "1,500 followers"]


def test_model_scores_and_segments_replace_the_heuristics():
    scores = pd.DataFrame({"id": ["1", "2", "3", "4", "5", "6"],
                           "bot_score": [0.05, 0.1, 0.99, 0.2, 0.3, 0.6],
                           "reasons": ["", "", "posts the same text again and again", "", "", ""]})
    segments = pd.DataFrame({"follower_id": ["4"], "label": ["python · pandas"]})
    out = tr.triage(people(), tweets=posts(), bot_scores=scores, segments=segments,
                    account=ACCOUNT, new_followers=[])
    got = lists(out)
    assert got["block"] == ["3"]  # 6 scores 0.6: doubtful, not blocked
    reason = out.set_index(["list", "follower_id"])["reason"]
    assert reason["block", "3"] == "bot score 0.99: posts the same text again and again"
    assert "4" in got["follow_back"]  # on topic through its segment only
    assert 'in the segment "python · pandas"' in reason["follow_back", "4"]
    assert "likely human (bot score 0.20)" in reason["follow_back", "4"]
    # without a following list the reason warns instead of claiming
    assert "following list not loaded" in reason["follow_back", "1"]
    assert "6" not in got["talk_to"]  # 0.6 is not below human_below
    assert got["check_out"] == []


def test_without_tweets_and_with_bad_input():
    out = tr.triage(people(), account=ACCOUNT, topics=["python"])
    got = lists(out)
    assert got["talk_to"] == []
    assert set(got["follow_back"]) == {"1", "2"}
    assert "900 posts in total; recent posts not loaded" in out.loc[
        out["follower_id"] == "1", "reason"].iloc[0]
    empty = tr.triage(people().iloc[:0])
    assert empty.empty and list(empty.columns) == tr.COLUMNS
    with pytest.raises(SchemaError, match="following_id"):
        tr.triage(people(), following=pd.DataFrame({"id": ["1"]}))
    with pytest.raises(SchemaError, match="bot_score"):
        tr.triage(people(), bot_scores=pd.DataFrame({"id": ["1"], "score": [0.1]}))
    assert tr.account_keywords({"description": "The best Python and data tools, 2026"}) == [
        "best", "python", "data", "tools"]
    assert tr.account_keywords(None, posts()) == ["python"]


def test_triage_uses_the_one_bot_score_and_its_thresholds():
    from follower_kit.analysis import bots as B
    from follower_kit.config import BLOCK_THRESHOLD

    f = people().assign(observed_at=people()["snapshot_at"])
    out = tr.triage(f, tweets=posts(), account=ACCOUNT, limit=0)
    scores = B.score_bots(f, tweets=posts()).set_index("follower_id")
    blocked = set(out.loc[out["list"] == "block", "follower_id"])
    expected = set(scores.index[(scores["bot_score"] >= BLOCK_THRESHOLD) & scores["block_kind"]])
    assert blocked == expected


def test_sample_triage_against_the_truth(sample_store, sample_audience):
    account = sample_audience.account
    store = sample_store
    followers = store.followers(account["id"])
    tweets = store.tweets(account["id"])
    following = store.read_table("following", account["id"])
    new = store.diff(account["id"]).query("change == 'new'")["id"]
    out = tr.triage(followers, tweets=tweets, following=following, account=account,
                    new_followers=new, limit=100)
    truth = sample_audience.truth.set_index("follower_id")
    got = lists(out)
    for name in tr.LISTS:
        assert len(got[name]) > 0, name
    block_precision = truth.loc[got["block"], "is_bot"].mean()
    human_share = {name: 1 - truth.loc[got[name], "is_bot"].mean()
                   for name in ("follow_back", "check_out", "talk_to")}
    print(f"block precision {block_precision:.2f}; human share {human_share}")
    assert block_precision >= 0.95
    assert min(human_share.values()) >= 0.95
    assert not set(got["follow_back"]) & set(following["following_id"])
    assert set(got["check_out"]) <= set(new)
    # every "replied to you" claim is backed by a reply in the tweets
    talk = out[(out["list"] == "talk_to") & out["reason"].str.startswith("replied")]
    replied = set(tweets.loc[tweets["in_reply_to_user_id"] == account["id"], "author_id"])
    assert len(talk) and set(talk["follower_id"]) <= replied


def test_cli_triage_on_the_sample(sample_store, sample_audience):
    from click.testing import CliRunner

    from follower_kit.cli import main

    runner = CliRunner()
    args = ["triage", sample_audience.account["username"], "--store", str(sample_store.path)]
    result = runner.invoke(main, [*args, "--limit", "3"])
    assert result.exit_code == 0, result.output
    text = result.output
    for title in ("Follow back", "Worth checking out", "Likely bots and spam to block",
                  "Conversation openings"):
        assert title in text
    assert "you do not follow them back" in text  # the store's "following" table was used
    # the title says once that these are new followers (from the store's diff); no row repeats it
    check_out = text[text.index("Worth checking out: notable new followers"):
                     text.index("Likely bots and spam to block")]
    assert re.search(r"^\s+1\. @\w+  [\d,]+ followers", check_out, flags=re.M), check_out
    assert "new since" not in text
    # each title counts the whole list, the screen shows three and says how to get the rest
    block = int(re.search(r"Likely bots and spam to block \(([\d,]+)\)", text).group(1)
                .replace(",", ""))
    assert block > 3 and f"... {block - 3:,} more (--csv FILE writes every entry)" in text
    # and, under the block list, the people the evidence expects on it (as the report says)
    from follower_kit.analysis import bots as B

    evidence = B.block_evidence()
    typical = B.people_share_at(evidence, 0.15)
    assert (f"On public labeled accounts, about half of them bots, "
            f"{evidence['people_share']:.1%} of those on such a list were real people; in an "
            f"audience that is 15% bots (an estimate for X as a whole) about {typical:.0%} would "
            "be: look at each before blocking.") in text
    as_json = runner.invoke(main, [*args, "--json", "--limit", "2", "--topic", "python"])
    records = json.loads(as_json.output)
    assert {r["list"] for r in records} == set(tr.LISTS)
    assert all(r["reason"] for r in records)
    assert max(r["rank"] for r in records) == 2


def test_followers_known_by_id_only_are_left_out():
    ids_only = people()[["id", "position", "snapshot_at"]].assign(
        username=pd.Series([None] * 6, dtype=schema.STR))
    out = tr.triage(ids_only, account=ACCOUNT)
    assert out.empty  # nothing can be said about a bare id: no list claims anything
    mixed = pd.concat([people().iloc[:1], ids_only.iloc[1:]], ignore_index=True)
    got = lists(tr.triage(mixed, account=ACCOUNT, topics=["python"]))
    assert got["check_out"] == ["1"]


def test_cli_triage_uses_stored_bot_scores(tmp_path):
    from click.testing import CliRunner

    from follower_kit import Store
    from follower_kit.cli import main
    from follower_kit.ingest import write_sample
    from follower_kit.sources.sample import generate

    audience = generate(followers=300, months=2, seed=3, tweets_per_follower=3)
    store = Store(tmp_path / "store")
    write_sample(store, audience)
    followers = store.followers(audience.account["id"])
    victim = followers["id"].iloc[0]
    scores = pd.DataFrame({"id": followers["id"], "bot_score": 0.01, "reasons": ""})
    scores.loc[scores["id"] == victim, ["bot_score", "reasons"]] = [0.99, "made up for a test"]
    store.write_table("bot_scores", audience.account["id"], scores,
                      snapshot_at=followers["snapshot_at"].iloc[0])
    result = CliRunner().invoke(main, ["triage", audience.account["username"], "--json",
                                       "--store", str(store.path)])
    assert result.exit_code == 0, result.output
    out = pd.DataFrame(json.loads(result.output))
    block = out[out["list"] == "block"]
    assert block["follower_id"].tolist() == [victim]
    assert block["reason"].item() == "bot score 0.99: made up for a test"


def test_limit_none_keeps_every_entry_in_the_same_order():
    full = tr.triage(people(), tweets=posts(), account=ACCOUNT, topics=["python"], limit=None)
    short = tr.triage(people(), tweets=posts(), account=ACCOUNT, topics=["python"], limit=1)
    assert (full.groupby("list").size() > 1).any(), "some list is longer than the limit"
    pd.testing.assert_frame_equal(full.groupby("list", sort=False).head(1)
                                  .reset_index(drop=True), short)
    assert tr.triage(people(), tweets=posts(), account=ACCOUNT, topics=["python"],
                     limit=0).equals(full)


def test_cli_triage_csv_writes_every_entry_safely_and_shows_ten(tmp_path):
    """An agency wants the whole block list in a spreadsheet: --csv writes every entry of the
    four lists, with the formula guard of the report's download; the screen still shows ten."""
    import csv

    from click.testing import CliRunner

    from follower_kit import Store
    from follower_kit.cli import main
    from follower_kit.ingest import write_sample
    from follower_kit.sources.sample import generate

    audience = generate(followers=300, months=2, seed=3, tweets_per_follower=3)
    last = audience.followers[audience.followers["snapshot_at"] == audience.snapshot_times[-1]]
    hostile = last.sort_values("position")["follower_id"].iloc[0]
    audience.users.loc[audience.users["id"] == hostile, "name"] = '=HYPERLINK("https://x.example")'
    store = Store(tmp_path / "store")
    write_sample(store, audience)
    followers = store.followers(audience.account["id"])
    assert followers.loc[followers["id"] == hostile, "name"].item().startswith("=")
    bots = [hostile, *followers.loc[followers["id"] != hostile, "id"].iloc[:14]]
    scores = pd.DataFrame({"id": followers["id"], "bot_score": 0.01, "reasons": ""})
    scores.loc[scores["id"].isin(bots), ["bot_score", "reasons"]] = [0.99, "made up"]
    store.write_table("bot_scores", audience.account["id"], scores,
                      snapshot_at=followers["snapshot_at"].iloc[0])
    path = tmp_path / "triage.csv"
    args = ["triage", audience.account["username"], "--store", str(store.path)]
    result = CliRunner().invoke(main, [*args, "--csv", str(path)])
    assert result.exit_code == 0, result.output
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    block = [r for r in rows if r["list"] == "block"]
    assert sorted(r["follower_id"] for r in block) == sorted(bots), "the whole block list"
    assert next(r for r in block if r["follower_id"] == hostile)["name"] == \
        '\'=HYPERLINK("https://x.example")'
    assert not [v for r in rows for v in r.values() if v and v[0] in "=+-@"]
    screen = result.output
    assert "Likely bots and spam to block (15)" in screen
    assert screen.count("made up") == 10 and "... 5 more" in screen
    assert f"{len(rows):,} entries of the four lists -> {path}" in screen
    every = CliRunner().invoke(main, [*args, "--limit", "0"])
    assert every.exit_code == 0 and every.output.count("made up") == 15



def test_keyword_relevance_counts_each_keyword_once_bio_double():
    rel = tr.keyword_relevance(people(), posts(), keywords=["#Python", "data", "garden", "csv"])
    by = rel.set_index("follower_id")
    assert list(rel["follower_id"]) == ["1", "2", "3", "4", "5", "6"]
    # ada: python and data in the bio (her #python post adds nothing new)
    assert by.loc["1", "bio_keywords"] == "python, data" and by.loc["1", "relevance"] == 4
    assert by.loc["1", "post_keywords"] == ""
    assert by.loc["2", "bio_keywords"] == "python" and by.loc["2", "relevance"] == 2
    # whole words only: "gardening" in cleo's bio is not "garden", her post's "garden" is
    assert by.loc["4", "bio_keywords"] == "" and by.loc["4", "post_keywords"] == "garden"
    assert by.loc["4", "relevance"] == 1
    assert by.loc["5", "post_keywords"] == "csv" and by.loc["3", "relevance"] == 0
    assert tr.keyword_relevance(people(), keywords=[])["relevance"].sum() == 0


def test_check_out_without_new_followers_says_once_who_it_looked_at():
    """Without the new followers' ids (the Python API's default) the list takes the newest 5%
    (at least 50): no title says so, so the reason does, after what sets the account apart."""
    out = tr.triage(people(), tweets=posts(), account=ACCOUNT)
    reason = out.set_index(["list", "follower_id"])["reason"]
    assert reason["check_out", "1"].startswith("5,000 followers; listed 40 times")
    assert "; among your 50 newest followers; latest post 2026-10-20" in reason["check_out", "1"]


def test_client_keywords_drive_follow_back_and_check_out():
    default = tr.triage(people(), tweets=posts(), account=ACCOUNT, limit=None)
    same = tr.triage(people(), tweets=posts(), account=ACCOUNT, limit=None, keywords=None)
    pd.testing.assert_frame_equal(default, same)            # no keywords: nothing changes
    assert lists(default)["check_out"][0] == "1"            # reach first: ada
    out = tr.triage(people(), tweets=posts(), account=ACCOUNT, limit=None,
                    keywords=["gardening", "birds"])
    got = lists(out)
    assert got["follow_back"] == ["4"]                      # only cleo is on these keywords
    assert got["check_out"][0] == "4"                       # relevance beats reach
    reason = out.loc[(out["list"] == "check_out") & (out["follower_id"] == "4"), "reason"]
    assert "on your keywords: bio mentions gardening, birds" in reason.iloc[0]
    fb = out.loc[out["list"] == "follow_back", "reason"].iloc[0]
    assert "on your keywords: bio mentions gardening, birds" in fb
    assert got["block"] == lists(default)["block"]          # the other lists do not move
