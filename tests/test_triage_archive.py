"""Triage from an X archive alone: no follower profiles, yet the owner's own posts say whom it
talks to, and those it does not follow are the follow-backs to suggest.

The archive is generated here (manifest.js and data/*.js as X writes them) and imported into a
store in tmp_path, as `follower-kit import archive` does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from follower_kit import Store, audience, ingest
from follower_kit.cli import main
from follower_kit.report import prose as rt

OWNER = "99"
# followers: alice, bob and carol are talked to and not followed; dave is never talked to;
# eve is talked to but followed already
FOLLOWERS = ("11", "12", "13", "14", "15")
FOLLOWING = ("15", "21")
PEOPLE = {"11": ("alice", "Alice A."), "12": ("bob", "Bob B."), "13": ("carol", "Carol C."),
          "15": ("eve", "Eve E."), "31": ("stranger", "Not a follower")}


def _js(name: str, value) -> str:
    return f"window.{name} = {json.dumps(value, indent=1)}"


def _tweet(n: int, when: str, *, reply_to: str | None = None, mentions=()) -> dict:
    who = [reply_to] if reply_to else []
    who += [m for m in mentions if m not in who]
    t = {"id_str": str(1000 + n), "full_text": " ".join(f"@{PEOPLE[i][0]}" for i in who) + " hi",
         "created_at": when, "favorite_count": "0", "retweet_count": "0", "lang": "en",
         "entities": {"user_mentions": [{"id_str": i, "screen_name": PEOPLE[i][0],
                                         "name": PEOPLE[i][1]} for i in who]}}
    if reply_to:
        t.update(in_reply_to_user_id_str=reply_to, in_reply_to_status_id_str=str(900 + n),
                 in_reply_to_screen_name=PEOPLE[reply_to][0] if reply_to in PEOPLE else "owner")
    return t


TWEETS = [
    # alice: 3 replies and a mention this summer
    *[_tweet(i, f"Tue Aug 0{i} 10:00:00 +0000 2023", reply_to="11") for i in (1, 2, 3)],
    _tweet(4, "Thu Jul 20 10:00:00 +0000 2023", mentions=["11"]),
    # bob: more talk (5 replies), but three and a half years ago
    *[_tweet(10 + i, f"Sat Feb 0{i} 10:00:00 +0000 2020", reply_to="12") for i in range(1, 6)],
    # carol: mentioned once, ten days ago
    _tweet(20, "Thu Aug 10 10:00:00 +0000 2023", mentions=["13"]),
    # eve is followed already; the stranger does not follow; a thread replies to the owner
    _tweet(30, "Thu Aug 10 11:00:00 +0000 2023", reply_to="15"),
    _tweet(31, "Thu Aug 10 12:00:00 +0000 2023", reply_to="31"),
    {**_tweet(32, "Thu Aug 10 13:00:00 +0000 2023"), "in_reply_to_user_id_str": OWNER,
     "in_reply_to_status_id_str": "1", "in_reply_to_screen_name": "owner"},
]


def make_archive(folder: Path) -> Path:
    """The owner's archive of 20 August 2023: follower and following lists (ids only) and its
    own tweets."""
    data = folder / "data"
    data.mkdir(parents=True)
    files = {"follower": len(FOLLOWERS), "following": len(FOLLOWING), "tweets": len(TWEETS)}
    folder.joinpath("manifest.js").write_text(_js("__THAR_CONFIG", {
        "userInfo": {"accountId": OWNER, "userName": "owner", "displayName": "Owner"},
        "archiveInfo": {"sizeBytes": "1000", "generationDate": "2023-08-20T11:06:14.174Z",
                        "isPartialArchive": False, "maxPartSizeBytes": "53687091200"},
        "dataTypes": {kind: {"files": [{"fileName": f"data/{kind}.js",
                                        "globalName": f"YTD.{kind}.part0", "count": str(n)}]}
                      for kind, n in files.items()}}))
    data.joinpath("follower.js").write_text(_js("YTD.follower.part0", [
        {"follower": {"accountId": i}} for i in FOLLOWERS]))
    data.joinpath("following.js").write_text(_js("YTD.following.part0", [
        {"following": {"accountId": i}} for i in FOLLOWING]))
    data.joinpath("tweets.js").write_text(_js("YTD.tweets.part0", [{"tweet": t} for t in TWEETS]))
    return folder


@pytest.fixture
def archive_only(tmp_path) -> Store:
    store = Store(tmp_path / "store")
    ingest.import_archive(store, make_archive(tmp_path / "archive"))
    return store


def _triage(store: Store) -> pd.DataFrame:
    data = audience.load_snapshot("owner", store=store)
    return audience.triage(data, audience.score_bots(data), None, top_n=None)


def test_archive_alone_suggests_the_followers_talked_to_and_not_followed(archive_only):
    """No profile at all: the follow-back list is the followers the owner replied to or
    mentioned and does not follow, named from the posts, most and latest talk first."""
    out = _triage(archive_only)
    back = out[out["list"] == "follow_back"]
    # bob was talked to most (5), but long ago; carol once, ten days ago; alice 4 times lately
    assert list(back["username"]) == ["alice", "carol", "bob"]
    assert list(back["name"]) == ["Alice A.", "Carol C.", "Bob B."]
    assert list(back["follower_id"]) == ["11", "13", "12"]
    assert list(back["rank"]) == [1, 2, 3]
    assert back["score"].is_monotonic_decreasing
    assert list(back["reason"]) == [
        "you replied to them 3 times and mentioned them once, last 2023-08-03; "
        "you do not follow them back",
        "you mentioned them once, last 2023-08-10; you do not follow them back",
        "you replied to them 5 times, last 2020-02-05; you do not follow them back"]
    # the other lists need profiles
    assert set(out["list"]) == {"follow_back"}


def test_cli_triage_of_an_archive_lists_the_follow_backs(archive_only):
    out = CliRunner().invoke(main, ["triage", "owner", "--store", str(archive_only.path)])
    assert out.exit_code == 0, out.output
    assert "Nothing to rank without profiles" not in out.output
    assert "Follow back: followers you talked to in your own posts (3)" in out.output
    assert "1. @alice  you replied to them 3 times and mentioned them once" in out.output
    assert "the follow-back list comes from your own posts" in out.output
    assert "--hydrate" in out.output and "(nobody)" not in out.output


def test_with_profiles_the_follow_back_list_is_the_profiles_one(archive_only):
    """Once the followers have profiles, the own posts no longer make the list."""
    ids = list(FOLLOWERS)
    archive_only.add_profiles("owner", pd.DataFrame({
        "id": ids, "username": [f"u{i}" for i in ids], "name": "Someone",
        "description": "plain bio", "tweet_count": 500, "followers_count": 100}))
    out = _triage(archive_only)
    assert not out["reason"].str.contains("you replied to them|you mentioned them").any()


def test_suggested_actions_name_the_follow_backs_of_an_archive():
    """The report's sentence and summary action name them instead of "cannot be suggested
    yet", and still say what the other lists need and how to get it."""
    s = rt.triage_sentence({"follow back": 101, "talk to": 0}, followers=764, profiled=0,
                           talked_to=125, follow_back=["@sdf_pubnix", "@leighklotz", "@mtk"])
    assert "cannot be suggested yet" not in s
    assert s.startswith("Suggested actions this month: follow back the 101 followers you talked "
                        "to in your own posts and do not follow, first @sdf_pubnix, @leighklotz "
                        "and @mtk")
    assert "bots to block" in s and "need profiles" in s and "--hydrate" in s
    # nothing to follow back from the posts either: as before
    assert "cannot be suggested yet" in rt.triage_sentence(
        {"follow back": 0, "talk to": 0}, followers=764, profiled=0, talked_to=125)
    many = rt.month_actions(follow_back=["a", "b", "c", "d"], follow_back_talked=True)
    assert many == ["Start following back with @a, @b and @c: the best-ranked of 4 followers "
                    "you talked to in your own posts and do not follow."]
    assert rt.month_actions(follow_back=["a"], follow_back_talked=True) == [
        "Follow back @a: you talked to them in your own posts and do not follow them."]


def test_pure_frames_without_a_following_list_say_they_may_be_followed():
    """From frames alone (no store): followers by id only, the own posts, no following list."""
    from follower_kit.analysis import triage as tr

    followers = pd.DataFrame({"follower_id": ["11", "12"], "position": [0, 1],
                              "snapshot_at": pd.Timestamp("2023-08-20", tz="UTC")})
    own = pd.DataFrame({"in_reply_to_user_id": ["12", None],
                        "mentions": [["bob"], ["Alice"]],
                        "created_at": pd.to_datetime(["2023-08-01", "2023-08-02"], utc=True)})
    known = pd.DataFrame({"id": ["11", "12"], "username": ["alice", "bob"], "name": ["A", "B"]})
    out = tr.triage(followers, own_tweets=own, known_handles=known, account={"id": "99"})
    assert list(out["username"]) == ["alice", "bob"]  # as much talk: the latest first
    assert list(out["reason"]) == [
        "you mentioned them once, last 2023-08-02; following list not loaded: you may follow "
        "them already",
        "you replied to them once, last 2023-08-01; following list not loaded: you may follow "
        "them already"]
    # without the own posts, as before: nothing to rank
    assert tr.triage(followers, account={"id": "99"}).empty
