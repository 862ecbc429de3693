"""The sample audience: deterministic, realistic enough for every feature, and truthful."""

from __future__ import annotations

import pandas as pd
import pytest

from follower_kit import schema
from follower_kit.ingest import write_sample
from follower_kit.sources.sample import DEFAULT_COMPETITORS, generate


def test_same_seed_same_audience_other_seed_other_audience():
    a = generate(followers=400, months=4, seed=3)
    b = generate(followers=400, months=4, seed=3)
    c = generate(followers=400, months=4, seed=4)
    for name in ("users", "followers", "tweets", "truth", "following"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.users["id"].equals(c.users["id"])


def test_frames_are_canonical(sample_audience):
    schema.validate(sample_audience.users, "users")
    schema.validate(sample_audience.followers, "followers")
    schema.validate(sample_audience.tweets, "tweets")


def test_monthly_snapshots_with_follows_and_unfollows(sample_audience):
    edges = sample_audience.followers
    counts = edges.groupby("snapshot_at").size()
    assert len(counts) == 12 and counts.iloc[-1] == 5000
    assert counts.is_monotonic_increasing is False or counts.iloc[0] < counts.iloc[-1]
    sets = [set(g["follower_id"]) for _, g in edges.groupby("snapshot_at")]
    lost = [len(a - b) for a, b in zip(sets, sets[1:])]
    new = [len(b - a) for a, b in zip(sets, sets[1:])]
    assert min(new) > 0 and sum(lost) > 0


def test_positions_follow_true_follow_dates(sample_audience):
    truth = sample_audience.truth.set_index("follower_id")
    for _, snap in sample_audience.followers.groupby("snapshot_at"):
        dates = truth.loc[snap.sort_values("position")["follower_id"], "follow_date"]
        assert dates.is_monotonic_decreasing  # position 0 = newest follower


def test_accounts_exist_before_they_follow(sample_audience):
    users = sample_audience.users.set_index("id")
    truth = sample_audience.truth.set_index("follower_id")
    assert (users.loc[truth.index, "created_at"] < truth["follow_date"]).all()


def test_rich_enough_for_every_feature(sample_audience):
    truth, users, tweets = sample_audience.truth, sample_audience.users, sample_audience.tweets
    assert set(truth["bot_kind"].dropna()) == {"spam", "adult", "farm", "dormant", "feed"}
    assert {"software", "marketing", "sports", "design", "local_news", "crypto"} <= \
        set(truth["topic"].dropna())
    assert {"en", "es", "ja", "de", "pt"} <= set(truth["lang"])
    assert 0.08 < truth["is_bot"].mean() < 0.3
    # heavy tails: the largest accounts dwarf the median one
    counts = users["followers_count"].astype(float)
    assert counts.max() > 100 * counts.median()
    # Japanese followers write without spaces
    ja = tweets[tweets["lang"] == "ja"]["text"]
    assert len(ja) > 50 and ja.str.contains(r"[\u3040-\u30ff\u4e00-\u9fff]{6}").mean() > 0.5
    # followers who talk to the account
    acct = sample_audience.account
    talking = tweets["in_reply_to_user_id"].eq(acct["id"]) | \
        tweets["mentions"].map(lambda m: acct["username"] in list(m))
    assert tweets.loc[talking, "author_id"].nunique() >= 20
    # every tweet kind occurs, with entities extracted from the text
    assert set(tweets["kind"]) == set(schema.TWEET_KINDS)
    assert tweets["hashtags"].map(len).sum() > len(tweets) * 0.5


def test_farms_follow_in_bursts_with_digit_handles(sample_audience):
    truth = sample_audience.truth
    users = sample_audience.users.set_index("id")
    last = sample_audience.followers[sample_audience.followers["snapshot_at"] ==
                                     sample_audience.snapshot_times[-1]].set_index("follower_id")
    for farm_id, members in truth[truth["farm_id"] >= 0].groupby("farm_id"):
        handles = users.loc[members["follower_id"], "username"]
        assert handles.str.fullmatch(r"[A-Za-z]+\d{8}").mean() > 0.9
        created = users.loc[members["follower_id"], "created_at"]
        assert created.max() - created.min() <= pd.Timedelta(days=3)
        pos = last.loc[last.index.intersection(members["follower_id"]), "position"].sort_values()
        assert len(pos) > 0 and (pos.diff().dropna() == 1).mean() > 0.8  # adjacent in the list


def test_hostile_followers_are_current_and_hostile(sample_audience):
    truth, users = sample_audience.truth, sample_audience.users.set_index("id")
    hostile = truth[truth["hostile"]]
    assert len(hostile) == 6 and hostile["unfollow_date"].isna().all()
    text = " ".join(users.loc[hostile["follower_id"], "name"].fillna("")) + \
        " ".join(users.loc[hostile["follower_id"], "description"].fillna(""))
    for needle in ("<script>", "onerror=", "$\\frac", "\u202e", "\u200d"):
        assert needle in text
    assert users.loc[hostile["follower_id"], "description"].str.len().max() == 10_000


def test_truth_stays_out_of_the_canonical_frames(sample_audience):
    leaked = {"topic", "is_bot", "bot_kind", "farm_id", "follow_date", "hostile"}
    for frame in (sample_audience.users, sample_audience.followers, sample_audience.tweets):
        assert not leaked & set(frame.columns)


def test_write_sample_is_idempotent(tmp_path):
    from follower_kit import Store

    audience = generate(followers=300, months=3, seed=1)
    store = Store(tmp_path)
    first = write_sample(store, audience)
    second = write_sample(store, audience)
    assert all(r.created for r in first) and not any(r.created for r in second)
    assert store.snapshots()["followers"].tolist() == \
        audience.followers.groupby("snapshot_at").size().tolist()
    latest = store.followers(audience.account["username"])
    assert len(latest) == 300 and latest["username"].notna().all()
    assert store.read_table("truth", audience.account["id"])["follower_id"].nunique() == \
        len(audience.truth)


@pytest.mark.slow
def test_scales_to_a_large_audience():
    audience = generate(followers=100_000, months=3, tweets_per_follower=2, seed=11)
    assert (audience.followers["snapshot_at"] == audience.snapshot_times[-1]).sum() == 100_000
    assert audience.users["id"].is_unique and audience.users["username"].str.lower().is_unique
    assert audience.tweets["id"].is_unique


def test_entities_match_the_text(sample_audience):
    """Hashtags, mentions and URLs are built from template pools, not parsed per tweet: check
    that they agree with the text everywhere (replies, retweets, quotes, hostile rows)."""
    import re

    tags, users, links = re.compile(r"#(\w+)"), re.compile(r"@(\w{1,15})"), re.compile(r"https?://\S+")
    t = sample_audience.tweets
    for text, h, m, u in zip(t["text"], t["hashtags"], t["mentions"], t["urls"]):
        assert list(h) == tags.findall(text), text
        assert list(m) == users.findall(text), text
        assert list(u) == [x.rstrip(".,!?)") for x in links.findall(text)], text


# ------------------------------------------------------------ a stored sample from another version
def _tree(path):
    """Every file under ``path`` with its size and mtime: equal trees mean nothing was touched."""
    return {str(p.relative_to(path)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(path.rglob("*")) if p.is_file()}


SMALL = ["--followers", "60", "--months", "2", "--tweets-per-follower", "1"]


def test_the_fingerprint_sees_a_changed_bio_that_the_content_hash_does_not():
    from follower_kit.sources.sample import fingerprint
    from follower_kit.store import _content_hash

    a = generate(followers=60, months=2, tweets_per_follower=1)
    b = generate(followers=60, months=2, tweets_per_follower=1)
    b.users.loc[0, "description"] = "a bio an older generator wrote"
    assert fingerprint(a) != fingerprint(b)
    snap = a.followers[a.followers["snapshot_at"] == a.snapshot_times[-1]]
    assert _content_hash(snap, a.users, a.tweets) == _content_hash(snap, b.users, b.tweets)
    assert fingerprint(a) == fingerprint(generate(followers=60, months=2, tweets_per_follower=1))


def test_a_stale_sample_is_refused_with_advice_then_rebuilt_on_request(tmp_path):
    from click.testing import CliRunner

    from follower_kit.cli import main
    from follower_kit.store import Store

    store = tmp_path / "store"
    run = CliRunner().invoke
    assert run(main, ["sample", "--store", str(store), *SMALL]).exit_code == 0
    again = run(main, ["sample", "--store", str(store), *SMALL])
    assert again.exit_code == 0 and "(0 new)" in again.output
    before = _tree(store)

    other = [*SMALL, "--seed", "8"]  # what an older generator's sample looks like to this one
    r = run(main, ["sample", "--store", str(store), *other])
    assert r.exit_code == 1 and "different sample" in r.output and "--replace" in r.output
    assert _tree(store) == before  # refused before writing anything

    r = run(main, ["sample", "--store", str(store), *other, "--replace"])
    assert r.exit_code == 0, r.output
    expected = generate(followers=60, months=2, seed=8, tweets_per_follower=1)
    s = Store(store)
    assert set(s.followers("brightwave")["id"]) == set(
        expected.followers.loc[expected.followers["snapshot_at"] == expected.snapshot_times[-1],
                               "follower_id"])
    assert len(s.snapshots("brightwave")) == 2


def test_a_second_sample_account_joins_the_store_of_the_first(tmp_path):
    """The commands in examples/clients.toml build four sample accounts into one store; the
    second was refused as 'a different sample', its competitors (@datadock, @chartwell, the
    same handles for every account) being the first one's."""
    from click.testing import CliRunner

    from follower_kit.cli import main
    from follower_kit.ingest import stored_state
    from follower_kit.store import Store

    store = tmp_path / "store"
    run = CliRunner().invoke
    assert run(main, ["sample", "--store", str(store), *SMALL]).exit_code == 0
    before = {a: Store(store).snapshot_meta(a) for a in ("brightwave", "datadock", "chartwell")}
    other = ["sample", "--store", str(store), "--account", "northwind_brew", *SMALL]
    r = run(main, other)
    assert r.exit_code == 0, r.output
    assert "without competitors" in r.output and len(Store(store).snapshots("northwind_brew"))
    assert {a: Store(store).snapshot_meta(a) for a in before} == before  # left as they were
    assert stored_state(Store(store), generate(followers=60, months=2, tweets_per_follower=1,
                                               competitors=DEFAULT_COMPETITORS)) == "same"
    again = run(main, other)
    assert again.exit_code == 0 and "(0 new)" in again.output, again.output


def test_a_sample_written_before_fingerprints_counts_as_stale(tmp_path):
    import json

    from follower_kit.ingest import stored_state
    from follower_kit.store import Store

    audience = generate(followers=60, months=2, tweets_per_follower=1)
    store = Store(tmp_path / "store")
    write_sample(store, audience)
    assert stored_state(store, audience) == "same"
    for meta in (tmp_path / "store").rglob("meta.json"):
        m = json.loads(meta.read_text())
        del m["extra"]["fingerprint"]
        meta.write_text(json.dumps(m))
    assert stored_state(store, audience) == "stale"


def test_the_demo_rebuilds_a_stale_sample_but_never_touches_pulled_snapshots(tmp_path):
    from click.testing import CliRunner

    from follower_kit.cli import main
    from follower_kit.cli.sample import build_sample
    from follower_kit.sources.sample import account_id_for
    from follower_kit.store import Store

    store = Store(tmp_path / "store")
    build_sample(store, "brightwave", 60, 2, 9, 1)
    build_sample(store, "brightwave", 60, 2, 7, 1, rebuild_stale=True)  # what `demo` does
    assert len(store.snapshots("brightwave")) == 2

    # an account with a pulled snapshot under the sample's id: refused, even with --replace
    pulled = Store(tmp_path / "real")
    pulled.commit_snapshot(account={"id": account_id_for("brightwave"), "username": "brightwave"},
                           snapshot_at="2026-10-31T12:00:00Z",
                           followers=pd.DataFrame({"follower_id": ["1", "2"]}), source="api")
    before = _tree(tmp_path / "real")
    for args in (["sample", *SMALL, "--replace"], ["demo", "--no-report"]):
        r = CliRunner().invoke(main, [*args, "--store", str(tmp_path / "real")])
        assert r.exit_code == 1 and "pulled or imported" in r.output, r.output
    assert _tree(tmp_path / "real") == before
