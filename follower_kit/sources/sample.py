"""The built-in sample audience: a deterministic, realistic follower base for a fictional account.

It is the embedded default that ``make demo``, the notebooks and the tests use with no credentials
and no network. One call of :func:`generate` gives monthly follower snapshots with follows and
unfollows, topic communities (software, marketing, sports, design, local news, crypto) whose bios
and tweets read like real ones in English, Spanish, Japanese (no spaces), German and Portuguese,
heavy-tailed counts, bots of several kinds (spam and adult-link bots, follow-back farms created and
following in bursts with name-plus-8-digit handles, dormant default-avatar accounts, automated
feeds), followers who mention or reply to the account, and a few followers with hostile text
(markup, ``$`` signs, right-to-left marks, a 10,000-character bio) so every renderer meets them.

The ground truth (true topic, bot kind, true follow date ...) is a separate frame,
``SampleAudience.truth``; analysis code never reads it, tests and evaluations do.
"""

from __future__ import annotations

import hashlib
import logging
import re
import string
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from . import sample_text as txt

log = logging.getLogger(__name__)

DEFAULT_ACCOUNT = "brightwave"
DEFAULT_END = "2026-10-31"
# (handle, share of the main account's current followers who follow it too, own followers as a
# share of the main account's): what `follower-kit sample` builds beside @brightwave
DEFAULT_COMPETITORS = (("datadock", 0.30, 0.40), ("chartwell", 0.12, 0.25))
BOT_KINDS = ("spam", "adult", "farm", "dormant", "feed")
DEFAULT_AVATAR = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
_HASHTAG = re.compile(r"#(\w+)")
_MENTION = re.compile(r"@(\w{1,15})")
_URL = re.compile(r"https?://\S+")


@dataclass(repr=False)
class SampleAudience:
    """A generated audience: canonical frames plus the ground truth.

    Attributes
    ----------
    account : dict
        The followed account: id, username, name, description, created_at.
    users : DataFrame
        Canonical users frame, one row per follower ever seen (final profile; ``observed_at`` is
        the last snapshot in which the follower was present).
    followers : DataFrame
        Canonical followers frame for every monthly snapshot (position 0 = newest).
    tweets : DataFrame
        Canonical tweets frame: recent tweets of the followers at the last snapshot.
    following : DataFrame
        ``following_id``: accounts the sample account follows (some follow it back).
    truth : DataFrame
        ``follower_id``, ``topic`` (None for accounts with no topic), ``lang``, ``is_bot``,
        ``bot_kind`` (None, spam, adult, farm, dormant, feed), ``farm_id`` (-1 when none),
        ``follow_date``, ``unfollow_date`` (NaT while following), ``hostile``, ``country`` and
        ``city`` behind the profile's location (None for none or a joke), ``follows`` (the
        sample accounts, this one and its competitors, followed at the last snapshot).
    snapshot_times : list of Timestamp
    competitors : list of SampleAudience
        Competitor accounts (``generate(competitors=...)``) whose audiences overlap this one's.
    """

    account: dict
    users: pd.DataFrame
    followers: pd.DataFrame
    tweets: pd.DataFrame
    following: pd.DataFrame
    truth: pd.DataFrame
    snapshot_times: list = field(default_factory=list)
    competitors: list = field(default_factory=list)

    def __repr__(self) -> str:
        times = self.snapshot_times
        span = (f"{times[0]:%Y-%m-%d}..{times[-1]:%Y-%m-%d}" if times else "no snapshots")
        return (f"SampleAudience(@{self.account.get('username')}: {len(self.users):,} users, "
                f"{len(times)} snapshots {span}, {len(self.tweets):,} tweets)")


def account_id_for(name: str) -> str:
    """A stable numeric id for a fictional account name."""
    return str(10**15 + int(hashlib.sha256(name.lower().encode()).hexdigest()[:12], 16) % 10**15)


def _snowflake(times: pd.DatetimeIndex | pd.Series, rng: np.random.Generator) -> np.ndarray:
    ms = (pd.DatetimeIndex(times).as_unit("ms").asi8 - schema.SNOWFLAKE_EPOCH_MS).astype(np.int64)
    return (np.maximum(ms, 1) << 22) | rng.integers(0, 1 << 22, len(ms))


def _unique_ids(times, rng, old_cutoff=pd.Timestamp("2013-01-01", tz="UTC")) -> np.ndarray:
    """User ids as X assigns them: small sequential numbers before ~2013, snowflakes after."""
    times = pd.DatetimeIndex(times)
    ids = _snowflake(times, rng)
    old = times < old_cutoff
    if old.any():
        frac = (times[old].as_unit("ns").asi8 - pd.Timestamp("2006-07-01", tz="UTC").value) / (
            old_cutoff.value - pd.Timestamp("2006-07-01", tz="UTC").value)
        ids[old] = (1_000_000 + frac * 1_100_000_000).astype(np.int64) + rng.integers(0, 999, old.sum())
    return np.unique(ids)  # sorted and unique: older accounts keep smaller ids


def _fill(template: str, slots: dict, r: np.ndarray, extra: dict) -> str:
    values = dict(extra)
    for k, name in enumerate(("tool", "tool2", "thing", "role")):
        bank = slots.get("tool" if name == "tool2" else name)
        if bank:
            values[name] = bank[(r[k] + (1 if name == "tool2" else 0)) % len(bank)]
    return string.Formatter().vformat(template, (), _Default(values))


class _Default(dict):
    def __missing__(self, key):
        return ""


def _choice(rng, options, p, n):
    p = np.asarray(p, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p / p.sum())]


def generate(account: str = DEFAULT_ACCOUNT, followers: int = 5000, months: int = 12,
             seed: int = 7, tweets_per_follower: int = 12, end: str = DEFAULT_END,
             progress=None, competitors=()) -> SampleAudience:
    """Generate the sample audience of a fictional account.

    Parameters
    ----------
    account : str
        The fictional account's handle.
    followers : int
        Followers at the last snapshot (exactly).
    months : int
        Monthly snapshots, taken at noon UTC on the last day of each month, ending with ``end``.
    seed : int
        The same arguments always give the same audience.
    tweets_per_follower : int
        The most recent tweets kept per follower (0 for profiles only).
    end : str
        The last snapshot's month end (fixed, so reports are reproducible whatever today is).
    progress : callable, optional
        Called with a short stage name as generation proceeds (the CLI shows a progress bar).
    competitors : sequence of (handle, share, size)
        Competitor accounts to generate beside it (:data:`DEFAULT_COMPETITORS` is what
        ``follower-kit sample`` builds): ``share`` of this account's current followers follow
        each too, plus ``size`` times as many followers of its own. None by default.

    Returns
    -------
    SampleAudience
    """
    if followers < 10 or months < 1:
        raise ValueError("the sample needs at least 10 followers and 1 month")
    step = progress or (lambda stage: None)
    rng = np.random.default_rng(seed)
    last = pd.Timestamp(end, tz="UTC").normalize() + pd.offsets.MonthEnd(0)
    snap_times = [(last - pd.offsets.MonthEnd(months - 1 - i)).normalize() + pd.Timedelta(hours=12)
                  for i in range(months)]
    window_start = snap_times[0].normalize().replace(day=1)
    account_created = pd.Timestamp("2019-03-14 16:20", tz="UTC")
    acct = {"id": account_id_for(account), "username": account,
            "name": f"{account.replace('_', ' ').title()} · data tools",
            "description": "Open-source data tools for small teams. Python, SQL, dashboards, "
                           "and design that gets out of the way.",
            "created_at": account_created}

    # ---- who: kinds, topics, languages -------------------------------------------------
    step("kinds")
    n_lost = int(round(followers * 0.09))
    n = followers + n_lost
    kind = _choice(rng, ["human", "spam", "adult", "dormant", "feed"],
                   [0.82, 0.045, 0.02, 0.065, 0.02], n)
    # Bought followers: about 4.5% of the audience, in farms of a few dozen to a few hundred.
    n_farms = int(np.clip(followers // 1500, 1, 400))
    farm_sizes = np.maximum(8, rng.dirichlet(np.full(n_farms, 3.0)) * followers * 0.045).astype(int)
    farm_id = np.full(n, -1)
    start = 0
    candidates = rng.permutation(n)
    for f, size in enumerate(farm_sizes):
        members = candidates[start:start + size]
        farm_id[members] = f
        kind[members] = "farm"
        start += size
    topics = list(txt.TOPICS)
    topic = _choice(rng, topics, [txt.TOPICS[t]["weight"] for t in topics], n)
    topic = np.where(kind == "human", topic, None)
    feed_topic = _choice(rng, ["local_news", "software", "sports"], [0.5, 0.25, 0.25], n)
    topic = np.where(kind == "feed", feed_topic, topic)
    topic = np.where(kind == "spam", "crypto", topic)
    langs = list(txt.LANG_WEIGHTS)
    lang = _choice(rng, langs, list(txt.LANG_WEIGHTS.values()), n)
    lang = np.where((topic == "local_news") & (rng.random(n) < 0.85), "en", lang)
    lang = np.where(np.isin(kind, ["adult", "feed", "dormant"]), "en", lang)
    lang = np.where(kind == "spam", np.where(rng.random(n) < 0.8, "en", "es"), lang)
    lang = np.where(kind == "farm", _choice(rng, ["en", "es", "pt"], [0.6, 0.2, 0.2], n), lang)

    # ---- when: follow dates, unfollow dates --------------------------------------------
    step("dates")
    end_t = snap_times[-1]
    pre = rng.random(n) < 0.45
    span_pre = (window_start - account_created).total_seconds()
    span_win = (end_t - window_start).total_seconds()
    follow_s = np.empty(n)
    follow_s[pre] = account_created.timestamp() + span_pre * rng.random(pre.sum()) ** 0.6
    # In the window: growth that accelerates, plus one viral week.
    k = (~pre).sum()
    u = rng.random(k) ** 0.8
    viral_day = window_start + (end_t - window_start) * 0.62
    viral = rng.random(k) < 0.12
    t_win = window_start.timestamp() + span_win * u
    t_win[viral] = viral_day.timestamp() + rng.exponential(2.5 * 86400, viral.sum())
    follow_s[~pre] = np.minimum(t_win, end_t.timestamp() - 60)
    for f in range(n_farms):  # a farm follows in one burst of a few hours
        members = np.flatnonzero(farm_id == f)
        burst = window_start.timestamp() + span_win * rng.uniform(0.15, 0.85)
        follow_s[members] = burst + np.sort(rng.uniform(0, 3 * 3600, len(members)))
    follow = pd.to_datetime(follow_s, unit="s", utc=True).floor("s")

    leave_w = pd.Series(kind).map({"human": 1.0, "spam": 5.0, "adult": 5.0, "farm": 0.3,
                                   "dormant": 0.3, "feed": 1.0}).to_numpy()
    gap = rng.exponential(75 * 86400, n)
    unfollow_s = np.maximum(follow_s, window_start.timestamp()) + gap
    can_leave = unfollow_s < end_t.timestamp() - 3600
    weights = np.where(can_leave, leave_w, 0.0)
    # a short window (one month, a small competitor) may leave fewer possible leavers than asked
    n_leaving = min(n_lost, int(np.count_nonzero(weights)))
    leavers = (rng.choice(n, size=n_leaving, replace=False, p=weights / weights.sum())
               if n_leaving else np.array([], dtype=int))
    unfollow = pd.Series(pd.NaT, index=range(n), dtype=schema.TIME)
    unfollow.iloc[leavers] = pd.to_datetime(unfollow_s[leavers], unit="s", utc=True).floor("s")

    # Followers who came and went between two snapshots were never seen: drop them.
    t_snaps = np.array([t.value for t in snap_times])
    f_ns = follow.as_unit("ns").asi8
    uf_ns = unfollow.to_numpy(dtype="datetime64[ns]").astype("int64")
    uf_ns = np.where(unfollow.isna().to_numpy(), np.iinfo(np.int64).max, uf_ns)
    present = (f_ns[:, None] <= t_snaps[None, :]) & (uf_ns[:, None] > t_snaps[None, :])
    seen = present.any(axis=1)
    keep = np.flatnonzero(seen)
    kind, topic, lang, farm_id = kind[keep], topic[keep], lang[keep], farm_id[keep]
    follow, unfollow, present = follow[keep], unfollow.iloc[keep].reset_index(drop=True), present[keep]
    n = len(keep)

    # ---- profiles -----------------------------------------------------------------------
    step("profiles")
    day = 86400
    age_s = np.empty(n)
    human = kind == "human"
    fresh = human & (rng.random(n) < 0.10)
    age_s[human] = rng.uniform(0.2, 15.5, human.sum()) ** 1.15 * 365 * day
    age_s[fresh] = rng.uniform(1, 45, fresh.sum()) * day
    for name, lo, hi in (("spam", 5, 120), ("adult", 1, 60), ("dormant", 700, 4300),
                         ("feed", 365, 3000)):
        m = kind == name
        age_s[m] = rng.uniform(lo, hi, m.sum()) * day
    follow_sec = follow.as_unit("s").asi8.astype(float)
    created_s = follow_sec - age_s
    for f in range(n_farms):
        m = farm_id == f
        if m.any():
            made = follow_sec[m].min() - rng.uniform(5, 30) * day
            created_s[m] = made + rng.uniform(0, 3 * day, m.sum())
    floor_s = pd.Timestamp("2007-01-01", tz="UTC").timestamp()
    early = created_s < floor_s  # X opened in 2006: spread the oldest accounts over 2007-2011
    created_s[early] = floor_s + rng.uniform(0, 4 * 365 * day, early.sum())
    created_s = np.minimum(created_s, follow_sec - 3600)
    created = pd.to_datetime(created_s, unit="s", utc=True).floor("s")
    ids = _unique_ids(created, rng)
    if len(ids) < n:  # collisions are astronomically rare; fill deterministically if any
        ids = np.concatenate([ids, ids.max() + 1 + np.arange(n - len(ids))])
    order = np.argsort(created.as_unit("s").asi8, kind="stable")
    user_id = np.empty(n, dtype=np.int64)
    user_id[order] = np.sort(ids)[:n]

    first_i = rng.integers(0, 1 << 30, n)
    last_i = rng.integers(0, 1 << 30, n)
    r = rng.integers(0, 1 << 30, (n, 4))
    handle_style = rng.integers(0, 6, n)
    names, handles, bios = _identities(rng, kind, topic, lang, farm_id, first_i, last_i, r,
                                       handle_style)
    handles = pd.Series(handles).str.replace(r"[^A-Za-z0-9_]", "", regex=True).str[:15]
    dup = handles.str.lower().duplicated(keep="first")
    if dup.any():
        suffix = handles.str.lower().groupby(handles.str.lower()).cumcount().astype(str)
        handles = handles.where(~dup, handles.str[:12] + suffix)
        handles = handles.where(~handles.str.lower().duplicated(), "u" + pd.Series(user_id).astype(str).str[-14:])

    def lognormal(median, sigma, size):
        return np.exp(rng.normal(np.log(median), sigma, size))

    followers_count = lognormal(220, 1.5, n)
    notable = human & (rng.random(n) < 0.012)
    followers_count[notable] *= rng.uniform(40, 400, notable.sum())
    following_count = lognormal(380, 1.0, n)
    # people post and like at a personal rate over their account's life: a 10-day-old account
    # has not posted thousands of times, and people who post a lot tend to like a lot too
    age_days = np.maximum(age_s / day, 1.0)
    post_rate = lognormal(1.0, 1.1, n)
    tweet_count = post_rate * age_days
    like_count = post_rate * lognormal(1.6, 0.8, n) * age_days
    for name, (fo, fi, tw, lk) in {
        "farm": ((0, 40), (900, 4990), (0, 40), (0, 150)),
        "spam": ((5, 400), (600, 4990), (400, 25000), (0, 300)),
        "adult": ((0, 250), (200, 3500), (10, 600), (0, 80)),
        "dormant": ((0, 15), (3, 150), (0, 4), (0, 12)),
        "feed": ((40, 6000), (0, 25), (15000, 300000), (0, 5)),
    }.items():
        m = kind == name
        c = m.sum()
        followers_count[m] = rng.uniform(*fo, c)
        following_count[m] = rng.uniform(*fi, c)
        tweet_count[m] = rng.uniform(*tw, c)
        like_count[m] = rng.uniform(*lk, c)
    listed_count = followers_count * 0.012 * lognormal(1, 0.7, n)
    default_avatar = rng.random(n) < pd.Series(kind).map(
        {"human": 0.03, "farm": 0.7, "spam": 0.2, "adult": 0.0, "dormant": 0.85,
         "feed": 0.1}).to_numpy()
    avatar = np.where(default_avatar, DEFAULT_AVATAR,
                      pd.Series(user_id).astype(str).radd("https://pbs.twimg.com/profile_images/")
                      .add("/avatar_normal.jpg").to_numpy())
    vr = rng.random(n)
    verified_type = np.where(human & notable & (vr < 0.35), "business",
                             np.where(human & (vr < 0.04), "blue",
                                      np.where((kind == "spam") & (vr < 0.12), "blue", "none")))
    protected = (human & (rng.random(n) < 0.04)) | ((kind == "dormant") & (rng.random(n) < 0.1))
    url_r = rng.random(n)
    url = np.full(n, None, dtype=object)
    h = handles.to_numpy(dtype=object)
    personal = human & (url_r < 0.35)
    style = np.arange(n) % 3
    lower = _obj([x.lower() for x in h[personal]])
    url[personal] = np.select([style[personal] == 0, style[personal] == 1],
                              ["https://" + lower + ".dev", "https://github.com/" + h[personal]],
                              "https://www.linkedin.com/in/" + lower)
    for kd in ("spam", "adult", "feed"):
        m = kind == kd
        bank = txt.BOTS[kd]["urls"]
        url[m] = _obj([bank[i % len(bank)].replace("{n}", str(i % 997)) for i in np.flatnonzero(m)])
    loc_bank = [txt.LOCATIONS[lg] for lg in lang]
    location = [b[r[i, 1] % len(b)] or None for i, b in enumerate(loc_bank)]
    for i in np.flatnonzero(topic == "local_news"):
        location[i] = txt.LOCAL_NEWS_LOCATIONS[r[i, 2] % len(txt.LOCAL_NEWS_LOCATIONS)]
    location = np.where(kind == "dormant", None, np.asarray(location, dtype=object))

    # ---- hostile followers: humans who followed in the last month ---------------------------
    recent = np.flatnonzero(human & (follow > snap_times[-2] if months > 1 else human)
                            & unfollow.isna().to_numpy() & ~protected)
    hostile = np.zeros(n, dtype=bool)
    # with ordinary reach: they rank among the notable new followers, below the first three
    # by reach (when there are enough), so the demo's lists open with people, not fixtures
    by_reach = recent[np.argsort(-followers_count[recent], kind="stable")]
    skip = min(3, max(0, len(by_reach) - len(txt.HOSTILE)))
    hostile_idx = by_reach[skip: skip + len(txt.HOSTILE)]
    hostile[hostile_idx] = True
    for j, i in enumerate(hostile_idx):
        h = txt.HOSTILE[j]
        names[i] = h["name"]
        bios[i] = h["description"] if h["description"] is not None else \
            ("A very long bio. " + "Designers, developers and $dollar signs <b>tags</b>. " * 200)[:10_000]
        topic[i] = "design" if j % 2 else "software"

    step("frames")
    last_present = present.shape[1] - 1 - np.argmax(present[:, ::-1], axis=1)
    observed = pd.DatetimeIndex([snap_times[j] for j in range(months)])[last_present]
    users = pd.DataFrame({
        "id": pd.Series(user_id).astype(str),
        "username": handles,
        "name": names,
        "description": bios,
        "location": location,
        "url": url,
        "created_at": created,
        "followers_count": np.round(followers_count).astype(np.int64),
        "following_count": np.round(following_count).astype(np.int64),
        "tweet_count": np.round(tweet_count).astype(np.int64),
        "listed_count": np.round(listed_count).astype(np.int64),
        "like_count": np.round(like_count).astype(np.int64),
        "verified": verified_type != "none",
        "verified_type": verified_type,
        "protected": protected,
        "profile_image_url": avatar,
        "pinned_tweet_id": None,
        "default_profile_image": default_avatar,
        "observed_at": observed,
    })
    truth = pd.DataFrame({
        "follower_id": users["id"],
        "topic": pd.Series(topic, dtype=schema.STR),
        "lang": pd.Series(lang, dtype=schema.STR),
        "is_bot": kind != "human",
        "bot_kind": pd.Series(np.where(kind == "human", None, kind), dtype=schema.STR),
        "farm_id": farm_id.astype(np.int64),
        "follow_date": follow,
        "unfollow_date": unfollow.to_numpy(),
        "hostile": hostile,
        "country": pd.Series([txt.LOCATION_TRUTH.get(x, (None, None))[0] for x in location],
                             dtype=schema.STR),
        "city": pd.Series([txt.LOCATION_TRUTH.get(x, (None, None))[1] for x in location],
                          dtype=schema.STR),
    })
    truth["unfollow_date"] = pd.to_datetime(truth["unfollow_date"], utc=True).astype(schema.TIME)
    truth["follow_date"] = truth["follow_date"].astype(schema.TIME)

    # ---- snapshots ----------------------------------------------------------------------
    step("snapshots")
    by_newest = np.argsort(-follow.as_unit("s").asi8, kind="stable")
    in_snap = [by_newest[present[by_newest, j]] for j in range(months)]
    rows = np.concatenate(in_snap)
    ids_arrow = pa.array(users["id"].to_numpy(dtype=object), pa.string())
    edges = pd.DataFrame({
        "account_id": pd.Series(pa.array(np.full(len(rows), acct["id"], dtype=object),
                                         pa.string()), dtype=schema.STR),
        "snapshot_at": pd.DatetimeIndex(np.repeat(np.array([t.tz_localize(None) for t in snap_times], dtype="datetime64[us]"),
                                                  [len(i) for i in in_snap])).tz_localize("UTC"),
        "follower_id": pd.Series(ids_arrow.take(pa.array(rows)), dtype=schema.STR),
        "position": np.concatenate([np.arange(len(i), dtype=np.int64) for i in in_snap]),
        "source": pd.Series(pa.array(np.full(len(rows), "sample", dtype=object), pa.string()),
                            dtype=schema.STR),
    })
    edges = schema.coerce(edges, "followers")  # typed above already: canonical column order

    # ---- tweets of the current followers ------------------------------------------------
    step("tweets")
    current = np.flatnonzero(present[:, -1])
    tweets = _tweets(rng, acct, users, kind, topic, lang, hostile, current, snap_times[-1],
                     tweets_per_follower)
    pinned = tweets.drop_duplicates("author_id")
    pin = pinned[pinned["author_id"].isin(users["id"][human & (rng.random(n) < 0.15)])]
    users["pinned_tweet_id"] = users["id"].map(pin.set_index("author_id")["id"])
    users = schema.validate(schema.coerce(users, "users"), "users")

    # ---- the accounts it follows --------------------------------------------------------
    fb_p = np.where(pd.Series(topic).isin(["software", "design"]).to_numpy(), 0.14, 0.04)
    back = human & present[:, -1] & (rng.random(n) < fb_p)
    # ... and a few accounts that do not follow it (ids no follower has: +7 on a snowflake).
    n_others = int(np.clip(followers // 50, 20, 200))
    others = _snowflake(pd.DatetimeIndex(created[:n_others]), rng) + 7
    following = pd.DataFrame({"following_id": pd.Series(
        np.concatenate([user_id[back], others])).astype(str).astype(schema.STR)})

    current_ids = set(edges.loc[edges["snapshot_at"] == snap_times[-1], "follower_id"])
    truth["follows"] = pd.Series([[account] if i in current_ids else []
                                  for i in truth["follower_id"]], dtype=schema.STR_LIST)
    audience = SampleAudience(acct, users, edges, tweets, following, truth, snap_times)
    for name, share, size in competitors:
        step(f"competitor {name}")
        audience.competitors.append(_competitor(audience, name, share, size, seed,
                                                tweets_per_follower))
    return audience


def _competitor(main: SampleAudience, name: str, share: float, size: float, seed: int,
                tweets_per_follower: int) -> SampleAudience:
    """A competitor of ``main``: a share of main's current followers follow it too (exactly when
    they follow ``main``, at every snapshot), plus an audience of its own (``size`` times main's).

    Both audiences' ``truth["follows"]`` name every sample account each follower follows at the
    last snapshot, so overlaps are known exactly. ``main`` must be generated first (its truth
    gains the competitor's name)."""
    times = main.snapshot_times
    last = main.followers[main.followers["snapshot_at"] == times[-1]]
    n_main = len(last)
    rng = np.random.default_rng([seed, int(account_id_for(name)) % (1 << 32)])
    current = np.sort(last["follower_id"].to_numpy(dtype=object))
    shared = set(rng.choice(current, size=int(round(share * n_main)), replace=False))
    own = generate(name, followers=max(10, int(round(size * n_main))), months=len(times),
                   seed=int(rng.integers(0, 1 << 31)), tweets_per_follower=tweets_per_follower,
                   end=f"{times[-1]:%Y-%m-%d}")
    taken = set(main.users["id"]).union(*(set(c.users["id"]) for c in main.competitors))
    clash = own.users["id"].isin(taken)  # ids are random snowflakes: a clash is rare, drop it
    keep_ids = set(own.users.loc[~clash, "id"])
    main_present = main.followers[main.followers["follower_id"].isin(shared)]
    follow_date = pd.concat([own.truth.set_index("follower_id")["follow_date"],
                             main.truth.set_index("follower_id")["follow_date"]])
    edges = pd.concat([own.followers[own.followers["follower_id"].isin(keep_ids)], main_present],
                      ignore_index=True)
    edges["account_id"] = own.account["id"]
    edges["source"] = "sample"
    edges["_since"] = edges["follower_id"].map(follow_date).to_numpy()
    edges = edges.sort_values(["snapshot_at", "_since", "follower_id"],
                              ascending=[True, False, True], ignore_index=True)
    edges["position"] = edges.groupby("snapshot_at").cumcount().astype("int64")
    edges = schema.coerce(edges.drop(columns="_since"), "followers")
    users = pd.concat([own.users[own.users["id"].isin(keep_ids)],
                       main.users[main.users["id"].isin(shared)]], ignore_index=True)
    shared_tweets = main.tweets[main.tweets["author_id"].isin(shared)]
    # tweet ids are time plus a per-millisecond sequence: two generators can mint the same one
    tweets = pd.concat([own.tweets[own.tweets["author_id"].isin(keep_ids)
                                   & ~own.tweets["id"].isin(shared_tweets["id"])],
                        shared_tweets], ignore_index=True)
    own_truth = own.truth[own.truth["follower_id"].isin(keep_ids)].copy()
    shared_truth = main.truth[main.truth["follower_id"].isin(shared)].copy()
    # main's followers, and an earlier competitor's shared ones, now follow this one too
    for table in [main.truth] + [c.truth for c in main.competitors]:
        table["follows"] = pd.Series(
            [f + [name] if i in shared else f for i, f in zip(table["follower_id"],
                                                             table["follows"])],
            dtype=schema.STR_LIST)
    shared_truth["follows"] = main.truth.set_index("follower_id").loc[
        shared_truth["follower_id"], "follows"].to_numpy()
    truth = pd.concat([own_truth, shared_truth], ignore_index=True)
    truth["follows"] = truth["follows"].astype(schema.STR_LIST)
    return SampleAudience(own.account, users.reset_index(drop=True), edges,
                          tweets.reset_index(drop=True), own.following, truth, list(times))


def _ascii(s: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def _tweets(rng, acct, users, kind, topic, lang, hostile, current, t_end, per) -> pd.DataFrame:
    """Recent tweets (last 90 days) of the current followers."""
    if per <= 0 or len(current) == 0:
        return schema.empty("tweets")
    n = len(users)
    tc = users["tweet_count"].to_numpy()
    lam = np.clip(np.log1p(tc) * 1.2, 0.3, per)
    count = np.minimum(rng.poisson(lam), per)
    count[kind == "feed"] = per
    count[kind == "spam"] = per
    count[kind == "dormant"] = 0
    count[users["protected"].to_numpy()] = 0
    count[hostile] = np.maximum(count[hostile], 3)
    mask = np.zeros(n, dtype=bool)
    mask[current] = True
    count[~mask] = 0
    author = np.repeat(np.arange(n), count)
    m = len(author)
    if m == 0:
        return schema.empty("tweets")
    # When: humans by a daily rhythm in their own time zone; feeds like clockwork; spam in bursts.
    window = 90 * 86400
    end_s = t_end.timestamp()
    day = np.floor(rng.random(m) * 90)
    hour_p = np.array([1, .5, .3, .2, .2, .4, 1, 2, 3.5, 3, 2.5, 2.5, 3.5, 3, 2.5, 2.5, 2.6, 3,
                       3.5, 4, 4.2, 3.8, 3, 2])
    local_hour = rng.choice(24, size=m, p=hour_p / hour_p.sum())
    # Integer codes: comparing millions of object strings is the slow part otherwise.
    langs = list(txt.LANG_WEIGHTS)
    lang_code = pd.Categorical(lang, categories=langs).codes
    offset = np.array([txt.LANG_UTC_OFFSET[x] for x in langs])[lang_code[author]]
    secs = end_s - window + day * 86400 + ((local_hour - offset) % 24) * 3600 + rng.uniform(0, 3600, m)
    kind_names = ["human", "spam", "adult", "dormant", "feed", "farm"]
    ak = pd.Categorical(kind, categories=kind_names).codes[author]
    feed = ak == kind_names.index("feed")
    if feed.any():
        seq = np.concatenate([np.arange(c) for c in count[kind == "feed"] if c])
        secs[feed] = end_s - 60 - seq * 1800 + rng.normal(0, 20, feed.sum())
    spam = ak == kind_names.index("spam")
    if spam.any():
        burst = rng.integers(0, 5, spam.sum())
        secs[spam] = end_s - window + (burst + 1) * window / 6 + rng.uniform(0, 900, spam.sum())
    secs = np.minimum(secs, end_s - 1)
    # Rows are grouped by author already; order each author's tweets by time once, here, so
    # every column below is built in its final order.
    secs = secs[np.lexsort((secs, author))]
    created = pd.to_datetime(secs, unit="s", utc=True).floor("s")

    kinds = _choice(rng, ["original", "reply", "retweet", "quote"], [0.55, 0.2, 0.18, 0.07], m)
    kinds = np.where(np.isin(ak, [kind_names.index(k) for k in ("feed", "farm", "adult")]),
                     "original", kinds)
    kinds = np.where(spam & (rng.random(m) < 0.3), "reply", np.where(spam, "original", kinds))
    handles = users["username"].to_numpy().astype(object)
    user_ids = users["id"].to_numpy().astype(object)
    other = rng.integers(0, n, m)
    r = rng.integers(0, 1 << 30, (m, 3))
    # Conversations with the account: about 5% of humans mention it or reply to it once.
    talk_author = (kind == "human") & (rng.random(n) < np.where(
        pd.Series(topic).isin(["software", "design"]).to_numpy(), 0.08, 0.03))
    # their newest tweet, so the conversation is recent when the report's month ends
    last_of_author = np.r_[author[1:] != author[:-1], True]
    talk = last_of_author & talk_author[author]

    # Bodies come from pools of filled templates per (kind, topic, language); the per-tweet work
    # is then array lookups and vectorized concatenation, which keeps 1M followers fast.
    pool_rng = np.random.default_rng(rng.integers(0, 1 << 62))
    author_group = np.full(n, -1)
    pools = []
    for t_name, t in txt.TOPICS.items():
        for lg in txt.LANG_WEIGHTS:
            m_auth = (kind == "human") & (topic == t_name) & (lang == lg)
            if m_auth.any():
                author_group[m_auth] = len(pools)
                pools.append(_pool(pool_rng, t["tweets"][lg], t["slots"], 96))
    for kd, b in txt.BOTS.items():
        for t_name in (sorted({x for x in topic[kind == kd] if x}) or [None]):
            m_auth = (kind == kd) & ((topic == t_name) if t_name else True)
            if not m_auth.any():
                continue
            author_group[m_auth] = len(pools)

            def extra(row, b=b, t_name=t_name):
                return {"n": str(row[0] % 50 + 1), "user": handles[row[1] % n],
                        "coin": txt.SPAM_COINS[row[2] % len(txt.SPAM_COINS)],
                        "headline": txt.FEED_HEADLINES[row[3] % len(txt.FEED_HEADLINES)],
                        "topic": (t_name or "news").replace("_", " "),
                        "url": (b["urls"][row[4] % len(b["urls"])] if b["urls"] else "")
                        .replace("{n}", str(row[0] % 9973))}
            pools.append(_pool(pool_rng, b["tweets"], {}, 64, extra))
    sizes = np.array([len(p) for p in pools])
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    flat = np.concatenate(pools)
    group = author_group[author]
    body_idx = starts[group] + r[:, 0] % sizes[group]
    flat_a = pa.array(flat, pa.string())
    handles_a = pa.array(handles, pa.string())
    body = flat_a.take(pa.array(body_idx))
    other_h = handles_a.take(pa.array(other))
    join = pc.binary_join_element_wise

    in_reply = np.full(m, None, dtype=object)
    prefix_i = np.full(m, -1, dtype=np.int64)  # the follower a reply or retweet starts with
    human_t = ak == kind_names.index("human")
    reply_h = (kinds == "reply") & human_t & ~talk
    bot_reply = (kinds == "reply") & ~human_t
    in_reply[reply_h | bot_reply] = user_ids[other[reply_h | bot_reply]]
    rt = (kinds == "retweet") & ~talk
    quote = (kinds == "quote") & ~talk
    prefix_i[reply_h | rt] = other[reply_h | rt]
    mention = talk & (r[:, 1] % 2 == 1)
    kinds[mention] = "original"
    reply_acct = talk & ~mention
    kinds[reply_acct] = "reply"
    in_reply[reply_acct] = acct["id"]
    at = f"@{acct['username']} "
    # Each kind of row gets its text from its own subset; masks are disjoint, so the order of
    # replacement does not matter.
    text = body
    for mask, make in (
        (reply_h, lambda b, o, q: join("@", o, " ", b, "")),
        (rt, lambda b, o, q: join("RT @", o, ": ", b, "")),
        (quote, lambda b, o, q: join(b, " https://x.com/", o, "/status/", q, "")),
        (mention, lambda b, o, q: join(at, b, "")),
        (reply_acct, lambda b, o, q: pa.array(
            [at + txt.REPLIES_TO_ACCOUNT[k % len(txt.REPLIES_TO_ACCOUNT)]
             for k in r[reply_acct, 2]], pa.string())),
    ):
        if mask.any():
            sel = pa.array(mask)
            values = make(body.filter(sel), other_h.filter(sel),
                          pc.cast(pa.array(r[mask, 2]), pa.string()))
            text = pc.replace_with_mask(text, sel, values)
    hostile_rows = np.zeros(m, dtype=bool)
    hostile_text = []
    for j, a_idx in enumerate(np.flatnonzero(hostile)):  # hostile text in their tweets too
        # in two of them: a person who posted the same text in every other post would (rightly)
        # score as a repeating feed and leave the demo's lists that show the fixtures
        rows = np.flatnonzero(author == a_idx)[:2]
        hostile_rows[rows] = True
        hostile_text += [(row, txt.HOSTILE[j]["tweet"]) for row in rows]
    if hostile_text:
        hostile_text.sort()
        text = pc.replace_with_mask(text, pa.array(hostile_rows),
                                    pa.array([t for _, t in hostile_text], pa.string()))

    # Entities: per pool entry once, then taken per tweet; the few rewritten rows get their own.
    text_s = pd.Series(text, dtype=schema.STR)
    flat_s = pd.Series(flat, dtype=schema.STR)
    take = pa.array(body_idx)
    hashtags = pa.array(_extract(flat_s, _HASHTAG).array).take(take)
    pool_mentions = pa.array(_extract(flat_s, _MENTION).array).take(take)
    has_prefix = (prefix_i >= 0) | talk
    prefix_h = np.where(talk, -1, prefix_i)[has_prefix]
    own_values = pc.if_else(pa.array(prefix_h < 0), pa.scalar(acct["username"]),
                            handles_a.take(pa.array(np.maximum(prefix_h, 0))))
    own = pa.ListArray.from_arrays(pa.array(np.r_[0, np.cumsum(has_prefix)].astype(np.int32)),
                                   own_values)
    mentions = pc.if_else(pa.array(has_prefix), own, pool_mentions)
    pool_urls = pa.array(_extract(flat_s, _URL, group=0).array)
    urls = pool_urls.take(take)
    if quote.any():  # a quote's URL ends its text: append it to the body's URLs
        rows = np.flatnonzero(quote)
        body_urls = pool_urls.take(pa.array(body_idx[rows]))
        old = body_urls.offsets.to_numpy()
        flat_vals = body_urls.flatten()
        new_offsets = old - old[0] + np.arange(len(rows) + 1)
        pick = np.empty(new_offsets[-1], dtype=np.int64)
        ends = new_offsets[1:] - 1
        keep = np.ones(len(pick), dtype=bool)
        keep[ends] = False
        pick[keep] = np.arange(len(flat_vals))
        pick[ends] = len(flat_vals) + np.arange(len(rows))
        quote_urls = pc.binary_join_element_wise(
            "https://x.com/", other_h.filter(pa.array(quote)), "/status/",
            pc.cast(pa.array(r[rows, 2]), pa.string()), "")
        values = pa.concat_arrays([flat_vals.cast(pa.string()), quote_urls]).take(pa.array(pick))
        urls = _replace_rows(urls, rows, pa.ListArray.from_arrays(
            pa.array(new_offsets.astype(np.int32)), values))
    # Rows rewritten whole (talk to the account, hostile text): their own regex pass.
    fixed = np.flatnonzero(talk | np.isin(author, np.flatnonzero(hostile)))
    if len(fixed):
        sub = text_s.iloc[fixed]
        hashtags = _replace_rows(hashtags, fixed, pa.array(_extract(sub, _HASHTAG).array))
        mentions = _replace_rows(mentions, fixed, pa.array(_extract(sub, _MENTION).array))
        urls = _replace_rows(urls, fixed, pa.array(_extract(sub, _URL, 0).array))
    # Snowflakes as X makes them: time, then a sequence number within the millisecond.
    ms = (created.as_unit("ms").asi8 - schema.SNOWFLAKE_EPOCH_MS).astype(np.int64)
    by_ms = np.argsort(ms, kind="stable")
    sorted_ms = ms[by_ms]
    group_start = np.r_[0, np.flatnonzero(np.diff(sorted_ms)) + 1]
    seq_sorted = np.arange(m) - np.repeat(group_start, np.diff(np.r_[group_start, m]))
    seq = np.empty(m, dtype=np.int64)
    seq[by_ms] = seq_sorted
    tweet_ids = (ms << 22) | seq
    fol = users["followers_count"].to_numpy()[author]
    likes = np.floor(rng.exponential(1, m) * np.sqrt(fol + 1) * 0.4).astype(np.int64)
    likes[kinds == "retweet"] = 0
    conv = np.where(pd.isna(in_reply), tweet_ids, tweet_ids - 1000 - r[:, 0] % 1000)
    def strings(values) -> pd.Series:
        arr = pa.array(values, pa.string()) if not isinstance(values, pa.Array) else values
        return pd.Series(arr, dtype=schema.STR)

    def lists(values: pa.Array) -> pd.Series:
        return pd.Series(values, dtype=schema.STR_LIST)

    def counts(values) -> pd.Series:
        return pd.Series(values, dtype=schema.COUNT)

    df = pd.DataFrame({
        "id": strings(pc.cast(pa.array(tweet_ids), pa.string())),
        "author_id": strings(pa.array(user_ids, pa.string()).take(pa.array(author))),
        "created_at": created,
        "text": strings(text),
        "lang": strings(pa.array(langs, pa.string()).take(pa.array(lang_code[author]))),
        "conversation_id": strings(pc.cast(pa.array(conv), pa.string())),
        "in_reply_to_user_id": strings(in_reply),
        "kind": strings(pa.array(kinds, pa.string())),
        "like_count": counts(likes),
        "retweet_count": counts((likes * rng.uniform(0, 0.3, m)).astype(np.int64)),
        "reply_count": counts((likes * rng.uniform(0, 0.15, m)).astype(np.int64)),
        "quote_count": counts((likes * rng.uniform(0, 0.03, m)).astype(np.int64)),
        "hashtags": lists(hashtags),
        "mentions": lists(mentions),
        "urls": lists(urls),
    })
    df["created_at"] = df["created_at"].astype(schema.TIME)
    return df


def _replace_rows(column: pa.Array, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """``column`` with ``rows`` replaced by ``values`` (Arrow has no replace_with_mask for lists)."""
    index = np.arange(len(column))
    index[rows] = len(column) + np.arange(len(rows))
    return pa.concat_arrays([column, values.cast(column.type)]).take(pa.array(index))


def _extract(texts: pd.Series, pattern: re.Pattern, group: int = 1) -> pd.Series:
    """All matches of ``pattern`` per text, as an Arrow list column."""
    found = [pattern.findall(t) if isinstance(t, str) else [] for t in texts]
    if group == 0:
        found = [[m.rstrip(".,!?)") for m in f] for f in found]
    return pd.Series(pa.array(found, type=pa.list_(pa.string())), dtype=schema.STR_LIST,
                     index=texts.index)


def fingerprint(audience: SampleAudience) -> str:
    """A digest of everything in ``audience`` (every column of every frame, and the account).

    The store's own content hash covers ids and positions only, so a sample written by an older
    generator (new bios, same ids) would pass for the current one; this catches that."""
    h = hashlib.sha256(repr(sorted(audience.account.items())).encode())
    for competitor in audience.competitors:
        h.update(fingerprint(competitor).encode())
    for frame in (audience.users, audience.followers, audience.tweets, audience.following,
                  audience.truth):
        for name in frame.columns:
            parts = [frame[name]]
            if isinstance(frame[name].dtype, pd.ArrowDtype):  # lists: their lengths and items
                lists = pa.chunked_array(pa.array(frame[name]))
                parts = [pc.list_value_length(lists).to_pandas().fillna(-1),
                         pc.list_flatten(lists).to_pandas()]
            h.update(name.encode())
            for part in parts:
                h.update(pd.util.hash_pandas_object(part, index=False).values)
    return h.hexdigest()


def sample_accounts(audience: SampleAudience) -> list[dict]:
    """The accounts ``audience`` writes: the main one, then its competitors."""
    return [audience.account] + [c.account for c in audience.competitors]


def _pool(rng: np.random.Generator, templates: list[str], slots: dict, size: int,
          extra=None) -> np.ndarray:
    """``size`` filled variants of ``templates``: per-row text is then a cheap array lookup."""
    r = rng.integers(0, 1 << 30, (size, 5))
    out = []
    for i in range(size):
        values = {"n": str(r[i, 4] % 11 + 2), "url": f"https://example.com/p/{r[i, 3] % 9973}"}
        if extra:
            values.update(extra(r[i]))
        out.append(_fill(templates[i % len(templates)], slots, r[i, :4], values))
    return np.asarray(out, dtype=object)


def _obj(values) -> np.ndarray:
    return np.asarray(values, dtype=object)


def _identities(rng, kind, topic, lang, farm_id, first_i, last_i, r, handle_style):
    """Display names, raw handles and bios, vectorized per language, topic and kind."""
    n = len(kind)
    first, last, h_first, h_last = (np.empty(n, dtype=object) for _ in range(4))
    for lg, (firsts, lasts) in txt.NAMES.items():
        m = lang == lg
        if not m.any():
            continue
        fi, li = first_i[m] % len(firsts), last_i[m] % len(lasts)
        romanise = (lambda w: txt.JA_ROMAJI[w]) if lg == "ja" else (lambda w: _ascii(w).lower())
        first[m], last[m] = _obj(firsts)[fi], _obj(lasts)[li]
        h_first[m] = _obj([romanise(w) for w in firsts])[fi]
        h_last[m] = _obj([romanise(w) for w in lasts])[li]
    display = np.where(lang == "ja", last + first, first + " " + last)
    two = _obj([f"{i:02d}" for i in range(100)])
    digits = lambda col, mod: pd.Series(r[:, col] % mod).astype(str).to_numpy(dtype=object)  # noqa: E731
    topic_s = _obj([t or "" for t in topic])
    styles = np.stack([h_first + "_" + h_last, h_first + h_last,
                       _obj([h[:1] for h in h_first]) + h_last,
                       h_first + "_" + _obj([t[:4] for t in topic_s]),
                       h_last + _obj([h[:3] for h in h_first]), h_first + two[r[:, 3] % 100]])
    handle = styles[handle_style, np.arange(n)]
    decorate = (kind == "human") & (r[:, 2] % 9 == 0)
    suffix = _obj([" 🌻", " ☕", None, " 🏳️‍🌈", " ✨"])[r[:, 1] % 5]
    topic_suffix = " | " + _obj([t.replace("_", " ") for t in topic_s])
    suffix = np.where(pd.isna(suffix), topic_suffix, suffix)
    display = np.where(decorate, display + suffix, display)

    bios = np.full(n, "", dtype=object)
    pool_rng = np.random.default_rng(rng.integers(0, 1 << 62))
    for t_name, t in txt.TOPICS.items():
        for lg in txt.LANG_WEIGHTS:
            m = (kind == "human") & (topic == t_name) & (lang == lg)
            if m.any():
                # a topic line and two more interests of the topic: nearly every bio differs, as
                # real ones do (a bio shared by many accounts is a farm signal)
                pool = _pool(pool_rng, t["bios"][lg], t["slots"], 48)
                tools = _obj(t["slots"]["tool"])
                k = len(tools)
                one, other = r[m, 1] % k, (r[m, 1] % k + 1 + r[m, 2] % (k - 1)) % k
                bios[m] = pool[r[m, 0] % len(pool)] + " · " + tools[one] + ", " + tools[other]

    farm = kind == "farm"
    handle[farm] = first[farm] + _obj([str(v + 10_000_000) for v in r[farm, 0] % 90_000_000])
    display[farm] = np.where(r[farm, 1] % 2 == 1, first[farm], display[farm])
    farm_bios = _obj(txt.BOTS["farm"]["bios"])
    bios[farm] = farm_bios[farm_id[farm] % len(farm_bios)]
    tweak = farm & (r[:, 2] % 4 == 0) & (bios != "")
    bios[tweak] = bios[tweak] + _obj([" 🙂", " ✨", " 💯"])[r[tweak, 3] % 3]

    spam = kind == "spam"
    handle[spam] = _obj(["crypto_", "promo_", "signals", "moon_", "gains"])[r[spam, 0] % 5] + \
        h_first[spam] + digits(1, 1000)[spam]
    display[spam] = np.select(
        [r[spam, 2] % 4 == k for k in range(4)],
        ["Crypto Signals 🚀", first[spam] + " | Forex 📈", "Promo Boost ✅", first[spam] + " 💰"])
    bios[spam] = _obj(txt.BOTS["spam"]["bios"])[r[spam, 3] % len(txt.BOTS["spam"]["bios"])]

    adult = kind == "adult"
    handle[adult] = h_first[adult] + "_xx_" + digits(0, 100)[adult]
    display[adult] = first[adult] + np.where(r[adult, 1] % 2 == 1, " 💋", " 🔞")
    bios[adult] = _obj(txt.BOTS["adult"]["bios"])[r[adult, 2] % len(txt.BOTS["adult"]["bios"])]

    dormant = kind == "dormant"
    handle[dormant] = h_first[dormant] + h_last[dormant] + digits(0, 10000)[dormant]

    feed = kind == "feed"
    feed_topic = _obj([t.replace("_", "")[:8] for t in topic_s[feed]])
    handle[feed] = _obj(["daily_", "headlines_", "news_", "feed_"])[r[feed, 0] % 4] + \
        feed_topic + digits(1, 100)[feed]
    pretty = _obj([t.replace("_", " ") for t in topic_s[feed]])
    display[feed] = np.select([r[feed, 2] % 4 == k for k in range(4)],
                              ["Daily Headlines", _obj([p.title() + " Feed" for p in pretty]),
                               "News Wire", "Top Stories"])
    feed_bios = _obj(txt.BOTS["feed"]["bios"])[r[feed, 3] % len(txt.BOTS["feed"]["bios"])]
    bios[feed] = _obj([b.replace("{topic}", p) for b, p in zip(feed_bios, pretty)])
    return list(display), list(handle), list(bios)
