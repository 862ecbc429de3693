"""Canonical frames: typed empties, coercion, and validation errors that name the column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from follower_kit import SchemaError, schema


@pytest.mark.parametrize("kind", ["users", "followers", "tweets"])
def test_empty_frames_are_typed_and_valid(kind):
    df = schema.empty(kind)
    assert list(df.columns) == schema.spec(kind).names
    assert df.dtypes.to_dict() == schema.spec(kind).dtypes
    schema.validate(df, kind)


def test_every_column_is_documented():
    for kind in ("users", "followers", "tweets"):
        table = schema.describe(kind)
        assert table["meaning"].str.len().min() > 5
    users = set(schema.USERS.names)
    assert {"id", "username", "followers_count", "following_count", "tweet_count", "listed_count",
            "like_count", "verified", "verified_type", "protected", "profile_image_url",
            "pinned_tweet_id", "default_profile_image", "observed_at"} <= users


def _users(**cols):
    base = {"id": ["1", "2"], "username": ["a", "b"],
            "observed_at": pd.to_datetime(["2026-01-01", "2026-01-02"], utc=True)}
    base.update(cols)
    return schema.coerce(pd.DataFrame(base), "users")


def test_coerce_casts_loose_input():
    df = _users(id=[1, 2], followers_count=[3.0, None], created_at=["2020-01-01T00:00:00Z", None])
    assert df["id"].tolist() == ["1", "2"]
    assert str(df["followers_count"].dtype) == "Int64" and df["followers_count"].isna().iloc[1]
    assert str(df["created_at"].dt.tz) == "UTC"
    schema.validate(df, "users")


@pytest.mark.parametrize(
    "change, column, words",
    [
        (lambda d: d.drop(columns="username"), "username", "lacks"),
        (lambda d: d.assign(id=["1", "x"]), "id", "decimal id"),
        (lambda d: d.assign(id=["1", "1"]), "id", "duplicated"),
        (lambda d: d.assign(followers_count=pd.array([1, -4], dtype="Int64")), "followers_count",
         "negative"),
        (lambda d: d.assign(followers_count=[1.5, 2.0]), "followers_count", "dtype"),
        (lambda d: d.assign(observed_at=pd.Series([pd.Timestamp("2026-01-01", tz="UTC"), pd.NaT],
                                                  dtype=schema.TIME)), "observed_at", "required"),
    ],
)
def test_validate_names_column_and_problem(change, column, words):
    with pytest.raises(SchemaError) as err:
        schema.validate(change(_users()), "users")
    assert err.value.column == column
    assert column in str(err.value) and words in str(err.value)


def test_float_ids_are_refused_because_they_lose_precision():
    with pytest.raises(SchemaError, match="float precision"):
        schema.coerce(pd.DataFrame({"id": [1.2e18], "username": ["a"],
                                    "observed_at": ["2026-01-01T00:00:00Z"]}), "users")


def test_naive_times_are_refused():
    with pytest.raises(SchemaError, match="timezone-aware"):
        schema.coerce(pd.DataFrame({"id": ["1"], "username": ["a"],
                                    "observed_at": pd.to_datetime(["2026-01-01"])}), "users")


def test_tweet_kind_and_follower_positions_are_checked():
    tweets = schema.coerce(pd.DataFrame({"id": ["1"], "author_id": ["2"], "kind": ["repost"],
                                         "created_at": ["2026-01-01T00:00:00Z"]}), "tweets")
    with pytest.raises(SchemaError, match="kind must be one of"):
        schema.validate(tweets, "tweets")
    edges = schema.coerce(pd.DataFrame({
        "account_id": "9", "snapshot_at": pd.Timestamp("2026-01-01", tz="UTC"),
        "follower_id": ["1", "2"], "position": [0, 0], "source": "api"}), "followers")
    with pytest.raises(SchemaError, match="position repeats"):
        schema.validate(edges, "followers")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**63 - 1), min_size=0, max_size=30,
                unique=True))
def test_any_int64_id_survives_coercion_exactly(ids):
    df = schema.coerce(pd.DataFrame({"id": np.array(ids, dtype=np.int64), "username": "u",
                                     "observed_at": "2026-01-01T00:00:00Z"}), "users")
    assert df["id"].tolist() == [str(i) for i in ids]
    schema.validate(df, "users")
