"""Bot features: profile, tweet and coordination (farm) features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from follower_kit import schema
from follower_kit.analysis import features as F
from follower_kit.sources import datasets as ds

from conftest import shared_path

OBS = pd.Timestamp("2026-10-31 12:00", tz="UTC")


def users_frame(rows, observed=OBS) -> pd.DataFrame:
    cols = ["id", "username", "name", "description", "followers_count", "following_count",
            "tweet_count", "like_count", "listed_count", "default_profile_image", "created_at"]
    df = pd.DataFrame(rows, columns=cols)
    df["observed_at"] = observed
    return schema.coerce(df, "users")


def test_profile_features_real_data_are_finite_and_documented():
    users = ds.load_labeled(shared_path("bots", "botrepo-2019")).users
    X = F.profile_features(users)
    assert list(X.columns) == [c for c in F.PROFILE_FEATURES if c not in F.LEAKY_FEATURES]
    # name_in_handle is unknown (NaN) where a name or handle has fewer than four letters
    assert np.isfinite(X.drop(columns="name_in_handle").to_numpy()).all()
    assert X["name_in_handle"].notna().mean() > 0.9
    assert "verified" in F.profile_features(users, leaky=True)
    assert len(X) == len(users) and X.index.equals(users.index)


def test_ages_are_measured_at_observed_at_not_now():
    rows = [("1", "ada", "Ada", "hi", 10, 20, 300, 5, 0, False, "2026-10-01")]
    now = F.profile_features(users_frame(rows))
    later = F.profile_features(users_frame(rows, OBS + pd.Timedelta(days=365)))
    assert now["age_days_log"].iloc[0] == pytest.approx(np.log1p(30.5))
    assert now["tweets_per_day_log"].iloc[0] == pytest.approx(np.log1p(300 / 30.5))
    assert later["age_days_log"].iloc[0] > now["age_days_log"].iloc[0]
    assert (later["handle_length"] == now["handle_length"]).all()
    # the same profile gives the same features whenever it is scored
    pd.testing.assert_frame_equal(now, F.profile_features(users_frame(rows)))


def test_handle_features_and_bigram_model():
    rows = [("1", "Sarah81521598", "Sarah 2", "", 3, 4990, 0, 0, 0, True, "2026-10-29"),
            ("2", "jessica_spor", "Jessica Wright", "runner", 124, 502, 381, 90, 1, False,
             "2014-08-01")]
    X = F.profile_features(users_frame(rows))
    assert X["handle_trailing_digits"].tolist() == [8, 0]
    assert X["handle_digits"].tolist() == [8, 0]
    assert X["name_digits"].tolist() == [1, 0]
    assert X["following_at_limit"].tolist() == [1, 0]
    assert X["default_profile_image"].tolist() == [1, 0]
    real = ds.load_labeled(shared_path("bots", "botrepo-2019")).users["username"]
    model = F.HandleModel.fit(real)
    ll = model.loglik(pd.Series(["johnsmith", "xq9z8k7w6v5", "Sarah81521598"], dtype="str"))
    assert ll[0] > ll[1] and ll[0] > ll[2]
    again = F.HandleModel.from_dict(model.to_dict())
    assert np.allclose(again.loglik(real.head(50)), model.loglik(real.head(50)), atol=1e-5)


def test_tweet_features_hand_built():
    t0 = pd.Timestamp("2026-10-01", tz="UTC")
    rows = []
    for i in range(6):   # a timer: same text every hour
        rows.append((f"1{i}", "7", t0 + pd.Timedelta(hours=i),
                     f"Buy now #deal {i} https://x.co/{i}", "original", ["deal"],
                     ["https://x.co"]))
    for i, h in enumerate([0, 1, 30, 31, 100]):   # a person: varied, bursty
        rows.append((f"2{i}", "8", t0 + pd.Timedelta(hours=h), f"thought number {'abcde'[i]}x",
                     "reply" if i % 2 else "retweet", [], []))
    df = pd.DataFrame(rows, columns=["id", "author_id", "created_at", "text", "kind", "hashtags",
                                     "urls"])
    tweets = schema.coerce(df, "tweets")
    tf = F.tweet_features(tweets, authors=["7", "8", "9"])
    bot, person, silent = tf.loc["7"], tf.loc["8"], tf.loc["9"]
    assert bot["duplicate_text_share"] == 1 and person["duplicate_text_share"] == 0
    assert bot["interval_cv"] == pytest.approx(0) and bot["burstiness"] == pytest.approx(-1)
    assert person["burstiness"] > 0
    assert bot["link_share"] == 1 and bot["hashtags_per_tweet"] == 1
    assert person["retweet_share"] == pytest.approx(3 / 5) and person["reply_share"] == 0.4
    assert bot["hour_entropy"] == pytest.approx(np.log2(6))
    assert silent["n_tweets"] == 0 and np.isnan(silent["retweet_share"])


def test_tweet_features_on_sample_are_in_range(sample_audience):
    tf = F.tweet_features(sample_audience.tweets)
    shares = tf[["retweet_share", "reply_share", "link_share", "duplicate_text_share"]]
    assert ((shares >= 0) & (shares <= 1)).all().all()
    assert (tf["hour_entropy"].dropna() <= np.log2(24) + 1e-9).all()
    assert tf["burstiness"].dropna().between(-1, 1).all()
    assert tf["n_tweets"].sum() == len(sample_audience.tweets)


def _match(groups, truth):
    """For each true farm, the best Jaccard overlap with a found group."""
    out = {}
    for fid, members in truth[truth["farm_id"] >= 0].groupby("farm_id")["follower_id"]:
        true = set(members)
        out[fid] = max((len(true & set(g)) / len(true | set(g)) for g in groups["member_ids"]),
                       default=0.0)
    return out


def test_farms_found_as_groups_on_sample(sample_audience):
    a = sample_audience
    groups, acc = F.coordination(a.users, a.followers)
    truth = a.truth
    assert len(groups) == truth.loc[truth["farm_id"] >= 0, "farm_id"].nunique()
    assert min(_match(groups, truth).values()) >= 0.9
    farm_members = set(truth.loc[truth["farm_id"] >= 0, "follower_id"])
    found = set(acc.loc[acc["farm_id"].notna(), "id"])
    assert len(found - farm_members) <= 0.05 * len(found)       # few false members
    assert (acc.loc[acc["farm_id"].notna(), "farm_signal"] > 0.5).all()
    assert (acc.loc[acc["farm_id"].isna(), "farm_signal"] == 0).all()
    # follow bursts: each group's members followed within a short stretch of the follow order
    spans = groups["follow_rank_span"].map(lambda s: s[1] - s[0])
    assert (spans < 3 * groups["size"]).all()
    assert groups["handle_pattern"].str.startswith("name+").all()


def test_farms_without_follow_order(sample_audience):
    a = sample_audience
    groups, acc = F.coordination(a.users)
    assert min(_match(groups, a.truth).values()) >= 0.8
    assert acc["days_created_before_follow"].isna().all()


def test_empty_frames():
    users = schema.empty("users")
    assert len(F.profile_features(users)) == 0
    groups, acc = F.coordination(users, schema.empty("followers"))
    assert len(groups) == 0 and len(acc) == 0
    assert len(F.tweet_features(schema.empty("tweets"), authors=["1"])) == 1


def test_posting_rhythm_needs_five_gaps():
    """Two or three posts are always 'regular': no clockwork verdict from so little."""
    t0 = pd.Timestamp("2026-10-01", tz="UTC")
    rows = [(f"3{i}", "5", t0 + pd.Timedelta(hours=i), f"post {i}", "original")
            for i in range(3)]
    rows += [(f"4{i}", "6", t0 + pd.Timedelta(hours=i), f"post {i}", "original")
             for i in range(6)]
    tweets = schema.coerce(pd.DataFrame(rows, columns=["id", "author_id", "created_at", "text",
                                                       "kind"]), "tweets")
    tf = F.tweet_features(tweets)
    assert np.isnan(tf.loc["5", "interval_cv"])
    assert tf.loc["6", "interval_cv"] == pytest.approx(0)


def test_empty_bios_share_nothing_with_the_first_bio():
    """Bios are numbered in order of appearance; the empty ones once counted towards bio
    number 0, so the first account in a frame 'shared its bio' with every account without one."""
    users = schema.coerce(pd.DataFrame({
        "id": [str(i) for i in range(6)], "username": [f"u{i}" for i in range(6)],
        "description": ["Coffee roaster in Lisbon", None, "", "!!!", "Coffee roaster in Lisbon",
                        "Cyclist"],
        "created_at": pd.Timestamp("2020-01-01", tz="UTC"),
        "observed_at": pd.Timestamp("2026-01-01", tz="UTC")}), "users")
    _, acc = F.coordination(users)
    assert acc["same_bio_count"].tolist() == [1, 0, 0, 0, 1, 0]


def test_handle_and_bio_text_features():
    frame = pd.DataFrame({"id": ["1", "2", "3"], "username": ["qx7vz93kd0p", "janedoe", "ab"],
                          "name": ["Jane Doe", "Jane Doe", "Al"],
                          "description": ["", "I am a bot: a feed that tweets every hour",
                                          "Follow back for #crypto signals"]})
    frame["created_at"] = pd.Timestamp("2020-01-01", tz="UTC")
    frame["observed_at"] = OBS
    X = F.profile_features(frame)
    assert X["handle_entropy"].iloc[0] > X["handle_entropy"].iloc[1] > X["handle_entropy"].iloc[2]
    assert X["name_in_handle"].tolist()[:2] == [0.0, 1.0] and np.isnan(X["name_in_handle"].iloc[2])
    assert X["bio_says_bot"].tolist() == [0.0, 1.0, 0.0]
    assert X["bio_promotes"].tolist() == [0.0, 0.0, 1.0]
