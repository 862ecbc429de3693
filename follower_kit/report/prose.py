"""The report's words: prose that adapts to the numbers (a first month, a quiet month, archives
months apart), pure functions from values and frames to strings, tested like any other code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..analysis.factory import burst_spike_sentence
from ..analysis.segments import UNASSIGNED
from ..config import BLOCK_THRESHOLD, TYPICAL_BOT_SHARE
from ..wording import number, plural

__all__ = [
    "UNASSIGNED",
    "activity_sentence",
    "block_people_sentence",
    "bots_sentence",
    "burst_spike_sentence",
    "data_sentence",
    "day_label",
    "earlier",
    "gone_sentence",
    "growth_glance",
    "headline",
    "headline_cards",
    "headline_sentences",
    "month_actions",
    "month_label",
    "named_as",
    "new_followers_sentence",
    "number",
    "percent",
    "period",
    "plural",
    "profiles_note",
    "relations_sentence",
    "segments_sentence",
    "triage_sentence",
]



# ------------------------------------------------------------------------------------- numbers
# number and plural live in follower_kit.wording (every layer words its counts with them)
def percent(x, digits: int = 1, *, signed: bool = False) -> str:
    """``0.0523`` -> ``"5.2%"``; tiny non-zero shares say ``"<0.1%"`` rather than ``"0.0%"``."""
    if x is None or pd.isna(x):
        return "n/a"
    x = float(x)
    floor = 10 ** -digits / 100
    if x != 0 and abs(x) < floor:
        return ("-" if x < 0 and signed else "") + f"<{floor:.{digits}%}"
    text = f"{x:.{digits}%}"
    return ("+" + text) if signed and x > 0 else text


def month_label(month) -> str:
    """``"2026-10"`` or a timestamp -> ``"October 2026"``."""
    return pd.Timestamp(str(month)[:7] + "-01").strftime("%B %Y")


def day_label(when, *, short: bool = False) -> str:
    """A timestamp -> ``"20 August 2023"`` (short: ``"20 Aug 2023"``), its date in UTC."""
    t = pd.Timestamp(when)
    t = t.tz_convert("UTC") if t.tzinfo else t
    return f"{t.day} {t:%b %Y}" if short else f"{t.day} {t:%B %Y}"


# ------------------------------------------------------------------------------------ headline
def headline(monthly: pd.DataFrame, month) -> dict:
    """The headline numbers of one month from a :func:`~follower_kit.analysis.growth.monthly_growth`
    frame.

    Parameters
    ----------
    monthly : DataFrame
        ``month``, ``last_snapshot_at``, ``followers``, ``new``, ``lost``, ``net`` (one row per
        month with a snapshot).
    month : str or Timestamp
        The report month (``"2026-10"``).

    Returns
    -------
    dict
        ``month`` (Timestamp, first instant), ``snapshot_at`` (the month's last snapshot: an
        archive exported on 20 August is not the end of August), ``followers`` (then), ``new``,
        ``lost``, ``net`` (None when unknown, i.e. the first month on record), ``previous_month``,
        ``previous_snapshot_at``, ``previous_followers``, ``previous_new``, ``previous_lost``,
        ``previous_net`` (None when there is no earlier month), ``growth_rate`` (net / previous
        followers, None when unknown), ``unfollowed`` and ``gone`` (``lost`` told apart:
        accounts deleted, deactivated or suspended; None unless a Bluesky pull checked),
        ``months_since_previous`` and ``previous_months_since_previous`` (calendar months back to
        the snapshot before this month's and before the previous one's: 1 in a monthly series,
        more for archives exported months apart; None when there is none).
    """
    start = pd.Timestamp(str(month)[:7] + "-01", tz="UTC")
    if "last_snapshot_at" not in monthly.columns:
        raise ValueError("the monthly frame has no 'last_snapshot_at' column (when each month's "
                         "figures were taken); pass the frame monthly_growth returns")
    m = monthly.assign(_key=pd.to_datetime(monthly["month"], utc=True).dt.strftime("%Y-%m"))
    key = start.strftime("%Y-%m")
    if key not in set(m["_key"]):
        raise ValueError(f"no snapshot in {key}; months with data: {', '.join(m['_key'])}")
    i = int((m["_key"] == key).to_numpy().nonzero()[0][0])

    def val(row, col):
        v = m[col].iloc[row]
        return None if pd.isna(v) else int(v)

    out = {"month": start, "snapshot_at": pd.Timestamp(m["last_snapshot_at"].iloc[i]),
           "followers": val(i, "followers"), "new": val(i, "new"),
           "lost": val(i, "lost"), "net": val(i, "net"), "previous_month": None,
           "previous_snapshot_at": None, "previous_followers": None, "previous_new": None,
           "previous_lost": None, "previous_net": None, "growth_rate": None,
           "unfollowed": val(i, "unfollowed") if "unfollowed" in m.columns else None,
           "gone": val(i, "gone") if "gone" in m.columns else None}
    def gap(row):  # calendar months back to the snapshot before (None for the first)
        if row <= 0:
            return None
        a, b = (pd.Timestamp(m["month"].iloc[j]) for j in (row - 1, row))
        return (b.year - a.year) * 12 + b.month - a.month

    out["months_since_previous"] = gap(i)
    out["previous_months_since_previous"] = gap(i - 1)
    if i > 0:
        out.update(previous_month=pd.Timestamp(m["month"].iloc[i - 1]),
                   previous_snapshot_at=pd.Timestamp(m["last_snapshot_at"].iloc[i - 1]),
                   previous_followers=val(i - 1, "followers"), previous_new=val(i - 1, "new"),
                   previous_lost=val(i - 1, "lost"), previous_net=val(i - 1, "net"))
        if out["net"] is not None and out["previous_followers"]:
            out["growth_rate"] = out["net"] / out["previous_followers"]
    return out


def _since(h: Mapping) -> str | None:
    """None when the snapshot before is in the month before (the usual monthly series), else
    that month's name: archives taken months apart must not read as "a month earlier"."""
    months = h.get("months_since_previous")
    return month_label(h["previous_month"]) if months is not None and months > 1 else None


def period(h: Mapping, *, short: bool = False) -> str:
    """The stretch this report's new and lost followers cover, for sentences and headers:
    ``"this month"`` in a monthly series, ``"since the October 2022 snapshot"`` (short: ``"since
    October 2022"``) when the snapshot before is further back."""
    since = _since(h)
    if not since:
        return "this month"
    return f"since {since}" if short else f"since the {since} snapshot"


def earlier(h: Mapping) -> str:
    """``"a month earlier"``, or ``"at the October 2022 snapshot"`` when that is further back."""
    since = _since(h)
    return f"at the {since} snapshot" if since else "a month earlier"


def _comparable(h: Mapping) -> bool:
    """New and lost counts can be set against the previous period's only when both cover one
    month."""
    return h.get("months_since_previous") == 1 and h.get("previous_months_since_previous") == 1


def headline_cards(h: Mapping) -> list[tuple[str, str, str | None]]:
    """The headline numbers as (label, value, note) cards for :func:`stat_cards`.

    Returns
    -------
    list of tuple
        followers on the day of the month's last snapshot, new, lost and net growth; notes compare
        with the month before when there is one.
    """
    prev = h["previous_followers"] is not None and h["net"] is not None

    since = _since(h)

    def before(key):
        v = h.get("previous_" + key)
        return f"{number(v)} the month before" if prev and v is not None and _comparable(h) \
            else None

    cards = [(f"followers on {day_label(h['snapshot_at'], short=True)}", number(h["followers"]),
              (f"from {number(h['previous_followers'])}" + (f" in {since}" if since else ""))
              if prev else "first month on record")]
    if h["net"] is not None:
        cards += [("new followers" + (f" since {since}" if since else ""), number(h["new"]),
                   before("new")),
                  ("followers lost" + (f" since {since}" if since else ""), number(h["lost"]),
                   "; ".join(n for n in (_gone_note(h), before("lost")) if n) or None),
                  ("net growth", f"{h['net']:+,}",
                   percent(h["growth_rate"], signed=True) if h["growth_rate"] is not None
                   else None)]
    return cards


def _gone_note(h: Mapping) -> str | None:
    """The lost card's note on the accounts gone among them (a Bluesky pull checked): "5
    accounts gone"; None when none is gone or nobody checked."""
    gone = h.get("gone")
    if not gone or not h.get("lost"):
        return None
    if gone >= h["lost"] > 1:
        return "all accounts gone"
    return f"{plural(gone, 'account')} gone"


def _compare(now: int | None, before: int | None, what: str) -> str | None:
    """``"more new followers than in September (402)"`` style clause, or None."""
    if now is None or before is None:
        return None
    if now == before:
        return f"as many {what} as the month before"
    return f"{'more' if now > before else 'fewer'} {what} than the month before ({number(before)})"


def headline_sentences(h: Mapping, account: str) -> list[str]:
    """Two or three plain sentences about the month's headline numbers.

    They adapt to the numbers: no "0 new followers (0.0%)"; a first month says there is nothing
    to compare with; a quiet month says so.

    Returns
    -------
    list of str
    """
    # the snapshot's date, never "the end of the month": an archive exported on the 20th, or a
    # report of the month so far, is not the month's end (a month-end snapshot reads fine dated)
    had = f"@{account} had {plural(h['followers'], 'follower')} on {day_label(h['snapshot_at'])}"
    out = []
    if h["net"] is None or h["previous_followers"] is None:
        out.append(f"{had}. This is the first month on record, so there is nothing to compare "
                   "it with yet.")
        return out
    net, prev = h["net"], h["previous_followers"]
    since = _since(h)
    earlier = f"on {day_label(h['previous_snapshot_at'])}" if since else "a month earlier"
    if net > 0:
        out.append(f"{had}, up {number(net)} ({percent(h['growth_rate'], signed=True)}) from "
                   f"{number(prev)} {earlier}.")
    elif net < 0:
        out.append(f"{had}, down {number(-net)} ({percent(h['growth_rate'])}) from "
                   f"{number(prev)} {earlier}.")
    else:
        out.append(f"{had}, the same number as {earlier}.")
    new, lost = h["new"], h["lost"]
    during = f"since the {since} snapshot" if since else "during the month"
    lead = f"Since the {since} snapshot, " if since else ""

    def cap(text):
        return text[0].upper() + text[1:] if not lead else lead + text
    if new == 0 and lost == 0:
        out.append(f"Nobody followed and nobody left {during}.")
    elif new == 0:
        out.append(cap(f"nobody new followed, and {plural(lost, 'follower')} left."))
    elif lost == 0:
        out.append(cap(f"{plural(new, 'person', 'people')} followed and nobody left."))
    else:
        out.append(cap(f"{plural(new, 'person', 'people')} followed and {number(lost)} left."))
    said = gone_sentence(lost, h.get("gone"))
    if said:
        out.append(said)
    if since:
        out.append(f"The snapshots are {plural(h['months_since_previous'], 'month')} apart, so "
                   "these counts span that whole stretch.")
    clauses = [c for c in (_compare(new, h["previous_new"], "new followers"),
                           _compare(lost, h["previous_lost"], "departures")) if c] \
        if _comparable(h) else []
    if clauses:
        out.append("That is " + " and ".join(clauses) + ".")
    return out


def gone_sentence(lost: int | None, gone: int | None) -> str | None:
    """How many of the followers who left did not unfollow, because their account is gone
    (deleted, deactivated or suspended): ``"5 of them did not unfollow: their accounts were
    deleted, deactivated or suspended."``; None when nobody's account is gone, or when nobody
    checked (X, older Bluesky snapshots)."""
    if not lost or not gone:
        return None
    accounts = "the account was" if gone == 1 else "their accounts were"
    if gone >= lost:
        if lost == 1:
            return f"That follower did not unfollow: {accounts} deleted, deactivated or " \
                "suspended."
        return f"None of them unfollowed: {accounts} deleted, deactivated or suspended."
    who = "One of them" if gone == 1 else f"{number(gone)} of them"
    return f"{who} did not unfollow: {accounts} deleted, deactivated or suspended."


# ----------------------------------------------------------------------------------- sections
def _shares(counts: pd.Series, n: int = 3) -> list[str]:
    total = counts.sum()
    if not total:
        return []
    top = counts.sort_values(ascending=False, kind="stable").head(n)
    return [f"{label} ({percent(c / total, 0)})" for label, c in top.items() if c > 0]


def named_as(frame: pd.DataFrame, id_column: str = "follower_id") -> list[str]:
    """How the report's sentences name the accounts of ``frame``, in its order: ``@HANDLE``,
    or a Bluesky account whose handle no longer verifies by its DID
    (:func:`~follower_kit.analysis.relations.profile_label`), as the tables name it; rows
    without a handle are left out. The sentences take these names or bare handles.

    >>> named_as(pd.DataFrame({"follower_id": ["did:plc:ab", "did:plc:cd", "did:plc:ef"],
    ...                        "username": ["handle.invalid", None, "alice.bsky.social"]}))
    ['did:plc:ab (invalid handle)', '@alice.bsky.social']
    """
    from ..analysis.relations import profile_label

    known = frame[frame["username"].notna()]
    return [profile_label(uid, str(name)) for uid, name in zip(known[id_column], known["username"])]


def _at(name: str) -> str:
    """``@name`` for a bare handle; a name from :func:`named_as` (``@...`` or a DID) as is."""
    return name if name.startswith(("@", "did:")) else f"@{name}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def new_followers_sentence(segments: pd.Series, *, new: int, notable: Sequence[str] = (),
                           first_month: bool = False, period: str = "this month",
                           profiled: int | None = None, named: Sequence[str] = ()) -> str:
    """Who the new followers are: their largest segments and those worth checking out.

    Parameters
    ----------
    segments : Series
        Segment label of each new follower.
    new : int
        Number of new followers.
    notable : sequence of str
        Handles (or :func:`named_as` names) of new followers worth checking out, in the
        triage's ``check_out`` order (reach and engagement).
    first_month : bool
        The first month on record: there is no earlier list to tell new followers apart.
    period : str
        The stretch the new followers came in (:func:`period`).
    profiled : int, optional
        How many new followers have a profile in the store (an X archive lists ids only); 0 says
        why nobody can be introduced.
    named : sequence of str
        Without profiles, the handles the account's own posts give new followers
        (:meth:`follower_kit.audience.MonthData.named`): said, so that "cannot be told" does not
        hide the few a reader can look up.

    Returns
    -------
    str
    """
    if first_month:
        return ("This is the first month on record: without an earlier follower list, nobody can "
                "be told apart as new yet. Next month's report will introduce the newcomers.")
    if not new:
        return f"Nobody new followed {period}, so there is nobody to introduce."
    if profiled == 0:
        said = (f"{plural(new, 'new follower')} {period}; none has a profile in the store yet, "
                "so who they are cannot be told (see the note on profiles above).")
        if named:
            handles = [_at(h) for h in named[:5]]
            listed = (", ".join(handles) + f" and {len(named) - 5:,} more" if len(named) > 5
                      else _join(handles))
            said += (f" Your own posts name {len(named):,} of them: {listed}."
                     if len(named) > 1 else f" Your own posts name one of them: {listed}.")
        return said
    counts = segments[segments != UNASSIGNED].value_counts(dropna=True)
    parts = []
    top = _shares(counts)
    if top:
        if len(counts) == 1:
            parts.append(f"All {plural(new, 'new follower')} come from {_join(top)}."
                         if new > 1 else f"The new follower comes from {top[0]}.")
        elif len(counts) <= 3:
            parts.append(f"The {plural(new, 'new follower')} come from {_join(top)}.")
        else:
            parts.append(f"Most of the {plural(new, 'new follower')} come from {_join(top)}.")
    if notable:
        handles = [_at(h) for h in notable[:3]]
        parts.append(f"Worth checking out first: {_join(handles)}.")
    return " ".join(parts) or f"{plural(new, 'new follower')} {period}."


def profiles_note(users: pd.DataFrame, *, hydrate_hint: bool = True, unavailable=(),
                  hydrate_plan=None, known_handles: pd.DataFrame | None = None) -> str:
    """A warning when followers have no profile in the store (an X archive lists ids only): the
    bot checks, segments and suggestions can only cover the others. Empty when all have one.
    ``unavailable``: ids X reported deleted or suspended (counted apart: no hydrating helps).
    ``hydrate_plan``: number of profiles -> its plan
    (:func:`follower_kit.sources.x_api.plan_hydrate`), to say what ``--hydrate`` would cost.
    ``known_handles``: the accounts the own posts name (``id``; :meth:`Store.known_handles`),
    to say how many of the followers without a profile the lists below name by handle."""
    if users.empty or "username" not in users.columns:
        return ""
    missing = int(users["username"].isna().sum())
    if not missing:
        return ""
    total = len(users)
    who = ("The one follower has no" if total == 1 else
           f"None of the {number(total)} followers has a" if missing == total else
           f"{number(missing)} of the {number(total)} followers "
           f"{'has' if missing == 1 else 'have'} no")
    text = (f"Note on profiles: {who} profile in the store yet (an X archive lists followers "
            "by id only), so "
            + ("the bot checks, segments and suggestions below cover only followers with a "
               "profile." if missing < total else "there are no bot checks or segments below, "
               "and most suggestions need profiles."))
    gone = int(users.loc[users["username"].isna(), "id"].isin(unavailable).sum())
    if gone:
        whom = (("It is an account" if gone == 1 else f"All {number(gone)} are accounts")
                if gone == missing else
                plural(gone, "of them is an account", "of them are accounts"))
        text += f" {whom} X reported deleted or suspended."
    if known_handles is not None and len(known_handles):
        named = int(users.loc[users["username"].isna(), "id"].astype(str).isin(
            known_handles["id"].astype(str)).sum())
        if named:
            text += (f" Even so, the lists name {plural(named, 'of them', 'of them')} by "
                     "handle, from your own posts that mention or reply to them"
                     # with no profile at all, those posts are what follow-backs come from
                     # (analysis.triage.talked_follow_back)
                     + (", and the follow-back suggestions come from those posts."
                        if missing == total else "."))
    if hydrate_hint and missing > gone:
        text += (' With an X API token, "follower-kit import archive PATH --hydrate" fetches '
                 "the missing profiles")
        if hydrate_plan is not None:
            plan = hydrate_plan(missing - gone)
            text += (f" ({plural(missing - gone, 'profile')} in "
                     f"{plural(plan.total_requests, 'request')}, about {plan.cost:,.2f} "
                     f"{plan.currency} at X's pay-per-use prices)")
        text += "."
    return text


def segments_sentence(summary: pd.DataFrame, *, label: str = "label", size: str = "followers",
                      total: int | None = None, followers: int | None = None,
                      profiled: int | None = None) -> str:
    """The audience's largest segments in one sentence.

    Parameters
    ----------
    summary : DataFrame
        One row per segment with a ``label`` and a ``size`` column.
    total : int, optional
        Audience size (default: the sum of sizes).
    followers, profiled : int, optional
        All followers, and those with a profile in the store: with none profiled there is no
        text to read at all, which is said instead of "not enough text".

    Returns
    -------
    str
    """
    why = _no_profiles(followers or 0, profiled)
    if summary.empty and why:
        return f"The followers' segments cannot be found: {why}."
    if summary.empty:
        return "There is not enough text in the followers' profiles and posts to find segments."
    counts = summary.set_index(label)[size].astype("int64")
    total = int(total if total is not None else counts.sum())
    top = counts.sort_values(ascending=False, kind="stable").head(3)
    items = [f"{lbl} ({percent(c / total, 0)})" for lbl, c in top.items() if c > 0]
    n = len(counts)
    return (f"The audience falls into {plural(n, 'segment')}; the largest are {_join(items)}."
            if n > 1 else f"The audience forms one segment: {items[0] if items else 'unlabelled'}.")


def block_people_sentence(people_share: float, people_share_typical: float | None = None,
                          *, v2: bool = False) -> str:
    """What the evidence says of the people on a block list
    (:func:`follower_kit.audience.block_people_share`): on the public sets, and in an audience
    of :data:`~follower_kit.config.TYPICAL_BOT_SHARE` bots when ``people_share_typical`` is
    given; ``v2`` when the evidence is the one measured without like counts
    (:func:`follower_kit.audience.likes_missing`). The report says it beside its block list,
    ``follower-kit triage`` under its own."""
    accounts = ("public labeled accounts read as X API v2 gives them (no like counts)" if v2
                else "public labeled accounts")
    if people_share_typical is None:
        return (f"On {accounts} {percent(people_share)} of those on such a list "
                "were real people, more where an audience holds fewer bots: look at each before "
                "blocking.")
    return (f"On {accounts}, about half of them bots, {percent(people_share)} of "
            f"those on such a list were real people; in an audience that is "
            f"{percent(TYPICAL_BOT_SHARE, 0)} bots (an estimate for X as a whole) about "
            f"{percent(people_share_typical, 0)} would be: look at each before blocking.")


def bots_sentence(*, flagged: int, followers: int, bursts: int | None = 0,
                  burst_members: int = 0,
                  previous_share: float | None = None, blocked: int | None = None,
                  block_threshold: float | None = None, unscored: int = 0,
                  earlier: str = "a month earlier", people_share: float | None = None,
                  people_share_typical: float | None = None, people_v2: bool = False,
                  flagged_people_typical: float | None = None, basis: str = "") -> str:
    """How many followers look automated or bought, in words.

    Parameters
    ----------
    flagged, followers : int
        Likely bots (from the report's ``bot_threshold``) and all followers.
    bursts, burst_members : int
        Bursts of the follower factory and their members; ``bursts=None`` leaves them to the
        sentence under the chart (:func:`burst_spike_sentence`).
    blocked, block_threshold : optional
        How many score ``block_threshold`` or more: the block list shown below the sentence.
    unscored : int
        Followers with no profile in the store, so no score: they are not counted as humans.
    earlier : str
        When ``previous_share`` was measured (:func:`earlier`).
    people_share : float, optional
        The share of people expected on the block list
        (:func:`follower_kit.audience.block_people_share`), said beside it.
    people_share_typical : float, optional
        The same for an audience of :data:`~follower_kit.config.TYPICAL_BOT_SHARE` bots
        (``block_people_share(..., bot_share=TYPICAL_BOT_SHARE)``), said after it.
    people_v2 : bool
        The figures were measured without like counts, as X API v2 gives profiles
        (:func:`follower_kit.audience.likes_missing`); the sentence says so.
    flagged_people_typical : float, optional
        The share of real people expected among the ``flagged`` in an audience of
        :data:`~follower_kit.config.TYPICAL_BOT_SHARE` bots
        (:func:`follower_kit.audience.flagged_people_share`), said right after the count.
    basis : str
        What the scores rest on when the shipped model's evidence does not apply (a Bluesky
        audience: :func:`follower_kit.analysis.bots.rules.bluesky_basis_note`), said after
        the block list's sentence.

    Returns
    -------
    str
    """
    if not followers:
        return "There are no followers to check."
    if unscored >= followers:
        return ("No follower could be checked for bots: none has a profile in the store (see "
                "the note on profiles above).")
    if unscored:  # shares over the followers that could be checked
        return (bots_sentence(flagged=flagged, followers=followers - unscored, bursts=bursts,
                              burst_members=burst_members, previous_share=previous_share,
                              blocked=blocked, block_threshold=block_threshold,
                              earlier=earlier, people_share=people_share,
                              people_share_typical=people_share_typical,
                              people_v2=people_v2,
                              flagged_people_typical=flagged_people_typical, basis=basis)
                + f" These figures leave out {plural(unscored, 'follower')} without a profile "
                  "in the store, who could not be checked.")
    share = flagged / followers
    # the month before, said right after the share it compares with
    compared = ""
    if previous_share is not None and flagged:
        if abs(share - previous_share) < 0.001:
            compared = f" The share is about the same as {earlier}."
        else:
            compared = f" {earlier[0].upper() + earlier[1:]} it was {percent(previous_share)}."
    if flagged == 0:
        text = "No follower scores as a likely bot or fake account this month."
    elif blocked is None:
        text = (f"{plural(flagged, 'follower')} ({percent(share)}) look automated or fake; "
                "they are listed below as candidates to remove or block after a quick look."
                + compared)
    else:
        text = f"{plural(flagged, 'follower')} ({percent(share)}) look automated or fake."
        text += compared
        if flagged_people_typical is not None:
            accounts = ("public labeled accounts read as X API v2 gives them" if people_v2
                        else "public labeled accounts")
            text += (f" That count is not all bots: measured on {accounts}, in an audience "
                     f"that is {percent(TYPICAL_BOT_SHARE, 0)} bots about "
                     f"{percent(flagged_people_typical, 0)} of the accounts scoring this high "
                     "would be real people.")
        if blocked:
            clearest = ("The clearest case" if blocked == 1 else
                        f"The {number(blocked)} clearest cases")
            text += (f" {clearest} (bot score {block_threshold:.2f} or more) "
                     f"{'is' if blocked == 1 else 'are'} listed below as candidates to block "
                     "after a quick look.")
            if people_share is not None:
                text += " " + block_people_sentence(people_share, people_share_typical,
                                                      v2=people_v2)
        else:
            text += (f" None scores {block_threshold:.2f} or more, so nobody is suggested for "
                     "blocking.")
    if basis and flagged:
        text += " " + basis
    if bursts is None:
        return text
    if bursts:
        text += (f" {plural(bursts, 'burst')} of accounts created together and following in a "
                 f"row ({plural(burst_members, 'account')}) show the signature of bought "
                 "followers (see the chart).")
    else:
        text += " No burst of bought-looking followers stands out in the follow order."
    return text


def triage_sentence(lists: Mapping[str, int], *, followers: int | None = None,
                    profiled: int | None = None, talked_to: int = 0,
                    follow_back: Sequence[str] = ()) -> str:
    """One sentence about the triage lists: ``{"follow back": 12, "reply to": 0, ...}``.

    Parameters
    ----------
    followers, profiled : int, optional
        Followers, and those with a profile in the store: with none profiled, empty lists say
        why rather than that nobody stands out.
    talked_to : int
        Followers the account replied to or mentioned in its own posts (the relations
        section lists them), named when the lists are empty for want of profiles.
    follow_back : sequence of str
        Handles or :func:`named_as` names of the follow-back list in order: with none
        profiled, that list comes from the own posts (the followers talked to and not
        followed back, :func:`~follower_kit.analysis.triage.talked_follow_back`), and the
        sentence names its first three.

    Returns
    -------
    str
    """
    items = [f"{number(n)} to {name}" for name, n in lists.items() if n]
    if followers and profiled == 0 and lists.get("follow back"):
        n = lists["follow back"]
        first = f", first {_handles(follow_back)}" if len(follow_back) else ""
        return (f"Suggested actions this month: follow back the {plural(n, 'follower')} you "
                f"talked to in your own posts and do not follow{first} (most and latest talk "
                "first). New followers to check out, bots to block and conversation openings "
                "need profiles: with an X API token, \u201cfollower-kit import archive PATH "
                "--hydrate\u201d fetches them (see the note on profiles above).")
    if not items and followers and profiled == 0:
        text = (f"Follow-backs and conversations cannot be suggested yet: none of the "
                f"{number(followers)} followers has a profile in the store (see the note on "
                f"profiles above).")
        if talked_to:
            text += (f" The {plural(talked_to, 'follower')} you replied to or mentioned in "
                     f"your own posts are listed under \u201cHow they relate to you\u201d.")
        return text
    if not items:
        # only the lists given: the check-out and block lists beside it may well have people
        return "No follower stands out for a follow-back or a reply this month."
    return "Suggested actions this month: " + _join(items) + "."


def _handles(names: Sequence[str], n: int = 3) -> str:
    return _join([_at(h) for h in list(names)[:n]])


def month_actions(*, blocked: int = 0, block_threshold: float = BLOCK_THRESHOLD,
                  block: Sequence[str] = (), follow_back: Sequence[str] = (),
                  talk_to: Sequence[str] = (), check_out: Sequence[str] = (),
                  topics: Sequence[str] = (), follow_back_talked: bool = False) -> list[str]:
    """The (at most) three actions of the month for the summary, most useful first: block the
    clearest bots, follow back, talk to; check out new followers when one of those is empty.
    Each says how many people it concerns and names the first three; a list longer than three
    is named by where to start and how many fit (a ranked list, not a to-do of thousands).

    Parameters
    ----------
    blocked : int
        Followers on the block list.
    block : sequence of str
        Their handles (or :func:`named_as` names), highest score first (the first three are
        named).
    follow_back, talk_to, check_out : sequence of str
        Handles or :func:`named_as` names in list order, every entry of the list (the first
        three are named).
    topics : sequence of str
        The client's topics and keywords, named in "on your topics".
    follow_back_talked : bool
        The follow-back list comes from the own posts (no follower has a profile:
        :func:`~follower_kit.analysis.triage.talked_follow_back`), and is said so.

    Returns
    -------
    list of str
        Plain-text sentences (0 to 3); none when there is nothing to do.
    """
    def first(names) -> str:  # three at most: longer lists are named by where to start
        return _join([_at(h) for h in names])

    actions = []
    if blocked:
        actions.append(f"Review and block the {plural(blocked, 'account')} scoring "
                       f"{block_threshold:.2f} or more as bots (the block list"
                       + (f", first {_handles(block)}" if len(block) else "") + ").")
    on_topics = f"on your topics ({_join(list(topics)[:4])})" if len(topics) else \
        "on your topics"
    if follow_back_talked and len(follow_back) > 3:
        actions.append(f"Start following back with {_handles(follow_back[:3])}: the "
                       f"best-ranked of {plural(len(follow_back), 'follower')} you talked to "
                       "in your own posts and do not follow.")
    elif follow_back_talked and len(follow_back):
        actions.append(f"Follow back {first(follow_back)}: you talked to them in your own "
                       "posts and do not follow them.")
    elif len(follow_back) > 3:  # a ranked list, not a to-do of thousands: name where to start
        actions.append(f"Start following back with {_handles(follow_back[:3])}: the best-ranked "
                       f"of {number(len(follow_back))} likely people, active, {on_topics}.")
    elif len(follow_back):
        actions.append(f"Follow back {first(follow_back)}: likely people, active, {on_topics}.")
    if len(talk_to) > 3:
        actions.append(f"Reply first to {_handles(talk_to[:3])}: the best-ranked of "
                       f"{number(len(talk_to))} who wrote to you or about your topics.")
    elif len(talk_to):
        actions.append(f"Reply to {first(talk_to)}: they wrote to you or about your topics.")
    if len(actions) < 3 and len(check_out):
        actions.append(f"Look at the new followers {_handles(check_out)}: the most notable "
                       "people who followed this month.")
    return actions[:3]


def growth_glance(counts: pd.DataFrame) -> str:
    """Growth at a glance, for the summary page: where the follower count went over every
    snapshot on record, and the biggest gain.

    Parameters
    ----------
    counts : DataFrame
        :func:`~follower_kit.analysis.growth.follower_counts` (``snapshot_at``, ``followers``,
        ``new``, ``lost``, ``net``), oldest first.

    Returns
    -------
    str
        One sentence; with one snapshot, that the growth shows from the second.

    Examples
    --------
    >>> c = pd.DataFrame({"snapshot_at": pd.to_datetime(["2026-08-31", "2026-09-30",
    ...     "2026-10-31"], utc=True), "followers": [100, 140, 150], "new": [None, 45, 12],
    ...     "lost": [None, 5, 2], "net": [None, 40, 10]})
    >>> growth_glance(c)
    'Over 3 snapshots, from 31 August 2026 to 31 October 2026, the followers went from 100 to 150 (+50); the largest gain was +40, by 30 September 2026.'
    """
    if len(counts) < 2:
        return "One snapshot so far: growth shows from the second."
    first, last = counts.iloc[0], counts.iloc[-1]
    change = int(last["followers"]) - int(first["followers"])
    text = (f"Over {number(len(counts))} snapshots, from {day_label(first['snapshot_at'])} to "
            f"{day_label(last['snapshot_at'])}, the followers went from "
            f"{number(first['followers'])} to {number(last['followers'])} ({change:+,})")
    net = pd.to_numeric(counts["net"], errors="coerce")
    if net.notna().any() and net.max() > 0:
        best = counts.loc[net.idxmax()]
        text += (f"; the largest gain was {int(best['net']):+,}, by "
                 f"{day_label(best['snapshot_at'])}")
    return text + "."


def activity_sentence(best: pd.DataFrame, *, tz: str, tweets: int) -> str:
    """When the audience is active, from :func:`~follower_kit.analysis.growth.best_posting_hours`.

    Returns
    -------
    str
    """
    if not tweets or best.empty or not best["active"].sum():
        return "There are no recent posts by followers to tell when they are online."
    first = best.iloc[0]
    day = {"Mon": "Mondays", "Tue": "Tuesdays", "Wed": "Wednesdays", "Thu": "Thursdays",
           "Fri": "Fridays", "Sat": "Saturdays", "Sun": "Sundays"}.get(first["weekday"],
                                                                        first["weekday"])
    others = [f"{r.weekday} {int(r.hour):02d}:00" for r in best.iloc[1:3].itertuples()]
    text = (f"Followers are most active on {day} at {int(first['hour']):02d}:00 ({tz}), "
            f"judging by {plural(tweets, 'recent post')}.")
    if others:
        text += f" Next best: {_join(others)}."
    return text


def data_sentence(snapshot_times: Sequence, *, posts: int) -> str:
    """What the report was made from: ``"Data: 12 snapshots from 30 November 2025 to 31 October
    2026; 38,049 recent posts by followers."`` (one snapshot: its date in brackets)."""
    times = sorted(pd.Timestamp(t) for t in snapshot_times)
    if not times:
        return "Data: no snapshots."
    span = (f"({day_label(times[0])})" if len(times) == 1
            else f"from {day_label(times[0])} to {day_label(times[-1])}")
    posted = plural(posts, "recent post") if posts else "no recent posts"  # not "0 recent posts"
    return f"Data: {plural(len(times), 'snapshot')} {span}; {posted} by followers."


def relations_sentence(counts: pd.DataFrame, *, followers: int) -> str:
    """How the followers relate to the account, from
    :func:`~follower_kit.analysis.relations.relation_counts` (``relation``, ``count``,
    ``assessed``): mutuals, who is not followed back, who does not follow back, and who the
    account talked to. Says which list is missing when the store cannot tell.

    Examples
    --------
    >>> c = pd.DataFrame({"relation": ["mutual", "not_followed_back", "not_following_back",
    ...                                "talk_to"], "count": [36, 728, 43, 104],
    ...                   "assessed": [764, 764, 79, 764]})
    >>> relations_sentence(c, followers=764)[:58]
    '36 of the 764 followers are mutuals (you follow them too);'
    """
    by = counts.set_index("relation")

    def n(name, col="count"):
        return int(by[col].get(name, 0) or 0) if name in by.index else 0

    def known(name):  # a stored empty list is known (0 of 0); a missing one is not
        if "known" in by.columns and name in by.index:
            return bool(by.loc[name, "known"])
        return bool(n(name, "assessed"))

    parts = []
    if known("not_following_back") and not n("not_following_back", "assessed"):
        # the following list is stored and empty: nobody can be a mutual
        parts.append("You follow no one, so " + (
            "no follower is a mutual yet." if not followers else
            "the one follower is not a mutual." if followers == 1 else
            f"none of the {number(followers)} followers is a mutual."))
    elif known("mutual"):
        if not followers:   # a following list, but nobody follows yet
            parts.append("No one follows the account yet")
        elif followers == 1:
            parts.append("The one follower is a mutual (you follow them too)" if n("mutual")
                         else "The one follower is not a mutual: you do not follow them back")
        elif not n("mutual"):
            parts.append(f"None of the {number(followers)} followers is a mutual: you do not "
                         "follow any of them back")
        else:
            parts.append(f"{number(n('mutual'))} of the {number(followers)} followers "
                         f"{'is a mutual' if n('mutual') == 1 else 'are mutuals'} (you follow "
                         f"them too); {number(n('not_followed_back'))} you do not follow back")
        if known("not_following_back"):
            back = n("not_following_back")
            parts[-1] += (f", and {plural(back, 'account')} you follow "
                          f"{'does' if back == 1 else 'do'} not follow you" if back
                          else ", and every account you follow follows you")
        parts[-1] += "."
    else:
        parts.append("Mutuals and who is not followed back need the account's following list "
                     "(an X archive holds it; `follower-kit pull followers` reads it too).")
    if n("talk_to", "assessed"):
        talked = n("talk_to")
        parts.append(f"In your own posts you replied to or mentioned "
                     f"{plural(talked, 'current follower') if talked else 'none of them'}."
                     if talked else "None of your own posts replies to a current follower.")
    return " ".join(parts)


# ------------------------------------------------------------------------- audience insight
def _no_profiles(followers: int, profiled: int | None) -> str | None:
    if followers and profiled == 0:
        return ("none of the followers has a profile in the store (an X archive lists ids "
                "only; see the note on profiles above)")
    return None


def countries_sentence(countries: pd.DataFrame, *, followers: int,
                       profiled: int | None = None, network: str = "x") -> str:
    """Where the followers are, from :func:`~follower_kit.analysis.geo.country_shares`
    (``country``, ``country_name``, ``followers``, ``share``), the unknown share stated.

    Parameters
    ----------
    followers : int
        All followers at the snapshot.
    profiled : int, optional
        Followers with a profile in the store: 0 says why no place is known.
    network : {"x", "bluesky"}
        The account's network (:func:`follower_kit.audience.account_network`): Bluesky
        profiles have no location, which the sentence says instead of "no follower names a
        place".

    Returns
    -------
    str

    Examples
    --------
    >>> c = pd.DataFrame({"country": ["US", "GB", "unknown"], "country_name": ["United States",
    ...                   "United Kingdom", "unknown"], "followers": [50, 20, 30]})
    >>> countries_sentence(c, followers=100)
    '70% of the 100 followers name a place in a country: United States (50%) and United Kingdom (20%). The other 30% give no location, or one that names no country (jokes such as "the moon" are never given one).'
    """
    why = _no_profiles(followers, profiled)
    if why:
        return f"Where the followers are cannot be told: {why}."
    if network == "bluesky":
        return ("Bluesky profiles have no location field, so where the audience is cannot be "
                "told.")
    known = countries[~countries["country"].isin(["unknown", "other"])]
    located = int(countries.loc[countries["country"] != "unknown", "followers"].sum())
    if not followers or not located:
        return ("No follower's profile names a place that resolves to a country, so where the "
                "audience is cannot be told.")
    top = [f"{r.country_name} ({percent(r.followers / followers, 0)})"
           for r in known.head(3).itertuples()]
    text = (f"{percent(located / followers, 0)} of the {plural(followers, 'follower')} name a "
            f"place in a country: {_join(top)}.")
    unknown = followers - located
    if unknown:
        text += (f" The other {percent(unknown / followers, 0)} give no location, or one that "
                 'names no country (jokes such as "the moon" are never given one).')
    return text


def languages_sentence(languages: pd.DataFrame, *, followers: int,
                       profiled: int | None = None) -> str:
    """What languages the followers post in, from
    :func:`~follower_kit.analysis.languages.language_shares` (``language``,
    ``language_name``, ``followers``, ``share``; one segment).

    Returns
    -------
    str
    """
    why = _no_profiles(followers, profiled)
    if why:
        return f"The followers' languages cannot be told: {why}."
    name = "language_name" if "language_name" in languages.columns else "language"
    known = languages[~languages["language"].isin(["unknown", "other"])]
    if not followers or known.empty or not int(known["followers"].sum()):
        return ("Neither the followers' posts nor their bios tell their language, so it cannot "
                "be told.")
    top = [f"{getattr(r, name)} ({percent(r.followers / followers, 0)})"
           for r in known.head(3).itertuples()]
    text = f"The followers post mostly in {_join(top)}."
    unknown = int(languages.loc[languages["language"] == "unknown", "followers"].sum())
    if unknown:
        text += (f" For {percent(unknown / followers, 0)} neither posts nor bio tell the "
                 "language.")
    return text


def reading_sentence(domains: pd.DataFrame, mentions: pd.DataFrame, hashtags: pd.DataFrame, *,
                     posters: int | None = None) -> str:
    """What the audience reads and talks about, from
    :func:`~follower_kit.analysis.reading.top_items` of each kind (``item``, ``followers``),
    ranked by how many distinct followers use each.

    Parameters
    ----------
    posters : int, optional
        Followers with posts in the store (0: nothing can be said).

    Returns
    -------
    str
    """
    def top(frame, prefix=""):
        return _join([f"{prefix}{r.item} ({plural(r.followers, 'follower')})"
                      for r in frame.head(3).itertuples()])

    parts = []
    if len(domains):
        parts.append(f"The sites the most followers link to are {top(domains)}.")
    if len(mentions):
        parts.append(f"The accounts they mention most widely are {top(mentions, '@')}.")
    if len(hashtags):
        parts.append(f"Their most widely used hashtags are {top(hashtags, '#')}.")
    if not parts:
        if posters == 0:
            return ("There are no posts by followers in the store, so what they read and talk "
                    "about cannot be told.")
        return "The followers' posts carry no links, mentions or hashtags to rank."
    return " ".join(parts)


def competitors_sentence(versus: pd.DataFrame | None, *, account: str,
                         followers: int, missing: Mapping[str, str] | None = None) -> str:
    """How the account's audience overlaps each competitor's, from
    :func:`~follower_kit.analysis.compare.versus` (``competitor``, ``followers``, ``shared``,
    ``share_of_account``, ``exclusive``); ``None`` when the client profile names no competitors.

    Parameters
    ----------
    account : str
        The account's handle (without ``@``).
    followers : int
        The account's followers.
    missing : mapping, optional
        Competitors that could not be compared (handle -> reason).

    Returns
    -------
    str

    Examples
    --------
    >>> v = pd.DataFrame({"competitor": ["datadock"], "followers": [3500], "shared": [1500],
    ...                   "share_of_account": [0.3], "exclusive": [2000]})
    >>> competitors_sentence(v, account="brightwave", followers=5000)
    '@datadock shares 1,500 followers with @brightwave (30% of yours); 2,000 of its 3,500 followers do not follow you.'
    """
    missing = dict(missing or {})
    if versus is None and not missing:
        # the client reads this: how to add competitors is the agency's business (--help)
        return "No competitors were chosen for this report, so no other audience is compared."
    parts = []
    for r in (versus.itertuples() if versus is not None else []):
        if not r.shared:
            parts.append(f"@{r.competitor} shares no follower with @{account}: none of its "
                         f"{plural(r.followers, 'follower')} follows you.")
            continue
        parts.append(f"@{r.competitor} shares {plural(r.shared, 'follower')} with @{account} "
                     f"({percent(r.share_of_account, 0)} of yours); {number(r.exclusive)} of "
                     f"its {plural(r.followers, 'follower')} do not follow you.")
    if missing:
        handles = _join([_at(h) for h in missing])
        parts.append(f"{handles} {'is' if len(missing) == 1 else 'are'} not in the store at "
                     "this month's snapshot: pull their followers first (follower-kit pull "
                     "followers HANDLE).")
    return " ".join(parts)


__all__ += ["competitors_sentence", "countries_sentence", "languages_sentence",
            "reading_sentence"]


_MATCH_WORDS = {"link": "by a link between the profiles", "handle+bio":
                "by the same handle and a similar bio", "name+bio":
                "by the same name and a similar bio", "handle": "by the same handle alone"}


def crossnet_sentence(estimate: Mapping, *, account: str, bluesky: str, x_followers: int,
                      bluesky_followers: int, missing: str = "") -> str:
    """How many followers seem to follow the client on both X and Bluesky, from
    :func:`~follower_kit.analysis.crossnet.overlap_estimate`: the expectation, its range
    (pairs 80% sure or more to every pair found) and the pairs of each kind of match with its
    confidence (:data:`~follower_kit.analysis.crossnet.CONFIDENCE`), surest first.

    Parameters
    ----------
    estimate : mapping
        ``pairs``, ``likely``, ``expected``, ``by_match``.
    account, bluesky : str
        The X handle and the Bluesky handle (without ``@``).
    x_followers, bluesky_followers : int
        Followers of each account.
    missing : str, optional
        Why the Bluesky account could not be compared (then only that is said).

    Returns
    -------
    str

    Examples
    --------
    >>> crossnet_sentence({"pairs": 5, "likely": 3, "expected": 3.7, "by_match": {
    ...     "link": 2, "handle+bio": 1, "name+bio": 1, "handle": 1}}, account="brightwave",
    ...     bluesky="brightwave.bsky.social", x_followers=40, bluesky_followers=12)
    'About 4 people seem to follow you on both networks (between 3 and 5; 9% of the 40 followers of @brightwave on X, 31% of the 12 of @brightwave.bsky.social on Bluesky): 2 matched by a link between the profiles (95% sure), 1 by the same handle and a similar bio (80%), 1 by the same name and a similar bio (60%), 1 by the same handle alone (40%).'
    """
    from ..analysis.crossnet import CONFIDENCE

    if missing:
        return (f"@{bluesky} is not in the store for this month, so the two audiences cannot "
                f"be compared: pull its followers first (follower-kit pull followers "
                f"{bluesky}).")
    if not estimate.get("pairs"):
        return (f"No follower seems to follow you on both networks: among the "
                f"{plural(x_followers, 'follower')} of @{account} on X and the "
                f"{number(bluesky_followers)} of @{bluesky} on Bluesky, no profiles link to "
                f"each other, and no handles or names with similar bios agree.")
    expected = estimate["expected"]
    shares = [f"{percent(expected / total, 0)} of the {number(total)}{what}"
              for total, what in ((x_followers, f" followers of @{account} on X"),
                                  (bluesky_followers, f" of @{bluesky} on Bluesky")) if total]
    by = estimate.get("by_match", {})
    kinds = [k for k in CONFIDENCE if by.get(k)]
    parts = [f"{number(by[k])} {'matched ' if i == 0 else ''}{_MATCH_WORDS[k]} "
             f"({percent(CONFIDENCE[k], 0)}{' sure' if i == 0 else ''})"
             for i, k in enumerate(kinds)]
    low, high = estimate["likely"], estimate["pairs"]
    between = f"between {number(low)} and {number(high)}" if low != high else ""
    inside = "; ".join(p for p in (between, ", ".join(shares)) if p)
    who = "person seems" if round(expected) == 1 else "people seem"
    return (f"About {number(round(expected))} {who} to follow you on both networks"
            + (f" ({inside})" if inside else "") + f": {', '.join(parts)}.")


__all__ += ["crossnet_sentence"]
