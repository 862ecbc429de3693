"""The shared steps between the store and what a person sees: load a month, score, segment,
growth, triage.

The CLI, the notebooks and the monthly report call these functions and nothing else for these
jobs, so a number means the same everywhere: ``follower-kit bots score`` counts the likely bots the
report counts, ``follower-kit topics`` finds the segments the report shows. Their settings travel
in one frozen :class:`AudienceOptions` whose defaults are defined here, once.

Key columns: a profile's own id is ``id`` (the canonical users frame); a result *about a
follower* (bot scores, segments, triage lists) is keyed by ``follower_id``.

Example
-------
>>> import follower_kit as fk
>>> data = fk.load_month("brightwave", "2026-10")            # doctest: +SKIP
>>> scores = fk.score_bots(data)                             # doctest: +SKIP
>>> segments = fk.segment(data)                              # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .config import (BLOCK_THRESHOLD, BOT_THRESHOLD, check_bluesky, check_handles,
                     check_language, check_tz, check_words)
from .errors import ConfigError
from .store import Store

log = logging.getLogger(__name__)

FIT_SAMPLE = 20_000


# ----------------------------------------------------------------------------------- options
def check_month(month: str) -> str:
    """Validate a ``YYYY-MM`` month and return it."""
    try:
        ts = pd.Timestamp(f"{month}-01")
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"month must look like 2026-10 (YYYY-MM), not {month!r}") from exc
    if ts.strftime("%Y-%m") != month:
        raise ConfigError(f"month must look like 2026-10 (YYYY-MM), not {month!r}")
    return month


@dataclass(frozen=True)
class AudienceOptions:
    """The settings of an audience analysis and of its monthly report, under one set of names.

    The CLI flags (``--top-n``, ``--bot-threshold`` ...), the batch file keys, the report
    notebook's parameters and the Python API all use these names and these defaults.

    Attributes
    ----------
    account : str
        Handle, @handle or id of an account in the store.
    month : str
        ``YYYY-MM``; "" for the last full month that has data.
    store : str
        Store directory; "" for the default (:func:`follower_kit.config.store_dir`).
    tz : str
        The account's IANA time zone, for the activity heatmap.
    top_n : int
        Rows per list.
    client_name : str
        Name shown in the report title; "" for the account's display name.
    bot_threshold : float
        Bot score from which a follower counts as a likely bot.
    block_threshold : float
        Bot score from which a follower goes on the block list: at least ``bot_threshold``,
        since a block list wrongly naming a real person costs more than a share that counts one.
    segments : int
        Audience segments; 0 chooses the number by stability (slower).
    competitors : tuple of str
        Handles of competitors in the store (a client profile's ``competitors``): the report
        compares their audiences with this one (:func:`competitors`). A comma-separated string
        or any sequence is accepted; ``@`` is dropped.
    language : str
        The client's language, a BCP 47 tag (``en``, ``de``, ``pt-BR``).
    topics, keywords : tuple of str
        What the client cares about (a client profile's ``topics``: broad, ``keywords``: words
        to match): they rank "follow back" and "check out" and are named in "on your topics";
        empty, the account's own words stand in.
    bluesky : str
        The client's own Bluesky account in the store (a handle such as
        ``brightwave.bsky.social`` or a DID; a client profile's ``bluesky``): the report shows
        both audiences side by side (:func:`cross_network`). "" leaves the section out.

    Examples
    --------
    >>> AudienceOptions("brightwave", tz="Europe/Berlin").replace(top_n=5).top_n
    5
    """

    account: str = ""
    month: str = ""
    store: str = ""
    tz: str = "UTC"
    top_n: int = 10
    client_name: str = ""
    bot_threshold: float = BOT_THRESHOLD
    block_threshold: float = BLOCK_THRESHOLD
    segments: int = 8
    competitors: tuple[str, ...] = ()
    language: str = "en"
    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    bluesky: str = ""

    def __post_init__(self):
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "account", str(self.account).strip().removeprefix("@"))
        set_(self, "month", check_month(str(self.month)) if self.month else "")
        set_(self, "store", str(self.store) if self.store else "")
        set_(self, "tz", check_tz(str(self.tz)))
        set_(self, "client_name", str(self.client_name or ""))
        set_(self, "competitors", check_handles(self.competitors, "competitors", self.account))
        set_(self, "language", check_language(self.language))
        set_(self, "topics", check_words(self.topics, "topics"))
        set_(self, "keywords", check_words(self.keywords, "keywords"))
        set_(self, "bluesky", check_bluesky(self.bluesky, self.account))
        for name, kind in (("top_n", int), ("segments", int), ("bot_threshold", float),
                           ("block_threshold", float)):
            value = getattr(self, name)
            whole = "a whole number" if kind is int else "a number"
            # true would be 1 and 2.5 segments 2: a slip in a clients file, said, not rounded
            if isinstance(value, bool) or (kind is int and isinstance(value, float)
                                           and not value.is_integer()):
                raise ConfigError(f"{name} must be {whole}, not {value!r}")
            try:
                set_(self, name, kind(value))
            except (TypeError, ValueError):
                raise ConfigError(f"{name} must be {whole}, not {value!r}") from None
        if self.top_n < 1:
            raise ConfigError(f"top_n must be at least 1, not {self.top_n!r}")
        if not 0.0 < self.bot_threshold < 1.0:
            raise ConfigError(f"bot_threshold must be between 0 and 1, not {self.bot_threshold!r}")
        if not self.bot_threshold <= self.block_threshold < 1.0:
            raise ConfigError(f"block_threshold must be between bot_threshold "
                              f"({self.bot_threshold!r}) and 1, not {self.block_threshold!r}")
        if self.segments < 0 or self.segments == 1:
            raise ConfigError(f"segments must be 0 (automatic) or at least 2, not "
                              f"{self.segments!r}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, in order (the report notebook's parameters)."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def defaults(cls) -> dict:
        """Every option's default value."""
        return {f.name: f.default for f in dataclasses.fields(cls)}

    def replace(self, **changes) -> AudienceOptions:
        """A copy with ``changes`` (checked like the original)."""
        unknown = sorted(set(changes) - set(self.names()))
        if unknown:
            raise ConfigError(f"unknown option(s) {unknown}; options are "
                              f"{', '.join(self.names())}")
        return dataclasses.replace(self, **changes)

    def parameters(self) -> dict:
        """The report notebook's parameters (papermill records them, so never a secret):
        every option, with ``store`` as an absolute path ("" for the default) and word tuples
        as lists."""
        out = dataclasses.asdict(self)
        out["store"] = str(Path(self.store).expanduser().resolve()) if self.store else ""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @property
    def match_words(self) -> list[str]:
        """``topics`` and ``keywords`` in one list, each once, lower case (what
        :func:`triage` ranks by)."""
        return list(dict.fromkeys(w.lower() for w in (*self.topics, *self.keywords)))

    @property
    def n_segments(self) -> int | str:
        """``segments`` as :class:`~follower_kit.analysis.topics.TopicSegmenter` takes it."""
        return self.segments or "auto"


DEFAULTS = AudienceOptions()


def options(options: AudienceOptions | Mapping | None = None, **changes) -> AudienceOptions:
    """An :class:`AudienceOptions` from options, a mapping of option names, or keywords (a
    keyword given as None keeps the default; ``store`` may be a :class:`Store`)."""
    changes = {k: v for k, v in changes.items() if v is not None}
    if isinstance(changes.get("store"), Store):
        changes["store"] = str(changes["store"].path)
    if options is None:
        base = DEFAULTS
    elif isinstance(options, AudienceOptions):
        base = options
    else:
        base = DEFAULTS.replace(**dict(options))
    return base.replace(**changes) if changes else base


# -------------------------------------------------------------------------------- the data
def _month_key(times: pd.Series) -> pd.Series:
    return pd.to_datetime(times, utc=True).dt.strftime("%Y-%m")


def _short(frame: pd.DataFrame | None) -> str:
    return "None" if frame is None else f"<{len(frame):,} rows>"


@dataclass(repr=False)
class MonthData:
    """One account's data for one month (or one snapshot), as every audience step uses it.

    Attributes
    ----------
    account : dict
        ``id``, ``username``, ``name`` of the followed account.
    month : str
        ``YYYY-MM``.
    snapshot_at : Timestamp
        The snapshot the figures are as of: the last in the month, or the one asked for.
    previous_snapshot_at : Timestamp or None
        The last snapshot before the month (None in the first month on record).
    snapshots : DataFrame
        :meth:`Store.snapshots` up to ``snapshot_at``.
    edges : DataFrame
        Canonical followers frame of every snapshot up to ``snapshot_at``.
    followers : DataFrame
        :meth:`Store.followers` at ``snapshot_at`` (profiles, ``position``, ``snapshot_at``).
    previous_followers : DataFrame
        The same at ``previous_snapshot_at`` (empty in the first month).
    tweets : DataFrame
        Stored tweets of the followers at ``snapshot_at`` created before the end of the month.
    following : DataFrame or None
        The account's own following list (table ``following``), when stored.
    own_tweets : DataFrame or None
        The account's own posts (an archive's ``tweets.js``; store table ``own_tweets``).
    unavailable : DataFrame
        Followers X reported deleted or suspended (``id``, ``reason``, ``observed_at``).
    known_handles : DataFrame
        The accounts the own posts named up to ``snapshot_at`` (``id``, ``username``, ``name``,
        ``seen_at``, ``tweets``; :meth:`Store.known_handles`): they name the lost followers and
        the relation rows that have no profile.
    departures : DataFrame
        Bluesky's lost followers told apart, unfollowed or gone (:meth:`Store.departures`;
        empty for X).
    """

    account: dict
    month: str
    snapshot_at: pd.Timestamp
    previous_snapshot_at: pd.Timestamp | None
    snapshots: pd.DataFrame
    edges: pd.DataFrame
    followers: pd.DataFrame
    previous_followers: pd.DataFrame
    tweets: pd.DataFrame
    following: pd.DataFrame | None = None
    own_tweets: pd.DataFrame | None = None
    unavailable: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["id", "reason", "observed_at"]))
    known_handles: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["id", "username", "name", "seen_at",
                                                      "tweets"]))
    departures: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["snapshot_at", "follower_id", "gone"]))

    def __repr__(self) -> str:
        prev = "none" if self.first_month else f"{self.previous_snapshot_at:%Y-%m-%d}"
        return (f"MonthData(@{self.account['username']} {self.month}, snapshot "
                f"{self.snapshot_at:%Y-%m-%d}, previous {prev}: "
                f"{len(self.followers):,} followers, {len(self.new_followers):,} new, "
                f"{len(self.lost_followers):,} lost, {len(self.tweets):,} tweets, "
                f"following {_short(self.following)})")

    @property
    def first_month(self) -> bool:
        """True when no snapshot precedes the month: nobody can be told apart as new or lost."""
        return self.previous_snapshot_at is None

    @property
    def new_followers(self) -> pd.DataFrame:
        """Followers at ``snapshot_at`` who were not at ``previous_snapshot_at`` (none in the
        first month on record); ``followers`` columns, newest first."""
        if self.first_month:
            return self.followers.iloc[0:0]
        return self.followers[~self.followers["id"].isin(self.previous_followers["id"])]

    @property
    def lost_followers(self) -> pd.DataFrame:
        """Followers at ``previous_snapshot_at`` who no longer follow; ``followers`` columns
        and ``left``: "unfollowed" or "account gone" (deleted, deactivated, taken down) where
        a Bluesky pull checked (``departures``), else missing.
        Those without a profile are named from ``known_handles`` where the own posts name them
        (the report lists the lost by name; ``observed_at`` stays missing: a handle is not a
        profile, so nothing scores or segments them on it)."""
        from .analysis.growth import gone_between, left_words

        lost = self.previous_followers[~self.previous_followers["id"].isin(self.followers["id"])]
        if not self.first_month:
            gone = gone_between(lost["id"], self.departures, before=self.previous_snapshot_at,
                                after=self.snapshot_at)
            lost = lost.assign(left=left_words(gone).to_numpy())
        return self.named(lost)

    def named(self, followers: pd.DataFrame) -> pd.DataFrame:
        """``followers`` with those lacking a profile named from ``known_handles`` where the own
        posts name them (:func:`~follower_kit.analysis.relations.name_from_known`): for lists a
        person reads, such as the report's downloadable new followers. ``observed_at`` stays
        missing, so a named row is still told apart from a profile."""
        from .analysis.relations import name_from_known

        if self.known_handles is None or self.known_handles.empty or followers.empty:
            return followers
        return name_from_known(followers, self.known_handles)

    @property
    def month_start(self) -> pd.Timestamp:
        return pd.Timestamp(self.month + "-01", tz="UTC")

    @property
    def month_end(self) -> pd.Timestamp:
        return self.month_start + pd.offsets.MonthBegin(1)


def last_full_month(snapshot_times: Iterable, now=None) -> str:
    """The latest month that has ended (before ``now``, default today) and has a snapshot.

    When every snapshot falls in the current month, that month is used (a report on the data so
    far beats no report).
    """
    times = pd.to_datetime(pd.Series(list(snapshot_times)), utc=True)
    if times.empty:
        raise ConfigError("there are no snapshots to report on")
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    current = (now.tz_convert("UTC") if now.tzinfo else now).strftime("%Y-%m")
    months = sorted(set(_month_key(times)))
    full = [m for m in months if m < current]
    return full[-1] if full else months[-1]


def as_store(store: Store | str | os.PathLike | None) -> Store:
    """A :class:`Store` for a store, a directory, or None (the default store)."""
    return store if isinstance(store, Store) else Store(store or None)


def _snapshots(store: Store, account: str) -> tuple[str, pd.DataFrame, pd.Series]:
    """(account id, its snapshots, their months) or an error naming the store."""
    account_id = store.resolve(account)
    snaps = store.snapshots(account_id)
    if snaps.empty:
        raise ConfigError(f"account {account!r} has no snapshots in {store.path}")
    return account_id, snaps, _month_key(snaps["snapshot_at"])


def _no_snapshot(store: Store, snaps: pd.DataFrame, keys: pd.Series, month: str) -> ConfigError:
    return ConfigError(f"@{snaps['username'].iloc[-1]} has no snapshot in {month} in "
                       f"{store.path}; months with data: {', '.join(sorted(set(keys)))}")


def resolve_month(store: Store | str | os.PathLike | None, account: str,
                  month: str | None = None, *, now=None) -> tuple[str, str]:
    """(username, month) after checking the store has ``account`` and a snapshot in ``month``
    (default the last full month with data): cheap, so a typo fails before any work starts."""
    store = as_store(store)
    _, snaps, keys = _snapshots(store, account)
    month = check_month(month) if month else last_full_month(snaps["snapshot_at"], now)
    if not (keys == month).any():
        raise _no_snapshot(store, snaps, keys, month)
    return str(snaps["username"].iloc[-1]), month


def load_month(account: str, month: str | None = None, *,
               store: Store | str | os.PathLike | None = None, at=None, now=None) -> MonthData:
    """Everything the audience steps need about ``account`` in ``month``, read from the store.

    Parameters
    ----------
    account : str
        Handle, @handle or id.
    month : str, optional
        ``YYYY-MM``; default the last full month with data (``now`` decides which is full).
    store : Store, path or None
        None for the default store (:func:`follower_kit.config.store_dir`).
    at : time, date or month, optional
        Instead of ``month``: the snapshot at or before this (:meth:`Store.snapshot_at`); the
        month is then that snapshot's. ``follower-kit bots score --at`` uses this.

    Returns
    -------
    MonthData

    Examples
    --------
    >>> data = load_month("brightwave", "2026-10")               # doctest: +SKIP
    >>> data
    MonthData(@brightwave 2026-10, snapshot 2026-10-31, previous 2026-09-30: 5,000 followers, ...)
    """
    store = as_store(store)
    account_id, snaps, keys = _snapshots(store, account)
    if at is not None:
        chosen = store.snapshot_at(account_id, at)
        month = f"{pd.Timestamp(chosen).tz_convert('UTC'):%Y-%m}"
        in_month = snaps[snaps["snapshot_at"] <= chosen]
        in_month = in_month[_month_key(in_month["snapshot_at"]) == month]
    else:
        month = check_month(month) if month else last_full_month(snaps["snapshot_at"], now)
        in_month = snaps[keys == month]
    if in_month.empty:
        raise _no_snapshot(store, snaps, keys, month)
    snapshot_at = in_month["snapshot_at"].iloc[-1]
    earlier = snaps[keys < month]
    previous_at = earlier["snapshot_at"].iloc[-1] if len(earlier) else None
    upto = snaps[snaps["snapshot_at"] <= snapshot_at].reset_index(drop=True)
    edges = store.follower_edges(account_id, snapshots=list(upto["snapshot_at"]))
    followers = store.followers(account_id, snapshot_at)
    previous = (store.followers(account_id, previous_at) if previous_at is not None
                else followers.iloc[0:0])
    end = pd.Timestamp(month + "-01", tz="UTC") + pd.offsets.MonthBegin(1)
    tweets = store.tweets(account_id, authors=followers["id"])
    tweets = tweets[tweets["created_at"] < end].reset_index(drop=True)
    last = snaps.iloc[-1]
    name = store.accounts().set_index("account_id").loc[account_id, "name"]
    return MonthData(
        account={"id": account_id, "username": str(last["username"]),
                 "name": None if pd.isna(name) else str(name)},
        month=month, snapshot_at=snapshot_at, previous_snapshot_at=previous_at, snapshots=upto,
        edges=edges, followers=followers, previous_followers=previous, tweets=tweets,
        # the list as followed at the snapshot: a later archive's list would miscount mutuals
        following=store.read_table("following", account_id, snapshot_at=snapshot_at,
                                   as_of=True),
        own_tweets=store.read_table("own_tweets", account_id, snapshot_at=snapshot_at,
                                    latest_if_missing=True),
        unavailable=store.unavailable(account_id),
        known_handles=store.known_handles(account_id, until=snapshot_at),
        departures=store.departures(account_id))


# ------------------------------------------------------------------------------- the steps
def profiled(users: pd.DataFrame) -> pd.DataFrame:
    """The rows of a users frame that have a profile (an X archive lists followers by id only)."""
    has = users["username"].notna()
    if "observed_at" in users.columns:
        has &= users["observed_at"].notna()
    return users[has].reset_index(drop=True)


def score_bots(data: MonthData, options: AudienceOptions | None = None, *,
               with_farms: bool = False, model="default"):
    """The one bot score of the kit for every follower with a profile at ``data.snapshot_at``.

    Features come from the followers' profiles, their posts up to the end of the month and the
    follow order of every snapshot up to ``snapshot_at``; the shipped kind model scores them
    and the behaviour rules add their evidence
    (:func:`~follower_kit.analysis.bots.score_bots`). Followers known by id only are left out
    (they have nothing to score).

    Parameters
    ----------
    data : MonthData
    options : AudienceOptions, optional
        ``bot_threshold``: reasons are written for followers scoring at least this.
    with_farms : bool
        Also return the farm groups found.
    model : "default", a path, a BotModel, or None
        The kind model (default: the shipped one); None scores with the hand-set rules alone.

    Returns
    -------
    scores : DataFrame
        One row per profiled follower, in follow order: ``follower_id``, ``username``,
        ``bot_score`` (0..1), ``bot_kind``, ``score_<kind>`` per kind, ``block_kind`` (True when
        the kind belongs on a block list), ``raw_score``, ``reasons``, ``farm_id`` (Int64, NA
        outside farms).
    farms : DataFrame
        Only with ``with_farms``: :func:`~follower_kit.analysis.features.coordination` groups.

    Examples
    --------
    >>> scores = score_bots(load_month("brightwave"))      # doctest: +SKIP
    >>> int((scores["bot_score"] >= 0.5).sum())                  # doctest: +SKIP
    """
    from .analysis import bots

    opts = options or DEFAULTS
    users = profiled(data.followers)
    bot_model = bots.model_for(users, model)  # the rules on a Bluesky audience
    handle_model = getattr(bot_model, "handle_model", None)
    features, farms = bots.bot_features(users, tweets=data.tweets if len(data.tweets) else None,
                                        followers=data.edges, handle_model=handle_model)
    scores = bots.score_bots(users, features=features, model=bot_model,
                             reasons_above=opts.bot_threshold)
    scores = scores.drop(columns="id").reset_index(drop=True)
    return (scores, farms) if with_farms else scores


def previous_bot_share(data: MonthData, scores: pd.DataFrame,
                       options: AudienceOptions | None = None) -> float | None:
    """Share of likely bots among the followers of the previous snapshot (None in the first
    month): those still following keep this month's score; the lost ones are scored on their
    profiles and follow order (their posts are not loaded)."""
    from .analysis import bots

    if data.first_month or data.previous_followers.empty:
        return None
    opts = options or DEFAULTS
    lost = profiled(data.lost_followers)
    lost_scores = (bots.score_bots(lost, followers=data.edges, n_reasons=0,
                                   model="default")["bot_score"]
                   if len(lost) else pd.Series(dtype="float64"))
    kept = scores.set_index("follower_id")["bot_score"].reindex(
        data.previous_followers["id"].astype("str")).dropna()
    both = pd.concat([kept, lost_scores.dropna()], ignore_index=True)
    return float((both >= opts.bot_threshold).mean()) if len(both) else None


def fit_sample(frame: pd.DataFrame, n: int = FIT_SAMPLE, *, seed: int = 0) -> pd.DataFrame:
    """At most ``n`` rows of ``frame``, a seeded random sample when it is larger (in the original
    order), for fitting a model that is then applied to every row.

    A topic model learns its segments as well from 20,000 followers as from 100,000, at a
    fifth of the cost; every follower is still assigned and counted, so no number in the report
    is an estimate from the sample.

    Returns
    -------
    DataFrame
        ``frame`` itself when it has at most ``n`` rows, else ``n`` of its rows.
    """
    if len(frame) <= n:
        return frame
    return frame.sample(n=n, random_state=seed).sort_index()


def _unassigned(documents: pd.DataFrame) -> pd.DataFrame:
    from .analysis.segments import UNASSIGNED

    n = len(documents)
    return pd.DataFrame({
        "follower_id": documents["follower_id"].astype("str").to_numpy(),
        "segment": np.full(n, -1, dtype="int64"),
        "label": pd.Series([UNASSIGNED] * n, dtype="str"),
        "membership": np.zeros(n), "explained": np.zeros(n), "x": np.zeros(n),
        "y": np.zeros(n)})


def segment_documents(documents: pd.DataFrame, n_segments: int | str = "auto", *,
                      seed: int = 0, embeddings: bool = False, return_model: bool = False):
    """Every follower's topic segment: segments learned on :func:`fit_sample` of ``documents``,
    then assigned to all of them.

    With too little text to learn from (fewer documents with a bio or posts than three per
    segment, as when followers were imported from an X archive without profiles) everyone is
    "no clear topic" (``analysis.segments.UNASSIGNED``): the report says so instead of failing.

    Returns
    -------
    segments : DataFrame
        :meth:`~follower_kit.analysis.topics.TopicSegmenter.assign` columns: ``follower_id``,
        ``segment`` (int, -1 unassigned), ``label``, ``membership``, ``explained``, ``x``, ``y``.
    model : TopicSegmenter or None
        Only with ``return_model`` (None when nothing was learned).
    """
    from .analysis import topics

    k = 8 if n_segments == "auto" else int(n_segments)
    with_text = int((documents["text"].astype("str").fillna("").str.strip() != "").sum())
    if with_text < 3 * max(k, 3):
        log.info("segments: %d of %d followers have text, too few to learn from", with_text,
                 len(documents))
        out, model = _unassigned(documents), None
    else:
        model = topics.TopicSegmenter(n_segments, random_state=seed, embeddings=embeddings).fit(
            fit_sample(documents, seed=seed))
        out = model.assign(documents)
    return (out, model) if return_model else out


def documents(data: MonthData, *, max_tweets: int = 20) -> pd.DataFrame:
    """One text per follower at ``data.snapshot_at``: bio and newest posts
    (:func:`~follower_kit.analysis.topics.follower_documents` columns)."""
    from .analysis import topics

    return topics.follower_documents(data.followers, data.tweets if max_tweets else None,
                                     max_tweets=max_tweets or 20)


def segment(data: MonthData, options: AudienceOptions | None = None, *, max_tweets: int = 20,
            embeddings: bool = False, return_model: bool = False,
            scores: pd.DataFrame | None = None):
    """The audience segments of ``data``: every follower at the snapshot, by what they write.

    Learned on the month's own followers (a seeded sample of at most 20,000) with
    ``options.segments`` segments, then assigned to everyone. Given the month's bot ``scores``
    (:func:`score_bots`), a segment that is mostly bots is named as bots, not as a topic
    (:func:`mark_bot_segments`).

    Returns
    -------
    segments : DataFrame
        ``follower_id``, ``segment`` (int, -1 for "no clear topic"), ``label``, ``membership``,
        ``explained``, ``x``, ``y``; one row per follower, in follow order.
    model : TopicSegmenter or None
        Only with ``return_model``.

    Examples
    --------
    >>> segment(load_month("brightwave"))["label"].value_counts()   # doctest: +SKIP
    """
    opts = options or DEFAULTS
    out, model = segment_documents(documents(data, max_tweets=max_tweets), opts.n_segments,
                                   embeddings=embeddings, return_model=True)
    if scores is not None:
        out = mark_bot_segments(out, scores, opts)
    return (out, model) if return_model else out


def mark_bot_segments(segments: pd.DataFrame, scores: pd.DataFrame,
                      options: AudienceOptions | None = None) -> pd.DataFrame:
    """``segments`` with a segment whose scored members are mostly likely bots (at least
    ``bot_threshold``) labelled "likely bots", all such segments folded into one (the lowest
    segment number), so a table shows one "likely bots" row
    (:func:`~follower_kit.analysis.segments.mark_bot_segments` columns: ``topic_label`` and
    ``bot_segment`` added)."""
    from .analysis import topics

    opts = options or DEFAULTS
    out = topics.mark_bot_segments(segments, scores, bot_threshold=opts.bot_threshold)
    bots = out["bot_segment"].to_numpy(dtype=bool)
    if bots.any():  # one "likely bots" row in every table, however many segments NMF gave them
        out.loc[bots, "segment"] = int(out.loc[bots, "segment"].min())
    return out


def segment_with(model, data: MonthData, *, max_tweets: int = 20) -> pd.DataFrame:
    """Assign the followers of ``data`` to the segments of an already fitted ``model`` (last
    month's, so segment numbers and labels carry over); :func:`segment` columns."""
    docs = documents(data, max_tweets=max_tweets)
    return _unassigned(docs) if model is None else model.assign(docs)


def segment_table(data: MonthData, segments: pd.DataFrame, scores: pd.DataFrame | None,
                  options: AudienceOptions | None = None) -> pd.DataFrame:
    """:func:`~follower_kit.analysis.topics.segment_summary` of the month: sizes, reach, bot
    share and newcomers per segment (the columns listed there)."""
    from .analysis import topics

    opts = options or DEFAULTS
    return topics.segment_summary(
        segments, data.followers, bot_score=scores, bot_threshold=opts.bot_threshold,
        new_follower_ids=None if data.first_month else data.new_followers["id"])


@dataclass(frozen=True, repr=False)
class Growth:
    """Growth of an account up to a month's snapshot.

    Attributes
    ----------
    counts : DataFrame
        Per snapshot (:func:`~follower_kit.analysis.growth.follower_counts` columns).
    monthly : DataFrame
        Per month (:func:`~follower_kit.analysis.growth.monthly_growth` columns).
    headline : dict
        The month's headline numbers (:func:`~follower_kit.report.prose.headline`).
    """

    counts: pd.DataFrame
    monthly: pd.DataFrame
    headline: dict

    def __repr__(self) -> str:
        h = self.headline
        month = pd.Timestamp(h["month"]).strftime("%Y-%m") if h.get("month") is not None else "?"
        return (f"Growth({month}: {h.get('followers')} followers, new {h.get('new')}, "
                f"lost {h.get('lost')}; {len(self.counts)} snapshots)")


def growth(data: MonthData) -> Growth:
    """Followers, new and lost per snapshot and per month, and the month's headline numbers.

    Returns
    -------
    Growth
    """
    from .analysis import growth as G
    from .report.prose import headline

    snaps = data.snapshots["snapshot_at"]
    monthly = G.monthly_growth(data.edges, snapshots=snaps, departures=data.departures)
    return Growth(counts=G.follower_counts(data.edges, snapshots=snaps,
                                           departures=data.departures),
                  monthly=monthly, headline=headline(monthly, data.month))


def headline_numbers(store: Store | str | os.PathLike | None, account: str, month: str) -> dict:
    """The month's headline numbers straight from the store (no profiles or posts read): what
    :func:`growth` gives, for the batch index."""
    from .analysis import growth as G
    from .report.prose import headline

    store = as_store(store)
    account_id = store.resolve(account)
    monthly = G.monthly_growth(store.follower_edges(account_id),
                               snapshots=store.snapshots(account_id)["snapshot_at"],
                               departures=store.departures(account_id))
    return headline(monthly, month)


def triage(data: MonthData, scores: pd.DataFrame, segments: pd.DataFrame | None,
           options: AudienceOptions | None = None, *, topics: Iterable[str] | None = None,
           keywords: Iterable[str] | None = None, top_n: int | None = -1) -> pd.DataFrame:
    """Who to follow back, check out, block and talk to, each with the reason
    (:func:`~follower_kit.analysis.triage.triage`), with the options' thresholds.

    With no follower profile in the store (an X archive imported without ``--hydrate``), the
    follow-back list comes from the account's own posts (``data.own_tweets``): the followers it
    replied to or mentioned and does not follow, named from ``data.known_handles``
    (:func:`~follower_kit.analysis.triage.talked_follow_back`); the other lists need profiles.

    Parameters
    ----------
    keywords : iterable of str, optional
        What the client cares about: they rank follow back and check out by relevance first,
        reach second; default the options' ``topics`` and ``keywords``
        (:attr:`AudienceOptions.match_words`).
    top_n : int or None
        Entries per list; default ``options.top_n``; None keeps every entry (for a CSV).

    Returns
    -------
    DataFrame
        ``list``, ``rank``, ``follower_id``, ``username``, ``name``, ``reason`` and the other
        columns of :func:`~follower_kit.analysis.triage.triage`.
    """
    from .analysis import triage as T

    opts = options or DEFAULTS
    keywords = opts.match_words if keywords is None else keywords
    return T.triage(data.followers, tweets=data.tweets, following=data.following,
                    bot_scores=scores, segments=segments, account=data.account,
                    topics=list(topics) if topics else None,
                    keywords=list(keywords) if keywords else None,
                    new_followers=data.new_followers["id"],
                    limit=opts.top_n if top_n == -1 else top_n,
                    human_below=opts.bot_threshold, block_at=opts.block_threshold,
                    own_tweets=data.own_tweets, known_handles=data.known_handles)


def block_list(data: MonthData, scores: pd.DataFrame,
               options: AudienceOptions | None = None) -> pd.DataFrame:
    """Followers at or above ``block_threshold`` whose bot kind belongs on a block list (bought
    followers and spam, not a self-declared feed), highest score first (``score_bots`` columns)."""
    opts = options or DEFAULTS
    blockable = scores["block_kind"].fillna(True).astype(bool) if "block_kind" in scores else True
    out = scores[(scores["bot_score"] >= opts.block_threshold) & blockable]
    return out.sort_values(["bot_score", "follower_id"], ascending=[False, True]).reset_index(
        drop=True)


def relations(data: MonthData, options: AudienceOptions | None = None, *,
              inactive_days: int = 90) -> pd.DataFrame:
    """How the followers relate to the account at ``data.snapshot_at``: mutuals, followers not
    followed back, followed accounts that do not follow back, inactive, default-avatar and
    empty-bio followers, the month's unfollowers and who the account talks to
    (:func:`~follower_kit.analysis.relations.relations`). Works from an X archive alone: the
    follow lists and the owner's posts carry ids, and the posts name the accounts they mention
    or reply to (``data.known_handles``), so those rows carry handles without a profile.

    Returns
    -------
    DataFrame
        ``relation``, ``user_id``, ``username``, ``name``, ``profile_url``, ``detail``.
    """
    from .analysis import relations as R

    return R.relations(data.followers, following=data.following,
                       tweets=data.tweets if len(data.tweets) else None,
                       own_tweets=data.own_tweets, lost=data.lost_followers,
                       account_id=data.account["id"], as_of=data.snapshot_at,
                       inactive_days=inactive_days, known_handles=data.known_handles)


def relation_counts(related: pd.DataFrame) -> pd.DataFrame:
    """How many accounts are in each relation of :func:`relations`, out of how many could be
    judged (:func:`~follower_kit.analysis.relations.relation_counts` columns)."""
    from .analysis import relations as R

    return R.relation_counts(related)


def block_people_share(scores: pd.DataFrame, options: AudienceOptions | None = None, *,
                       bot_share: float | None = None,
                       profiles: pd.DataFrame | None = None) -> float | None:
    """The share of people the shipped model's leave-one-out evidence expects on the block list
    (:func:`~follower_kit.analysis.bots.block_evidence`: the public labeled sets left out in
    turn, pooled), for a report to state. Those sets are about half bots; with ``bot_share``
    (say :data:`~follower_kit.config.TYPICAL_BOT_SHARE`) the figure is for an audience holding
    that share of bots instead (:func:`~follower_kit.analysis.bots.people_share_at`), which is
    higher where bots are fewer. None where that evidence does not apply: the scores came from
    the hand-set rules (no bot kinds, as for a Bluesky audience), the evidence was not measured
    at ``block_threshold`` (:func:`~follower_kit.analysis.bots.block_evidence_at`: the chosen
    threshold and a grid from 0.50 to 0.9999), or the model records no rates to resample.

    With ``profiles`` (the followers frame) whose profiles mostly lack a like count (an X API v2
    pull without it, as many give), the evidence is the one measured on the public sets as X
    API v2 gives them (:func:`likes_missing`): a list cut without like counts holds more
    people."""
    from .analysis import bots as B

    opts = options or DEFAULTS
    evidence = B.block_evidence_at(opts.block_threshold, v2=likes_missing(profiles))
    if evidence is None or not kit_scored(scores):
        return None
    if bot_share is not None:
        return B.people_share_at(evidence, bot_share)
    return float(evidence["people_share"])


def block_people(scores: pd.DataFrame, options: AudienceOptions | None = None, *,
                 profiles: pd.DataFrame | None = None) -> dict:
    """What a report or triage says of the people on its block list, in one call: the share
    the evidence expects (:func:`block_people_share`), the same in an audience of
    :data:`~follower_kit.config.TYPICAL_BOT_SHARE` bots, and whether the evidence is the one
    measured without like counts (:func:`likes_missing`).

    Returns
    -------
    dict
        ``people_share`` (None where the evidence does not apply), ``people_share_typical``,
        ``people_v2``, ``flagged_people_typical`` (:func:`flagged_people_share` in an
        audience of ``TYPICAL_BOT_SHARE`` bots) and ``basis`` (what the scores of a Bluesky
        audience rest on, :func:`~follower_kit.analysis.bots.rules.bluesky_basis_note`; ""
        for an X audience or scores of the kind model): the keyword arguments of
        :func:`follower_kit.report.prose.bots_sentence`.
    """
    from .analysis.bots.rules import bluesky_basis_note
    from .config import TYPICAL_BOT_SHARE

    return {"people_share": block_people_share(scores, options, profiles=profiles),
            "people_share_typical": block_people_share(scores, options, profiles=profiles,
                                                       bot_share=TYPICAL_BOT_SHARE),
            "people_v2": likes_missing(profiles),
            "flagged_people_typical": flagged_people_share(scores, options, profiles=profiles,
                                                           bot_share=TYPICAL_BOT_SHARE),
            "basis": "" if profiles is None or kit_scored(scores)
            else bluesky_basis_note(profiles)}


def flagged_people_share(scores: pd.DataFrame, options: AudienceOptions | None = None, *,
                         bot_share: float, profiles: pd.DataFrame | None = None
                         ) -> float | None:
    """The share of real people the shipped model's leave-one-out evidence expects among the
    followers counted as likely bots (``bot_threshold`` or more), in an audience of which
    ``bot_share`` are bots (:func:`~follower_kit.analysis.bots.flag_evidence`: each public set
    left out, the threshold chosen without it; measured without like counts when the profiles
    mostly lack them, :func:`likes_missing`). None where that evidence does not apply: scores
    from the hand-set rules, a ``bot_threshold`` other than the chosen one, or a model that
    records no rates."""
    from .analysis import bots as B

    opts = options or DEFAULTS
    evidence = B.flag_evidence(opts.bot_threshold, v2=likes_missing(profiles))
    if not evidence or not kit_scored(scores):
        return None
    return B.people_share_at(evidence, bot_share)


def account_network(data: MonthData) -> str:
    """``"bluesky"`` when the month's account is a Bluesky one (its id a DID), else ``"x"``:
    what the report and the CLI say of fields one network lacks (Bluesky: location)."""
    return str(schema.network_of([str(data.account["id"])]).iloc[0])


def kit_scored(scores: pd.DataFrame) -> bool:
    """Whether the shipped kind model scored these followers (it names kinds; the hand-set
    rules, as for a Bluesky audience, leave them empty): only then does its evidence apply."""
    return "bot_kind" in scores and bool(scores["bot_kind"].astype(str).ne("").any())


def likes_missing(profiles: pd.DataFrame | None) -> bool:
    """Whether most of the profiled followers in ``profiles`` lack a like count (X API v2 gives
    none unless asked; the bot score then reads no like features). False without profiles."""
    if profiles is None or "like_count" not in profiles or "username" not in profiles:
        return False
    profiled = profiles["username"].notna()
    return bool(profiled.any() and profiles.loc[profiled, "like_count"].isna().mean() > 0.5)


def likely_bots(scores: pd.DataFrame, options: AudienceOptions | None = None) -> pd.Series:
    """Boolean per ``follower_id``: the score is at least ``bot_threshold``."""
    opts = options or DEFAULTS
    s = scores.set_index("follower_id")["bot_score"]
    return s >= opts.bot_threshold


def follower_factory(data: MonthData, scores: pd.DataFrame | None,
                     options: AudienceOptions | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The follower factory of the month's snapshot: every follower's account creation date (from
    the profile, else estimated from the id, so an X archive without profiles still has one),
    estimated follow date and bot score, and the bursts of accounts created together that
    followed in a row, with their kind.

    Returns
    -------
    bounds : DataFrame
        :func:`~follower_kit.analysis.factory.follower_factory` (``follower_id``, ``position``,
        ``follow_order``, ``created_at``, ``created_at_source``, ``follow_date_lower_bound``,
        ``follow_date_upper_bound``, ``follow_date_estimated``, ``burst_id`` ...), with
        ``bot_score`` (NaN without a score).
    bursts : DataFrame
        :func:`~follower_kit.analysis.factory.factory_bursts` columns (``followers``, ``kind``,
        ``label``, when they followed ...).
    """
    from .analysis import factory as F

    opts = options or DEFAULTS
    frame = data.followers
    if scores is not None:
        frame = frame.merge(scores[["follower_id", "bot_score"]].rename(
            columns={"follower_id": "id"}), on="id", how="left")
    bounds = F.follower_factory(frame, edges=data.edges)
    return bounds, F.factory_bursts(bounds, bot_threshold=opts.bot_threshold)


def activity(data: MonthData, scores: pd.DataFrame,
             options: AudienceOptions | None = None) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """When the likely-human followers post, in the options' time zone.

    Returns
    -------
    heatmap : DataFrame
        :func:`~follower_kit.analysis.growth.activity_heatmap` (weekday x hour).
    best : DataFrame
        :func:`~follower_kit.analysis.growth.best_posting_hours` columns.
    posts : int
        Posts of likely humans counted.
    """
    from .analysis import growth as G

    opts = options or DEFAULTS
    humans = scores.loc[scores["bot_score"] < opts.bot_threshold, "follower_id"]
    heatmap = G.activity_heatmap(data.tweets, tz=opts.tz, authors=humans)
    posts = int(data.tweets["author_id"].astype("str").isin(set(humans)).sum())
    return heatmap, G.best_posting_hours(heatmap), posts


def follower_frame(data: MonthData, scores: pd.DataFrame | None,
                   segments: pd.DataFrame | None) -> pd.DataFrame:
    """Every follower at the snapshot with their profile, bot score and segment: the table an
    analyst filters.

    A follower without a profile (an X archive lists ids only) takes the handle and name the
    own posts gave it (:meth:`MonthData.named`), as the report's lists do, so the table and its
    search name whom the report names instead of showing a bare id.

    Returns
    -------
    DataFrame
        The ``data.followers`` columns (``id`` is the follower's id; ``username`` and ``name``
        filled from the own posts where there is no profile, ``observed_at`` staying missing),
        then ``bot_score``, ``reasons`` (NaN without a profile), ``segment``, ``label``,
        ``membership`` and ``is_new`` (bool).
    """
    out = data.named(data.followers).copy()
    out["id"] = out["id"].astype("str")
    if scores is not None:
        s = scores.set_index("follower_id")
        for col in ("bot_score", "reasons"):
            out[col] = s[col].reindex(out["id"]).to_numpy()
    if segments is not None:
        g = segments.set_index("follower_id")
        for col in ("segment", "label", "membership"):
            out[col] = g[col].reindex(out["id"]).to_numpy()
    out["is_new"] = out["id"].isin(data.new_followers["id"].astype("str"))
    return out


# ------------------------------------------------------------------- insight and comparison
def insight(data: MonthData, options: AudienceOptions | None = None, *,
            segments: pd.DataFrame | None = None, scores: pd.DataFrame | None = None,
            baseline_tweets: pd.DataFrame | None = None,
            reading_tweets: pd.DataFrame | None = None,
            inactive_days: int = 90) -> dict[str, pd.DataFrame]:
    """Where the followers at ``data.snapshot_at`` are, their languages, what they read and talk
    about, how they relate to the account and who is influential in its topics
    (:func:`~follower_kit.analysis.insight.audience_insight`), ``options.top_n`` rows per ranked
    section. ``follower-kit audience``, the report and the explore notebook call this.

    Parameters
    ----------
    segments : DataFrame, optional
        ``follower_id`` and ``label`` (:func:`segment`): languages per segment.
    scores : DataFrame, optional
        :func:`score_bots`: scales the influential followers' scores.
    baseline_tweets, reading_tweets : DataFrame, optional
        As :func:`~follower_kit.analysis.insight.audience_insight` takes them.

    Returns
    -------
    dict of DataFrame
        ``countries`` (``country``, ``country_name``, ``followers``, ``share``; "unknown"
        last), ``places``, ``languages`` (``segment``, ``language``, ``language_name``,
        ``followers``, ``share``), ``languages_by_segment``, ``follower_languages``,
        ``domains``, ``mentions``, ``hashtags`` (``item``, ``followers``, ``share``, ``uses``
        ...), ``relations``, ``relation_counts``, ``influential``: the columns listed in
        :func:`~follower_kit.analysis.insight.audience_insight`.
    """
    from .analysis import insight as I

    opts = options or DEFAULTS
    return I.audience_insight(
        data.followers, tweets=data.tweets, following=data.following,
        own_tweets=data.own_tweets, lost=None if data.first_month else data.lost_followers,
        account=data.account, segments=segments, bot_scores=scores,
        baseline_tweets=baseline_tweets, reading_tweets=reading_tweets, top_n=opts.top_n,
        inactive_days=inactive_days, known_handles=data.known_handles)


@dataclass(frozen=True, repr=False)
class Comparison:
    """Several audiences side by side: the first account against the others.

    Attributes
    ----------
    accounts : list of str
        Handles, the compared account first.
    intersections : DataFrame
        :func:`~follower_kit.analysis.compare.intersections` (the UpSet bars).
    overlap : dict
        :func:`~follower_kit.analysis.compare.overlap`.
    versus : DataFrame
        :func:`~follower_kit.analysis.compare.versus`: each other account against the first
        (``competitor``, ``followers``, ``shared``, ``share_of_account``,
        ``share_of_competitor``, ``exclusive``, ``jaccard``).
    shared : DataFrame
        :func:`~follower_kit.analysis.compare.shared_followers` of the first account, every row.
    countries, languages : DataFrame
        :func:`~follower_kit.analysis.compare.mix` (``value``, one share column per account).
    segments : DataFrame or None
        The same for segment labels, when every account has them.
    bot_share : dict
        Handle -> share of likely bots among its scored followers (None when none is scored).
    growth : DataFrame
        ``account``, ``snapshot_at``, ``followers`` of every snapshot up to each one's.
    missing : dict
        Handle asked for -> why it could not be compared (not in the store, no snapshot then).
    """

    accounts: list
    intersections: pd.DataFrame
    overlap: dict
    versus: pd.DataFrame
    shared: pd.DataFrame
    countries: pd.DataFrame
    languages: pd.DataFrame
    segments: pd.DataFrame | None
    bot_share: dict
    growth: pd.DataFrame
    missing: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Comparison({', '.join('@' + a for a in self.accounts)}; union "
                f"{self.overlap['union']:,}; missing {sorted(self.missing) or 'none'})")


def compare(months: Sequence[MonthData], options: AudienceOptions | None = None, *,
            scores: Mapping[str, pd.DataFrame | None] | None = None,
            segments: Mapping[str, pd.DataFrame | None] | None = None,
            missing: Mapping[str, str] | None = None) -> Comparison:
    """Compare the audiences of loaded months (the first is the account compared): overlaps,
    the other accounts against the first, the shared names, country, language and segment
    mixes, bot shares and growth.

    Parameters
    ----------
    months : sequence of MonthData
        Each account's snapshot (:func:`load_month`), at least two.
    options : AudienceOptions, optional
        ``top_n`` (mix values and shared names), ``bot_threshold``.
    scores : mapping of handle -> DataFrame, optional
        Bot scores per account (``follower_id``, ``bot_score``); an account without them is
        scored with :func:`score_bots`.
    segments : mapping of handle -> DataFrame, optional
        ``follower_id`` and ``label`` per account: the segment mix when every account has them.
    missing : mapping, optional
        Accounts asked for but not loaded, with the reason (kept in the result).

    Returns
    -------
    Comparison
    """
    from .analysis import compare as C
    from .analysis import geo, languages

    opts = options or DEFAULTS
    scores, segments = dict(scores or {}), dict(segments or {})
    handles = [m.account["username"] for m in months]
    edges, countries, langs, bots, segs, growth = [], {}, {}, {}, {}, []
    for m, handle in zip(months, handles):
        f = m.followers
        edges.append(pd.DataFrame({"account": handle, "follower_id": f["id"].astype("str")}))
        countries[handle] = geo.resolve_locations(f["location"])
        langs[handle] = languages.follower_languages(f, m.tweets)
        s = scores.get(handle)
        if s is None:
            s = score_bots(m, opts)
        key = "follower_id" if "follower_id" in s.columns else "id"
        s = s[s[key].astype("str").isin(set(f["id"].astype("str")))].drop_duplicates(key)
        flags = s["bot_score"].astype(float) >= opts.bot_threshold
        bots[handle] = float(flags.mean()) if len(flags) else None
        seg = segments.get(handle)
        if seg is not None and {"follower_id", "label"} <= set(seg.columns):
            segs[handle] = f[["id"]].astype({"id": "str"}).merge(
                seg.drop_duplicates("follower_id").astype({"follower_id": "str"}),
                left_on="id", right_on="follower_id", how="left")
        growth.append(m.snapshots[["snapshot_at", "followers"]].assign(account=handle))
    inter = C.intersections(pd.concat(edges, ignore_index=True), accounts=handles)
    result = C.overlap(inter)
    others = {h: m.followers["id"] for h, m in zip(handles[1:], months[1:])}
    return Comparison(
        accounts=handles, intersections=inter, overlap=result, versus=C.versus(result),
        shared=C.shared_followers(months[0].followers, others, top_n=None),
        countries=C.mix(countries, "country", top_n=opts.top_n),
        languages=C.mix(langs, "language", top_n=opts.top_n),
        segments=C.mix(segs, "label", top_n=opts.top_n) if len(segs) == len(months) else None,
        bot_share=bots,
        growth=pd.concat(growth, ignore_index=True)[["account", "snapshot_at", "followers"]],
        missing=dict(missing or {}))


def load_snapshot(account: str, at=None, *,
                  store: Store | str | os.PathLike | None = None) -> MonthData:
    """:func:`load_month` of the snapshot at or before ``at`` (default the latest)."""
    store = as_store(store)
    return load_month(account, store=store, at=store.snapshot_at(store.resolve(account), at))


def changes(account: str, *, before=None, after=None,
            store: Store | str | os.PathLike | None = None) -> pd.DataFrame:
    """Who followed and who left ``account`` between two snapshots (default: the last two),
    named as the report names them: a follower without a profile (an X archive lists ids only)
    takes the handle and name the own posts gave it up to ``after``
    (:func:`~follower_kit.analysis.relations.name_from_known`, as
    :attr:`MonthData.lost_followers`).

    Returns
    -------
    DataFrame
        :meth:`Store.diff` (``change``, the users columns, ``position``; ``attrs["before"]``,
        ``attrs["after"]``), ``username`` and ``name`` filled from the own posts where there is no
        profile (``observed_at`` stays missing there); ``attrs["named_from_posts"]`` counts them.
        ``left``: for a lost follower "unfollowed" or "account gone" (deleted, deactivated,
        taken down) where a Bluesky pull checked (:meth:`Store.departures`), else missing.
    """
    from .analysis.growth import gone_between, left_words
    from .analysis.relations import name_from_known

    store = as_store(store)
    diff = store.diff(account, before=before, after=after)
    lost = (diff["change"] == "lost").to_numpy()
    gone = gone_between(diff.loc[lost, "id"], store.departures(account),
                        before=diff.attrs["before"], after=diff.attrs["after"])
    diff.insert(1, "left", pd.Series(pd.NA, index=diff.index, dtype=schema.STR))
    diff.loc[lost, "left"] = left_words(gone).to_numpy()
    return name_from_known(diff, store.known_handles(account, until=diff.attrs["after"]))


def competitors(data: MonthData, options: AudienceOptions | None = None, *,
                scores: pd.DataFrame | None = None,
                segments: pd.DataFrame | None = None) -> Comparison | None:
    """The audience of ``data`` against each of ``options.competitors``, each at its snapshot at
    or before ``data.snapshot_at`` (:func:`compare`). A competitor the store does not hold, or
    holds only later, is named in ``missing`` instead of failing the report.

    Parameters
    ----------
    scores, segments : DataFrame, optional
        ``data``'s bot scores and segments, already computed (the report's).

    Returns
    -------
    Comparison or None
        None when ``options.competitors`` is empty.
    """
    from .errors import FollowerKitError

    opts = options or DEFAULTS
    if not opts.competitors:
        return None
    store = as_store(opts.store or None)
    months, missing = [data], {}
    for handle in opts.competitors:
        try:
            months.append(load_snapshot(handle, data.snapshot_at, store=store))
        except FollowerKitError as exc:
            log.info("competitor @%s left out: %s", handle, exc)
            missing[handle] = str(exc)
    handle = data.account["username"]
    return compare(months, opts, scores={handle: scores} if scores is not None else None,
                   segments={handle: segments} if segments is not None else None,
                   missing=missing)


@dataclass(frozen=True, repr=False)
class CrossNetwork:
    """One client on two networks: its X audience beside its Bluesky audience.

    Attributes
    ----------
    x_account, bluesky_account : dict
        ``id``, ``username``, ``name`` of each account (``bluesky_account`` holds only
        ``username``, the option as given, when ``missing``).
    growth : DataFrame
        Followers per snapshot of both accounts, oldest first per account: ``network`` (``x``,
        ``bluesky``), ``account`` (handle), ``snapshot_at``, ``followers``.
    pairs : DataFrame
        Followers who probably follow on both networks
        (:func:`~follower_kit.analysis.crossnet.audience_overlap` columns: ``x_id``,
        ``x_username``, ``bluesky_id``, ``bluesky_handle``, ``match``, ``confidence``,
        ``x_url``, ``bluesky_url``).
    estimate : dict
        :func:`~follower_kit.analysis.crossnet.overlap_estimate` of ``pairs``.
    x_followers, bluesky_followers : int
        Followers of each account at the snapshots compared.
    bluesky_snapshot_at : Timestamp or None
        The Bluesky snapshot compared (the last one up to the end of the X month).
    missing : str
        Why the Bluesky account could not be compared ("" when it was).
    """

    x_account: dict
    bluesky_account: dict
    growth: pd.DataFrame
    pairs: pd.DataFrame
    estimate: dict
    x_followers: int
    bluesky_followers: int
    bluesky_snapshot_at: pd.Timestamp | None = None
    missing: str = ""

    def __repr__(self) -> str:
        if self.missing:
            return f"CrossNetwork(@{self.bluesky_account['username']} missing: {self.missing})"
        return (f"CrossNetwork(@{self.x_account['username']} {self.x_followers:,} on X, "
                f"@{self.bluesky_account['username']} {self.bluesky_followers:,} on Bluesky: "
                f"about {self.estimate['expected']:,.0f} on both)")


def _network_growth(data: MonthData, network: str) -> pd.DataFrame:
    from .analysis.growth import follower_counts

    counts = follower_counts(data.edges, snapshots=data.snapshots["snapshot_at"])
    return counts[["snapshot_at", "followers"]].assign(
        network=network, account=data.account["username"])[
        ["network", "account", "snapshot_at", "followers"]]


def cross_network(data: MonthData, options: AudienceOptions | None = None) -> CrossNetwork | None:
    """The client's X audience (``data``) beside its Bluesky audience (``options.bluesky``):
    both growth series and the estimated overlap, each matched pair with its kind and
    confidence (:mod:`follower_kit.analysis.crossnet`), never asserted.

    The Bluesky account is read at its last snapshot up to the end of ``data``'s month
    (:func:`load_snapshot`). An account the store does not hold, or holds only later, is
    named in ``missing`` instead of failing the report.

    Returns
    -------
    CrossNetwork or None
        None when ``options.bluesky`` is empty.
    """
    from .analysis.crossnet import audience_overlap, overlap_estimate
    from .errors import FollowerKitError

    opts = options or DEFAULTS
    if not opts.bluesky:
        return None
    store = as_store(opts.store or None)
    x_growth = _network_growth(data, "x")
    try:
        blue = load_snapshot(opts.bluesky, data.month_end - pd.Timedelta(microseconds=1),
                             store=store)
    except FollowerKitError as exc:
        log.info("Bluesky account %s left out: %s", opts.bluesky, exc)
        none = audience_overlap(data.followers.iloc[0:0], data.followers.iloc[0:0])
        return CrossNetwork(
            x_account=data.account, bluesky_account={"username": opts.bluesky},
            growth=x_growth, pairs=none, estimate=overlap_estimate(none, len(data.followers), 0),
            x_followers=len(data.followers), bluesky_followers=0, missing=str(exc))
    pairs = audience_overlap(profiled(data.followers), profiled(blue.followers))
    growth_both = pd.concat([x_growth, _network_growth(blue, "bluesky")], ignore_index=True)
    return CrossNetwork(
        x_account=data.account, bluesky_account=blue.account, growth=growth_both, pairs=pairs,
        estimate=overlap_estimate(pairs, len(data.followers), len(blue.followers)),
        x_followers=len(data.followers), bluesky_followers=len(blue.followers),
        bluesky_snapshot_at=blue.snapshot_at)
