"""Relations to the account (mutuals, follow-back lists, inactive, hygiene, unfollowers, talk-to),
checked on the real four-export archive series and on hand-built frames."""

from __future__ import annotations

import pandas as pd
import _archive_truth

from follower_kit import schema
from follower_kit.analysis.relations import (RELATIONS, name_from_known, relation_counts,
                                             relations, talked_to)


def _archive_relations(store, at=None, known_handles=None):
    account = store.resolve("larsbrinkhoff")
    followers = store.followers(account, at=at)
    when = followers["snapshot_at"].iloc[0]
    earlier = store.snapshots(account)["snapshot_at"] < when
    return relations(
        followers,
        following=store.read_table("following", account, snapshot_at=when),
        own_tweets=store.read_table("own_tweets", account, latest_if_missing=True),
        lost=store.diff(account, after=at) if earlier.any() else None, account_id=account,
        known_handles=known_handles)


def test_real_archive_relations_from_the_archive_alone(archive_store):
    # issue 15's figures for the 2023-08 export: 36 mutuals, 728 not followed back, replies to
    # 104 current followers (the owner's tweets come from the 2021 export, the only one with them)
    rel = _archive_relations(archive_store)
    counts = relation_counts(rel).set_index("relation")["count"]
    assert counts["mutual"] == 36
    assert counts["not_followed_back"] == 728
    assert counts["not_following_back"] == 79 - 36
    assert counts["unfollowed"] == 53  # the 2022-10 -> 2023-08 churn SOURCE.txt states
    assert counts["talk_to"] == 104
    # ids only: nothing can be said about avatars, bios or activity, and nothing is claimed
    assessed = relation_counts(rel).set_index("relation")["assessed"]
    assert assessed["default_avatar"] == assessed["empty_bio"] == assessed["inactive"] == 0
    assert counts["default_avatar"] == counts["empty_bio"] == counts["inactive"] == 0
    # the owner is never on a list of its own, and links go by id when no handle is known
    assert not rel["user_id"].eq(archive_store.resolve("larsbrinkhoff")).any()
    assert rel["profile_url"].str.startswith("https://x.com/i/user/").all()


def test_real_archive_names_whom_the_own_tweets_name(archive_store):
    """The 2023-08 export with the handles the 2021 export's own tweets carry: every talk-to
    row and every mutual, not-followed-back and lost follower the tweets name has a handle and
    a profile link; the counts are checked against the raw files, computed here apart."""
    truth = _archive_truth.larsbrinkhoff()
    followers, before, following = truth.followers, truth.before, truth.following
    handles, talked = truth.handles, truth.talked
    rel = _archive_relations(archive_store,
                             known_handles=archive_store.known_handles("larsbrinkhoff"))
    named = rel.dropna(subset=["username"])
    by = {r: rel[rel["relation"] == r] for r in RELATIONS}

    def named_ids(relation):
        return set(by[relation].dropna(subset=["username"])["user_id"])

    talk = by["talk_to"]
    assert set(talk["user_id"]) == talked & followers and len(talk) == 125  # 104 by replies
    assert talk["username"].notna().all()
    assert named_ids("mutual") == followers & following & handles.keys()
    assert named_ids("not_followed_back") == (followers - following) & handles.keys()
    assert named_ids("unfollowed") == (before - followers) & handles.keys()
    assert named_ids("not_following_back") == (following - followers) & handles.keys()
    assert [len(named_ids(r)) for r in ("mutual", "not_followed_back", "unfollowed",
                                        "not_following_back")] == [24, 101, 10, 12]
    assert (named["profile_url"] == "https://x.com/" + named["username"]).all()
    unnamed = rel[rel["username"].isna()]
    assert (unnamed["profile_url"] == "https://x.com/i/user/" + unnamed["user_id"]).all()
    assert len(set(named["user_id"])) == 125 + 12 + 10  # followers, followed, lost
    # the replies and mentions in the detail: a reply's own leading mention is the reply
    row = talk[talk["user_id"] == "9296352"].iloc[0]
    assert row["username"] == "brouhaha" and row["detail"].startswith("75 replies and 67 ")


def test_known_handles_never_overwrite_a_profile():
    known = pd.DataFrame({"id": ["1", "3", "8", "5"], "username": ["old_ann", "cy", "hal", "eve"],
                          "name": ["Old Ann", None, "Hal", "Eve E"],
                          "seen_at": pd.Timestamp("2026-09-01", tz="UTC")})
    filled = name_from_known(_followers(), known)
    assert list(filled["username"]) == ["ann", "Bob", "cy", "dee"]  # ann keeps her profile
    assert list(filled["name"].fillna("-")) == ["Ann", "Bob B", "-", "Dee"]
    assert filled.attrs["named_from_posts"] == 1
    assert filled["description"].isna().iloc[2]  # a handle is not a profile
    rel = relations(_followers(), following=pd.DataFrame({"following_id": ["1", "8"]}),
                    lost=pd.DataFrame({"id": ["5"]}), known_handles=known)
    named = rel.set_index(["relation", "user_id"])
    assert named.loc[("not_followed_back", "3"), "profile_url"] == "https://x.com/cy"
    assert named.loc[("not_following_back", "8"), "username"] == "hal"
    assert named.loc[("unfollowed", "5"), "name"] == "Eve E"
    # the hygiene lists judge profiles only: 3 is not called empty-bio for having a handle
    assert "3" not in set(rel.loc[rel["relation"] == "empty_bio", "user_id"])


def test_earlier_export_has_its_own_counts(archive_store):
    rel = _archive_relations(archive_store, at="2021-03-31")
    counts = rel["relation"].value_counts()
    assert counts["mutual"] == 25 and counts["not_followed_back"] == 380
    assert "unfollowed" not in counts  # the first export: nothing to compare with


def _followers():
    return pd.DataFrame({
        "id": ["1", "2", "3", "4"],
        "username": ["ann", "Bob", None, "dee"],
        "name": ["Ann", "Bob B", None, "Dee"],
        "description": ["likes sql", "", None, "  "],
        "default_profile_image": pd.array([False, True, pd.NA, False], dtype="boolean"),
        "tweet_count": pd.array([10, 5, pd.NA, 0], dtype="Int64"),
        "snapshot_at": pd.Timestamp("2026-10-31 12:00", tz="UTC"),
    })


def test_relations_on_hand_built_frames():
    tweets = schema.coerce(pd.DataFrame({
        "id": ["10", "11"], "author_id": ["1", "2"], "kind": ["original", "original"],
        "created_at": [pd.Timestamp("2026-10-20", tz="UTC"), pd.Timestamp("2026-05-01", tz="UTC")],
    }), "tweets")
    own = schema.coerce(pd.DataFrame({
        "id": ["20", "21", "22", "23"], "author_id": "99", "kind": "reply",
        "created_at": pd.to_datetime(["2026-09-01", "2026-09-02", "2026-09-03", "2026-09-04"],
                                     utc=True),
        "in_reply_to_user_id": ["2", "99", "7", None],
        "mentions": [["bob"], [], [], ["ANN", "stranger"]],
    }), "tweets")
    rel = relations(_followers(), following=pd.DataFrame({"following_id": ["1", "8", "99"]}),
                    tweets=tweets, own_tweets=own, account_id="99",
                    lost=pd.DataFrame({"change": ["lost", "new"], "id": ["5", "6"],
                                       "username": ["eve", "fay"], "name": ["Eve", "Fay"]}))
    got = {r: sorted(rel.loc[rel["relation"] == r, "user_id"]) for r in RELATIONS}
    assert got["mutual"] == ["1"]
    assert got["not_followed_back"] == ["2", "3", "4"]
    assert got["not_following_back"] == ["8"]  # the account itself (99) is not on it
    assert got["inactive"] == ["2", "4"]  # 2: last post in May; 4: never posted; 3: unknown
    assert got["default_avatar"] == ["2"]
    assert got["empty_bio"] == ["2", "4"]  # whitespace is empty; 3 has no profile: not judged
    assert got["unfollowed"] == ["5"]
    assert got["talk_to"] == ["1", "2"]  # 7 is no follower; handles match case-insensitively
    row = rel[(rel["relation"] == "talk_to") & (rel["user_id"] == "2")].iloc[0]
    assert row["detail"] == "1 reply, last 2026-09-01"  # its @bob is the reply, not a mention
    assert row["profile_url"] == "https://x.com/Bob"
    counts = relation_counts(rel).set_index("relation")
    assert counts.loc["inactive", "assessed"] == 3 and counts.loc["empty_bio", "assessed"] == 3
    assert counts.loc["inactive", "description"].startswith("no post in the last 90 days")


def test_without_following_the_follow_back_lists_are_absent_not_empty():
    rel = relations(_followers())
    counts = relation_counts(rel).set_index("relation")
    assert counts.loc["mutual", "assessed"] == 0 and pd.isna(counts.loc["mutual", "share"])
    assert talked_to(schema.empty("tweets"), _followers()).empty


def test_sample_mutuals_match_its_following_list(sample_store):
    followers = sample_store.followers("brightwave")
    following = sample_store.read_table("following", "brightwave")
    rel = relations(followers, following=following)
    expected = set(followers["id"]) & set(following["following_id"])
    assert set(rel.loc[rel["relation"] == "mutual", "user_id"]) == expected
    assert len(expected) > 50
    # every relation row of a profiled follower carries its handle link
    mutual = rel[rel["relation"] == "mutual"]
    assert (mutual["profile_url"] == "https://x.com/" + mutual["username"]).all()
