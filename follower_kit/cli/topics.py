"""``follower-kit topics``: segment an audience by topic, and score the clustering on labeled text.

``follower-kit topics ACCOUNT`` segments the followers of a snapshot and writes two tables to the
store: "segments" (one row per follower) and "segment_summary" (one row per segment).
``follower-kit topics evaluate PATH`` clusters a labeled text file and prints NMI and ARI.
"""

from __future__ import annotations

import json
import math
import time

import click
import pandas as pd
from tqdm import tqdm

from .. import audience
from ..audience import DEFAULTS
from ..schema import require_profiles
from ..sources.texts import read_labeled_texts
from ..text import terminal
from .common import name_column, store_option


class _AccountOrCommand(click.Group):
    """``topics ACCOUNT`` runs the ``segment`` command; ``topics evaluate PATH`` the other one."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["segment", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_AccountOrCommand)
def topics() -> None:
    """Audience segments by topic: `topics ACCOUNT` to segment, `topics evaluate PATH` to score.

    An account literally named "evaluate" is reached with `topics segment evaluate`.
    """


def _n_segments(value: str):
    if value == "auto":
        return "auto"
    try:
        k = int(value)
    except ValueError:
        raise click.BadParameter(f"expected a number or 'auto', got {value!r}") from None
    if k < 2:
        raise click.BadParameter(f"need at least 2 segments, got {k}")
    return k


@topics.command("segment")
@click.argument("account")
@click.option("--at", default=None, metavar="WHEN",
              help="Snapshot at or before this time/date/month [default: latest].")
@click.option("--segments", "n_segments", default=str(DEFAULTS.segments), show_default=True,
              help="Number of segments, or 'auto' to choose it by stability.")
@click.option("--carry-over", is_flag=True,
              help="Fit the segments on the previous snapshot, so last month's segments and "
                   "labels carry over (by default they are fitted on this snapshot, as the report "
                   "does, so the counts agree with it; the drift since the previous snapshot "
                   "shows either way).")
@click.option("--max-tweets", default=20, show_default=True, type=click.IntRange(0),
              help="Recent tweets per follower in its document (0: bios only).")
@click.option("--embeddings", is_flag=True,
              help="Cluster sentence embeddings (extra [embeddings]; slow): all-MiniLM-L6-v2 "
                   "for an English audience, the multilingual USE v3 otherwise.")
@click.option("--top-n", "--top", "top", default=3, show_default=True, type=click.IntRange(0),
              help="Representative followers printed per segment.")
@click.option("--json", "as_json", is_flag=True,
              help='Print the summary as JSON records ("segment" is -1 for "no clear topic").')
@store_option
def segment(store, account: str, at, n_segments: str, carry_over: bool, max_tweets: int,
            embeddings: bool, top: int, as_json: bool) -> None:
    """Segment the followers of ACCOUNT by what they write, store the tables "segments" and
    "segment_summary" for the snapshot, and print one line per segment.

    \b
    follower-kit topics brightwave                     # the same as `topics segment`
    follower-kit topics segment brightwave --carry-over --json   # last month's segments
    """
    from ..analysis import topics as T

    k = _n_segments(n_segments)
    steps = tqdm(total=4, desc="topics", unit="step", leave=False)
    # the month's data and the segments the report shows (audience.segment); the latest
    # snapshot by default, as --help says (load_month alone takes the last full month)
    data = audience.load_snapshot(account, at, store=store)
    snapshot, users, handle = data.snapshot_at, data.followers, data.account["username"]
    snaps = store.snapshots(account)["snapshot_at"]
    earlier = snaps[snaps < snapshot]
    previous = None if earlier.empty else earlier.iloc[-1]
    if audience.profiled(users).empty:
        steps.close()
        require_profiles(users, handle, "segment")
    steps.update()
    options = audience.DEFAULTS.replace(segments=0 if k == "auto" else k)
    prev = (audience.load_month(account, store=store, at=previous) if previous is not None
            else None)
    fit_data = prev if (prev is not None and carry_over) else data
    fitted_on = fit_data.snapshot_at
    fitted, model = audience.segment(fit_data, options, max_tweets=max_tweets,
                                     embeddings=embeddings, return_model=True)
    assigned = (fitted if fit_data is data else
                audience.segment_with(model, data, max_tweets=max_tweets))
    before = None
    if prev is not None and model is not None:  # the drift since the previous snapshot
        before = (fitted if fit_data is prev else
                  audience.segment_with(model, prev, max_tweets=max_tweets))
    steps.update()
    bot_scores = store.read_table("bot_scores", account, snapshot_at=snapshot)
    if bot_scores is not None:  # a segment of mostly bots is reported as bots, not as a topic
        assigned = audience.mark_bot_segments(assigned, bot_scores)
        if before is not None:
            before = audience.mark_bot_segments(before, bot_scores)
    new_ids = None
    if previous is not None:
        changes = store.diff(account, before=previous, after=snapshot)
        new_ids = changes.loc[changes["change"] == "new", "id"]
    summary = T.segment_summary(assigned, users, bot_score=bot_scores, new_follower_ids=new_ids,
                                bot_threshold=options.bot_threshold)  # the report's threshold
    if before is not None:
        drift = T.segment_drift(before, assigned).set_index("segment")
        summary["share_change"] = drift["share_change"].reindex(summary["segment"]).to_numpy()
        summary["explained"] = drift["explained_after"].reindex(summary["segment"]).to_numpy()
    steps.update()
    store.write_table("segments", account, assigned.assign(snapshot_at=snapshot,
                                                           fitted_on=fitted_on),
                      snapshot_at=snapshot)
    store.write_table("segment_summary", account, summary.assign(snapshot_at=snapshot,
                                                                 fitted_on=fitted_on),
                      snapshot_at=snapshot)
    steps.update()
    steps.close()
    if as_json:
        click.echo(summary.to_json(orient="records", force_ascii=False))
        return
    click.echo(f"{len(assigned):,} followers of @{handle} at {snapshot:%Y-%m-%d %H:%M} UTC in "
               f"{model.n_segments_ if model else 0} segments fitted on the snapshot of "
               f"{fitted_on:%Y-%m-%d}"
               + ("" if bot_scores is not None else
                  " (no bot scores yet: run `follower-kit bots score` for the bot share)"))
    _print_summary(summary, with_new=previous is not None)
    if before is not None:
        switch = T.segment_drift(before, assigned).attrs["switch_rate"]
        click.echo(f"\n{switch:.1%} of the followers present in both months changed segment; "
                   f"'change' is the share change since {previous:%Y-%m-%d}, 'fit' the mean share "
                   f"of a follower's text the segments explain (a fall means: refit).")
    if top:
        reps = T.representative_followers(assigned, users, n=top)
        click.echo("")
        names, width = name_column(reps["follower_id"], reps["username"], 17)
        reps = reps.assign(shown_as=names)
        for seg, group in reps.groupby("segment", sort=False):
            click.echo(f"[{seg}] {terminal(group['label'].iloc[0])}")
            for _, r in group.iterrows():
                bio = terminal(r["description"], 70)
                click.echo(f"     {r['shown_as']:<{width}} {bio}")


def _pct(v) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0%}"


def _seg_number(segment) -> str:
    """The segment number as the table shows it: blank for "no clear topic" (segment -1), whose
    label says what it is; the JSON and the stored tables keep -1."""
    return "" if segment < 0 else str(segment)


def _print_summary(summary: pd.DataFrame, *, with_new: bool = True) -> None:
    """One line per segment; no "new" column on a first snapshot, where nobody can be new."""
    has_drift = "share_change" in summary.columns
    head = (f"\n{'seg':>3}  {'label':<44} {'followers':>9} {'share':>6} {'reach':>7} {'bots':>5}"
            + (f" {'new':>5}" if with_new else "")
            + (f" {'change':>7} {'fit':>5}" if has_drift else ""))
    click.echo(head)
    for _, r in summary.iterrows():
        reach = "" if pd.isna(r["median_reach"]) else f"{r['median_reach']:,.0f}"
        line = (f"{_seg_number(r['segment']):>3}  {terminal(r['label'], 44):<44} "
                f"{r['followers']:>9,} {_pct(r['share']):>6} {reach:>7} {_pct(r['bot_share']):>5}"
                + (f" {_pct(r['new_share']):>5}" if with_new else ""))
        if has_drift:
            change = "" if pd.isna(r["share_change"]) else f"{r['share_change'] * 100:+.1f}pt"
            line += f" {change:>7} {_pct(r['explained']):>5}"
        click.echo(line)


@topics.command("evaluate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--segments", "n_segments", default=None,
              help="Number of clusters [default: the number of labels]; 'auto' lets the kit "
                   "choose.")
@click.option("--compare", is_flag=True,
              help="Also run the peers on the same texts: textbook word TF-IDF + NMF, char "
                   "2-4-gram TF-IDF + NMF, and with the [embeddings] extra MiniLM and "
                   "multilingual USE + k-means. Each prints its result or a one-line failure.")
@click.option("--embeddings", is_flag=True, help="Cluster sentence embeddings instead "
                                                 "(extra [embeddings]).")
@click.option("--embedding-model", default="auto", show_default=True,
              help="With --embeddings: auto (by language), minilm, use-m3 or a model directory.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: nmi, ari, texts, labels, segments, seconds, and with "
                   "--compare PEER_nmi, PEER_ari and peers (each peer's scores or error).")
def evaluate(path: str, n_segments, compare: bool, embeddings: bool, embedding_model: str,
             as_json: bool) -> None:
    """Cluster the texts of PATH (JSONL or CSV with text and label, or TweetTopic's topics list,
    single-label rows kept) and print NMI and ARI against the labels.

    \b
    follower-kit topics evaluate ../shared/data/topics/tweettopicxl/en_1000.jsonl --compare
    follower-kit topics evaluate labeled.csv --json
    """
    from ..analysis import topic_eval
    from ..analysis import topics as T

    texts, labels, skipped = read_labeled_texts(path)
    k = len(set(labels)) if n_segments is None else _n_segments(n_segments)
    start = time.perf_counter()
    # no lower bound on segment size: every method gets the same k, the number of labels
    model = T.TopicSegmenter(n_segments=k, embeddings=embeddings, min_segment_size=1,
                             embedding_model=embedding_model).fit(texts)
    out = {**T.cluster_scores(labels, model.labels_), "texts": len(texts),
           "labels": len(set(labels)), "segments": int(model.n_segments_),
           "seconds": round(time.perf_counter() - start, 3), "skipped_multi_label": skipped}
    if not as_json:
        click.echo(f"{len(texts):,} texts, {out['labels']} labels, {out['segments']} segments"
                   + (f" ({skipped:,} multi-label rows skipped)" if skipped else ""))
        click.echo(f"{'follower-kit':<30} NMI {out['nmi']:.3f}  ARI {out['ari']:.3f}  "
                   f"{out['seconds']:.1f} s")
    if compare:
        out["peers"] = {}
        for method in topic_eval.installed_peers():
            row = topic_eval.compare(texts, labels, int(model.n_segments_),
                                     methods=[method]).iloc[0]
            if row["error"]:
                out["peers"][method] = {"error": row["error"]}
                line = f"{row['name']:<30} failed: {row['error']}"
            else:
                out[f"{method}_nmi"], out[f"{method}_ari"] = row["nmi"], row["ari"]
                out["peers"][method] = {"nmi": row["nmi"], "ari": row["ari"],
                                        "seconds": round(row["seconds"], 3)}
                line = (f"{row['name']:<30} NMI {row['nmi']:.3f}  ARI {row['ari']:.3f}  "
                        f"{row['seconds']:.1f} s")
            if not as_json:
                click.echo(line)
    if as_json:
        click.echo(json.dumps(out))
