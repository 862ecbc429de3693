"""The sample looks like a client: fixtures do not head the lists, conversations are recent and
say different things."""

from __future__ import annotations

import pandas as pd

from follower_kit.analysis import triage


def test_hostile_fixtures_do_not_head_check_out_and_talk_to_is_recent_and_varied(
        sample_store, sample_audience):
    store = sample_store
    acct = store.resolve("brightwave")
    followers = store.followers(acct)
    changes = store.diff(acct)
    out = triage.triage(followers, tweets=store.tweets(acct, authors=followers["id"]),
                        account={"id": acct, "username": "brightwave"}, limit=10,
                        new_followers=changes.loc[changes["change"] == "new", "id"])
    hostile = set(sample_audience.truth.loc[sample_audience.truth["hostile"], "follower_id"])
    check_out = out[out["list"] == "check_out"]["follower_id"].tolist()
    # the first three notable new followers are people; the fixtures still show (as text)
    assert not hostile & set(check_out[:3])
    assert hostile & set(check_out)
    talk = out[out["list"] == "talk_to"]
    quotes = talk["reason"].str.extract(r'last on (\d{4}-\d\d-\d\d): "([^"]*)"')
    assert quotes[1].notna().all() and quotes[1].nunique() == len(talk)
    month_start = pd.Timestamp("2026-10-01")
    assert (pd.to_datetime(quotes[0]) >= month_start).all()   # recent relative to the month
