"""One person, two networks: the overlap of an X and a Bluesky audience, each match with its
kind and confidence."""

from __future__ import annotations

import pandas as pd

from follower_kit.analysis.crossnet import audience_overlap, overlap_estimate
from follower_kit.sources.sample import generate
from follower_kit.testing.fake_bluesky import as_bluesky, to_did


def _users(rows):
    return pd.DataFrame(rows, columns=["id", "username", "name", "description", "url"])


def test_each_kind_of_match_and_its_confidence():
    x = _users([
        ("1", "alice", "Alice", "data viz and maps in R", None),
        ("2", "bob", "Bob", "I cook", None),
        ("3", "carol", "Carol", "essays; also bsky.app/profile/carol-writes.bsky.social", None),
        ("4", "dsmith", "Dan Smith", "runner and coder in Oslo", None),
        ("5", "eve", "Eve", "birds", None),
        ("6", "frank", "Frank", "gardening tips", None),
    ])
    b = _users([
        ("did:plc:a", "alice.bsky.social", "alice", "maps in R and data viz", None),
        ("did:plc:b", "chef.bsky.social", "B.", "cooking", "https://x.com/bob"),
        ("did:plc:c", "carol-writes.bsky.social", "C", "long reads", None),
        ("did:plc:d", "dan99.bsky.social", "Dan Smith", "coder and runner, Oslo", None),
        ("did:plc:e", "eve.bsky.social", "Eve R.", "crypto", None),
        ("did:plc:f", "frankly.bsky.social", "Frank", "crypto news", None),
    ])
    pairs = audience_overlap(x, b)
    got = {(r.x_username, r.bluesky_handle): (r.match, r.confidence)
           for r in pairs.itertuples()}
    assert got == {
        ("bob", "chef.bsky.social"): ("link", 0.95),
        ("carol", "carol-writes.bsky.social"): ("link", 0.95),
        ("alice", "alice.bsky.social"): ("handle+bio", 0.8),
        ("dsmith", "dan99.bsky.social"): ("name+bio", 0.6),
        ("eve", "eve.bsky.social"): ("handle", 0.4),
    }
    assert pairs["confidence"].is_monotonic_decreasing
    est = overlap_estimate(pairs, len(x), len(b))
    assert est["pairs"] == 5 and est["likely"] == 3 and est["expected"] == 3.7
    assert audience_overlap(x.iloc[:0], b).empty


def test_the_sample_on_both_networks_pairs_its_people():
    """The X sample and the same people on Bluesky (handles rewritten, bios kept): most pairs
    found, and the pairs found are the same person."""
    audience = generate(followers=400, months=2, seed=3)
    blue = as_bluesky(audience)
    f = audience.followers
    x_ids = f.loc[f["snapshot_at"] == f["snapshot_at"].max(), "follower_id"]
    x = audience.users[audience.users["id"].isin(x_ids)]
    b = blue.users[blue.users["id"].isin(set(to_did(x_ids)))]
    pairs = audience_overlap(x, b)
    same = pairs["bluesky_id"] == pd.Series(to_did(pairs["x_id"]), index=pairs.index)
    assert same.mean() >= 0.95
    assert len(pairs) >= 0.6 * len(x)
