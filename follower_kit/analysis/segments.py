"""Reading the segments: size, reach, bots and newcomers per segment, the most typical followers,
and how segments moved between two months. Pure: frames in, frames out."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import FollowerKitError

__all__ = ["BOT_LABEL", "UNASSIGNED", "mark_bot_segments", "representative_followers",
           "segment_drift", "segment_summary"]


def _bot_scores(bot_score, follower_ids: pd.Series) -> np.ndarray | None:
    """Bot scores aligned with ``follower_ids`` from a Series indexed by follower id or a frame
    with ``follower_id`` (or ``id``, as the table "bot_scores" has it) and ``bot_score``."""
    if bot_score is None:
        return None
    if isinstance(bot_score, pd.DataFrame):
        id_col = next((c for c in ("follower_id", "id") if c in bot_score.columns), None)
        if id_col is None or "bot_score" not in bot_score.columns:
            raise FollowerKitError("bot_score frame needs columns follower_id (or id) and "
                                   f"bot_score; it has {list(bot_score.columns)}")
        bot_score = bot_score.set_index(bot_score[id_col].astype("str"))["bot_score"]
    if not isinstance(bot_score, pd.Series):
        raise FollowerKitError("bot_score must be a Series indexed by follower id or a frame "
                               "with follower_id and bot_score")
    scores = bot_score.copy()
    scores.index = scores.index.astype("str")
    scores = scores[~scores.index.duplicated(keep="last")]
    return pd.to_numeric(scores.reindex(follower_ids.astype("str").to_numpy()),
                         errors="coerce").to_numpy(dtype=float)


def segment_summary(assignments: pd.DataFrame, users: pd.DataFrame | None = None, *,
                    bot_score=None, bot_threshold: float = 0.5,
                    new_follower_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Size, reach, bots and newcomers of each segment.

    Parameters
    ----------
    assignments : DataFrame
        ``follower_id``, ``segment``, ``label`` (from :meth:`TopicSegmenter.assign`), and
        optionally ``bot_score``, used when ``bot_score`` is not given.
    users : DataFrame, optional
        Canonical users frame (``id``, ``followers_count``) for the reach of each segment.
    bot_score : Series or DataFrame, optional
        Bot scores (0..1) by follower id, or a frame with ``follower_id`` (or ``id``) and
        ``bot_score``, such as the store's table "bot_scores".
        Followers without a score count in neither the numerator nor the denominator.
    bot_threshold : float
        A follower counts as a bot at or above this score.
    new_follower_ids : iterable of str, optional
        The followers new this month (e.g. ``store.diff(...)`` rows with change "new").

    Returns
    -------
    DataFrame
        One row per segment (largest first; unassigned followers as segment -1 if any):
        ``segment`` (int), ``label`` (str), ``followers`` (int), ``share`` (float, of all
        assigned rows), ``median_reach`` (float: median followers_count; NaN without users),
        ``bot_share`` (float: share of scored followers at or above the threshold; NaN without
        scores), ``new_followers`` (int), ``new_share`` (float: share of the segment that is new
        this month), ``share_of_new`` (float: share of this month's new followers that landed in
        the segment).
    """
    frame = assignments[["follower_id", "segment", "label"]].copy()
    frame["follower_id"] = frame["follower_id"].astype("str")
    if users is not None and "followers_count" in users.columns:
        reach = users.assign(id=users["id"].astype("str")).drop_duplicates("id", keep="last") \
            .set_index("id")
        frame["reach"] = pd.to_numeric(reach["followers_count"].reindex(frame["follower_id"])
                                       .to_numpy(), errors="coerce")
    else:
        frame["reach"] = np.nan
    if bot_score is None and "bot_score" in assignments.columns:
        bot_score = pd.Series(assignments["bot_score"].to_numpy(), index=frame["follower_id"])
    scores = _bot_scores(bot_score, frame["follower_id"])
    frame["is_bot"] = np.nan if scores is None else np.where(np.isnan(scores), np.nan,
                                                             scores >= bot_threshold)
    new = set(map(str, new_follower_ids)) if new_follower_ids is not None else set()
    frame["is_new"] = frame["follower_id"].isin(new)
    total_new = int(frame["is_new"].sum())
    grouped = frame.groupby(["segment", "label"], sort=False)
    out = grouped.agg(followers=("follower_id", "size"), median_reach=("reach", "median"),
                      bot_share=("is_bot", "mean"), new_followers=("is_new", "sum")).reset_index()
    out["share"] = out["followers"] / max(len(frame), 1)
    out["new_share"] = out["new_followers"] / out["followers"]
    out["share_of_new"] = out["new_followers"] / total_new if total_new else np.nan
    out = out.sort_values(["followers", "segment"], ascending=[False, True], kind="stable")
    cols = ["segment", "label", "followers", "share", "median_reach", "bot_share",
            "new_followers", "new_share", "share_of_new"]
    out = out[cols].reset_index(drop=True)
    return out.astype({"segment": "int64", "followers": "int64", "new_followers": "int64",
                       "median_reach": "float64", "bot_share": "float64", "label": "str"})


def representative_followers(assignments: pd.DataFrame, users: pd.DataFrame | None = None, *,
                             n: int = 5) -> pd.DataFrame:
    """The followers most firmly in each segment (highest membership, then best explained).

    Parameters
    ----------
    assignments : DataFrame
        From :meth:`TopicSegmenter.assign`.
    users : DataFrame, optional
        Canonical users frame, to show ``username`` and ``description``.
    n : int
        Followers per segment.

    Returns
    -------
    DataFrame
        ``segment`` (int), ``label`` (str), ``rank`` (int, 1 = most representative),
        ``follower_id`` (str), ``membership`` (float), ``explained`` (float), ``username`` and
        ``description`` (str, empty without users).
    """
    frame = assignments[assignments["segment"] >= 0]
    frame = frame.sort_values(["segment", "membership", "explained", "follower_id"],
                              ascending=[True, False, False, True], kind="stable")
    top = frame.groupby("segment", sort=True).head(n).copy()
    top["rank"] = top.groupby("segment").cumcount() + 1
    top = top[["segment", "label", "rank", "follower_id", "membership", "explained"]]
    if users is not None:
        info = users.drop_duplicates("id", keep="last")[["id", "username", "description"]]
        info = info.rename(columns={"id": "follower_id"}).astype({"follower_id": "str"})
        top = top.merge(info, on="follower_id", how="left")
    else:
        top["username"] = ""
        top["description"] = ""
    return top.reset_index(drop=True).astype({"username": "str", "description": "str"})


def segment_drift(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """How the segments moved between two months, segment by segment.

    Both frames come from :meth:`TopicSegmenter.assign` with the *same* fitted model (so segment
    numbers mean the same thing), e.g. last month's followers and this month's.

    Returns
    -------
    DataFrame
        One row per segment: ``segment`` (int), ``label`` (str), ``followers_before``,
        ``followers_after`` (int), ``share_before``, ``share_after``, ``share_change`` (float:
        after minus before, in share points), ``stayed`` (int: followers in both months in the
        same segment), ``moved_in``, ``moved_out`` (int: followers in both months who changed
        segment, into or out of this one), ``explained_before``, ``explained_after`` (float:
        mean fit of the segments to the followers; a drop means the model is ageing and should be
        refitted). The frame's ``attrs["switch_rate"]`` is the share of followers present in both
        months whose segment changed.
    """
    def counts(frame):
        return frame.groupby("segment").agg(followers=("follower_id", "size"),
                                            explained=("explained", "mean"))

    b, a = counts(before), counts(after)
    labels = pd.concat([before[["segment", "label"]], after[["segment", "label"]]]) \
        .drop_duplicates("segment", keep="last").set_index("segment")["label"]
    segs = sorted(set(b.index) | set(a.index))
    out = pd.DataFrame({"segment": segs})
    out["label"] = labels.reindex(segs).to_numpy()
    out["followers_before"] = b["followers"].reindex(segs).fillna(0).astype("int64").to_numpy()
    out["followers_after"] = a["followers"].reindex(segs).fillna(0).astype("int64").to_numpy()
    out["share_before"] = out["followers_before"] / max(len(before), 1)
    out["share_after"] = out["followers_after"] / max(len(after), 1)
    out["share_change"] = out["share_after"] - out["share_before"]
    both = before[["follower_id", "segment"]].merge(after[["follower_id", "segment"]],
                                                   on="follower_id", suffixes=("_b", "_a"))
    same = both["segment_b"] == both["segment_a"]
    out["stayed"] = both[same].groupby("segment_a").size().reindex(segs).fillna(0) \
        .astype("int64").to_numpy()
    out["moved_in"] = both[~same].groupby("segment_a").size().reindex(segs).fillna(0) \
        .astype("int64").to_numpy()
    out["moved_out"] = both[~same].groupby("segment_b").size().reindex(segs).fillna(0) \
        .astype("int64").to_numpy()
    out["explained_before"] = b["explained"].reindex(segs).to_numpy()
    out["explained_after"] = a["explained"].reindex(segs).to_numpy()
    out.attrs["switch_rate"] = float((~same).mean()) if len(both) else float("nan")
    return out.astype({"label": "str"})


BOT_LABEL = "likely bots"

#: The label of segment -1: followers whose text names nothing the segments know (an empty or
#: very short bio and no posts), or everyone when there was too little text to segment at all.
#: Plain words, as the report's segment table, the ``topics`` CLI and the CSVs show it.
UNASSIGNED = "no clear topic"


def mark_bot_segments(assignments: pd.DataFrame, bot_score=None, *, bot_threshold: float = 0.5,
                      min_bot_share: float = 0.5) -> pd.DataFrame:
    """Report a segment that is mostly bots as bots, not as a topic.

    Spam and follow-back bots write alike, so NMF gives them a segment of their own, labelled
    with their giveaway words as if it were an interest of the audience. This names it for what
    it is.

    Parameters
    ----------
    assignments : DataFrame
        ``follower_id``, ``segment``, ``label`` (from :meth:`TopicSegmenter.assign`), and
        optionally ``bot_score``, used when ``bot_score`` is not given.
    bot_score : Series or DataFrame, optional
        Bot scores (0..1) by follower id, or a frame with ``follower_id`` (or ``id``) and
        ``bot_score``, such as the store's table "bot_scores". Followers without a score count
        in neither the numerator nor the denominator.
    bot_threshold : float
        A follower counts as a bot at or above this score.
    min_bot_share : float
        A segment is reported as bots when more than this share of its scored members are bots.

    Returns
    -------
    DataFrame
        ``assignments`` with the same rows and columns in the same order, ``label`` set to
        "likely bots" for the members of such segments, and two columns added: ``topic_label``
        (str: the label from the words, kept for reference) and ``bot_segment`` (bool).
        Unassigned followers (segment -1) are never a bot segment.
    """
    for col in ("follower_id", "segment", "label"):
        if col not in assignments.columns:
            raise FollowerKitError(f"mark_bot_segments: assignments lack column {col!r} "
                                   f"(expected TopicSegmenter.assign's frame)")
    if not 0.0 <= min_bot_share < 1.0:
        raise FollowerKitError(f"mark_bot_segments: min_bot_share must be in [0, 1), got "
                               f"{min_bot_share!r}")
    out = assignments.copy()
    ids = out["follower_id"].astype("str")
    if bot_score is None and "bot_score" in out.columns:
        bot_score = pd.Series(out["bot_score"].to_numpy(), index=ids.to_numpy())
    scores = _bot_scores(bot_score, ids)
    out["topic_label"] = out["label"].astype("str")
    if scores is None:
        out["bot_segment"] = False
        return out
    is_bot = pd.Series(np.where(np.isnan(scores), np.nan, scores >= bot_threshold),
                       index=out.index)
    share = is_bot.groupby(out["segment"].to_numpy()).mean()
    bot_segments = share.index[(share > min_bot_share) & (share.index >= 0)]
    out["bot_segment"] = out["segment"].isin(bot_segments).to_numpy()
    out.loc[out["bot_segment"], "label"] = BOT_LABEL
    return out.astype({"label": "str", "topic_label": "str", "bot_segment": "bool"})
