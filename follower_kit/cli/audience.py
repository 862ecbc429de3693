"""``follower-kit audience``: where followers are, their languages, what they read, how they relate
to the account, and who is influential in its topics."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np
import pandas as pd
from tqdm import tqdm

from .. import audience as layer
from ..analysis import insight, reading
from ..analysis.relations import profile_label
from ..text import csv_frame, terminal
from ..wording import plural
from .common import name_column, store_option

SECTIONS = ("countries", "languages", "domains", "mentions", "hashtags", "relation_counts",
            "relations", "influential")


def stored_results(store, data: layer.MonthData) -> tuple:
    """The segments and bot scores stored for the snapshot of ``data`` (each None when the store
    has none)."""
    def table(name):
        return store.read_table(name, data.account["id"], snapshot_at=data.snapshot_at,
                                latest_if_missing=True)

    segments = table("segments")
    if segments is not None and not {"follower_id", "label"} <= set(segments.columns):
        segments = None
    return segments, table("bot_scores")


@click.command("audience")
@click.argument("account")
@click.option("--at", default=None, metavar="WHEN",
              help="The snapshot: a time, YYYY-MM-DD or YYYY-MM (latest at or before it) "
                   "[default: the latest].")
@click.option("--baseline", default=None, metavar="ACCOUNT|previous",
              help="Another account in the store, or `previous` (the 30 days before the last "
                   "30): domains, mentions and hashtags gain its share and the lift (what is "
                   "distinctive about this audience, or new this month).")
@click.option("--top-n", default=10, show_default=True, type=click.IntRange(1),
              help="Rows per ranked section.")
@click.option("--inactive-days", default=90, show_default=True, type=click.IntRange(1),
              help="A follower with no post in this many days is inactive (where known).")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, writable=True), default=None,
              help="Also write each section as a CSV file into this folder.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object on the last line: account, snapshot_at, countries, "
                   "languages, languages_by_segment, domains, mentions, hashtags, relations, "
                   "influential.")
@store_option
def audience(store, account, at, baseline, top_n, inactive_days, csv_dir, as_json):
    """Audience insight for ACCOUNT: countries, languages, the websites, accounts and hashtags
    its followers use, how they relate to it (mutuals, not followed back, inactive, unfollowers,
    talk to) and who is influential within its topics.

    Works from an X archive alone for the relations (its following list and own tweets);
    profiles and tweets add the rest.

    \b
    follower-kit audience brightwave
    follower-kit audience brightwave --baseline datadock --json
    follower-kit audience brightwave --baseline previous
    follower-kit audience larsbrinkhoff --csv audience/
    """
    steps = tqdm(total=3, desc="audience", disable=as_json, leave=False)
    data = layer.load_snapshot(account, at, store=store)  # the shared month loader
    segments, scores = stored_results(store, data)
    steps.update()
    recent, base = None, None
    if baseline == "previous":  # this month's reading against the month before, same people
        recent, base = reading.month_windows(data.tweets, data.snapshot_at)
    elif baseline:
        base = store.tweets(store.resolve(baseline))
    steps.update()
    result = layer.insight(data, layer.AudienceOptions(top_n=top_n), segments=segments,
                           scores=scores, baseline_tweets=base, reading_tweets=recent,
                           inactive_days=inactive_days)
    steps.update()
    steps.close()
    if csv_dir:
        out = Path(csv_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name in SECTIONS:  # opened in spreadsheets: follower-written text stays text
            csv_frame(result[name]).to_csv(out / f"{name}.csv", index=False)
    if as_json:
        payload = {"account": data.account["username"],
                   "snapshot_at": data.snapshot_at.isoformat(),
                   **insight.insight_json(result)}
        click.echo(json.dumps(payload, ensure_ascii=False, default=str))
        return
    _print(data, result, top_n)
    if csv_dir:
        click.echo(f"\n{len(SECTIONS)} CSV files -> {csv_dir}")


def _pct(v) -> str:
    return "" if pd.isna(v) else f"{v:.1%}"


def _print(data, result, top_n) -> None:
    f = data.followers
    click.echo(f"@{data.account['username']}: {plural(len(f), 'follower')} at "
               f"{data.snapshot_at:%Y-%m-%d %H:%M} UTC")
    unprofiled = int(f["username"].isna().sum())
    if unprofiled:
        click.echo(f"{plural(unprofiled, 'follower')} {'is' if unprofiled == 1 else 'are'} "
                   "known by id only: countries, languages and "
                   "reading need profiles and tweets (`import archive --hydrate`).")
    click.echo("\nWhere they are")
    if layer.account_network(data) == "bluesky":
        click.echo("  (Bluesky profiles have no location field)")
    else:
        for r in result["countries"].itertuples():
            click.echo(f"  {r.country_name:<28} {r.followers:>8,} {_pct(r.share):>7}")
    click.echo("\nLanguages")
    for r in result["languages"].itertuples():
        click.echo(f"  {r.language:<28} {r.followers:>8,} {_pct(r.share):>7}")
    for kind, title in (("domains", "Websites they link to"), ("mentions", "Accounts they mention"),
                        ("hashtags", "Hashtags they use")):
        part = result[kind]
        click.echo(f"\n{title} (by distinct followers)")
        if part.empty:
            click.echo("  (none)")
        for r in part.itertuples():
            lift = f"  lift {r.lift:.1f}x" if "lift" in part.columns else ""
            short = " (shortener)" if getattr(r, "shortener", False) else ""
            click.echo(f"  {terminal(r.item, 60) + short:<36} {r.followers:>6,} followers{lift}")
    click.echo("\nHow they relate to you")
    for r in result["relation_counts"].itertuples():
        if r.known:  # 0 of 0 is a known nobody (e.g. following no one), not missing data
            said = "you follow no one" if r.relation == "not_following_back" and not r.assessed \
                else r.description
            click.echo(f"  {r.relation:<20} {r.count:>7,} of {r.assessed:>7,}  {said}")
        else:
            click.echo(f"  {r.relation:<20} {'':>7} {'':>10}  (not known from this data)")
    rel = result["relations"]
    for name, title in (("unfollowed", "Unfollowed you"), ("talk_to", "Talk to")):
        part = rel[rel["relation"] == name]
        # the named first, as the report lists them (an archive names some by its own posts)
        part = part.iloc[np.argsort(part["username"].isna().to_numpy(), kind="stable")]
        if len(part):
            click.echo(f"\n{title}")
            for r in part.head(top_n).itertuples():
                who = terminal(profile_label(r.user_id, r.username)) \
                    if isinstance(r.username, str) else r.profile_url  # a DID for handle.invalid
                detail = f"  {terminal(r.detail, 160)}" if isinstance(r.detail, str) else ""
                click.echo(f"  {who}{detail}")
            if len(part) > top_n:
                click.echo(f"  ... {len(part) - top_n:,} more (--csv DIR lists all)")
    click.echo("\nInfluential in your topics (reach x relevance)")
    if result["influential"].empty:
        click.echo("  (nobody: needs profiles and tweets)")
    rows = list(result["influential"].itertuples())
    # one column as wide as the longest name shown, so the scores line up under one another
    names, width = name_column([r.follower_id for r in rows], [r.username for r in rows], 20)
    for r, who in zip(rows, names):
        topics = terminal(r.topics, 80) if isinstance(r.topics, str) else "their bio"
        click.echo(f"  {who:<{width}} score {r.score:5.2f}  {r.in_audience} in "
                   f"the audience talk to them; posts on {topics}")
