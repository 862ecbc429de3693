"""``follower-kit growth`` and ``follower-kit triage``: follower counts over time, and who to act on."""

from __future__ import annotations

import json

import click
import numpy as np
import pandas as pd
from tqdm import tqdm

from .. import audience
from ..analysis import growth as growth_analysis
from ..analysis import triage as triage_analysis
from ..analysis.relations import profile_label
from ..audience import DEFAULTS
from ..report.prose import block_people_sentence
from ..schema import HYDRATE_HINT
from ..text import csv_frame, terminal
from ..wording import plural
from .common import made_parent, name_column, out_file_option, store_option


def _int(v):
    return None if pd.isna(v) else int(v)


@click.command("growth")
@click.argument("account")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of {snapshot_at, followers, new, lost}.")
@click.option("--monthly", is_flag=True, help="One row per calendar month instead of per snapshot.")
@store_option
def growth(store, account: str, as_json: bool, monthly: bool) -> None:
    """Followers per snapshot, with the new and lost followers since the one before.

    ACCOUNT is a username, @handle or account id in the store.

    \b
    follower-kit growth brightwave
    follower-kit growth brightwave --monthly --json
    """
    account_id = store.resolve(account)
    snaps = store.snapshots(account_id)["snapshot_at"]
    edges = store.follower_edges(account_id)
    departures = store.departures(account_id)
    if monthly:
        table = growth_analysis.monthly_growth(edges, snapshots=snaps, departures=departures)
        key, label = "month", "month"
    else:
        table = growth_analysis.follower_counts(edges, snapshots=snaps, departures=departures)
        key, label = "snapshot_at", "snapshot"
    # lost told apart (unfollowed, account gone) only where a Bluesky pull checked them
    split = bool(departures.attrs.get("checked")) and table["gone"].notna().any()
    if as_json:
        rows = [{key: row[key].isoformat(), "followers": int(row["followers"]),
                 "new": _int(row["new"]), "lost": _int(row["lost"]),
                 **({"unfollowed": _int(row["unfollowed"]), "gone": _int(row["gone"])}
                    if split else {})}
                for _, row in table.iterrows()]
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"@{store.snapshots(account_id)['username'].iloc[-1]}: {len(table)} "
               f"{label}{'s' * (len(table) != 1)}")
    parts = ("new", "lost", *(("unfollowed", "gone") if split else ()), "net")
    click.echo(f"{label:<26} {'followers':>10} "
               + " ".join(f"{c:>{max(8, len(c))}}" for c in parts) + f" {'churn':>7}")
    for _, row in table.iterrows():
        when = row[key].strftime("%Y-%m") if monthly else row[key].isoformat()
        cells = (("" if pd.isna(row[c]) else f"{int(row[c]):+,}" if c == "net"
                  else f"{int(row[c]):,}") for c in parts)
        churn = "" if pd.isna(row["churn_rate"]) else f"{row['churn_rate']:.1%}"
        click.echo(f"{when:<26} {int(row['followers']):>10,} "
                   + " ".join(f"{v:>{max(8, len(c))}}" for v, c in zip(cells, parts))
                   + f" {churn:>7}")
    if split:
        click.echo("unfollowed: left while their account stays; gone: account deleted, "
                   "deactivated or suspended (checked by Bluesky pulls; blank where not)")


@click.command("changes")
@click.argument("account")
@click.option("--before", default=None, metavar="WHEN",
              help="The earlier snapshot: a time, YYYY-MM-DD or YYYY-MM (latest at or before "
                   "it) [default: the one before --after].")
@click.option("--after", default=None, metavar="WHEN",
              help="The later snapshot, same forms [default: the latest].")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(0),
              help="Followers printed per list (0: all).")
@out_file_option("--csv", "csv_path",
                 help="Also write every new and lost follower with their profile to this CSV file.")
@click.option("--json", "as_json", is_flag=True, help="Print every change as JSON records.")
@store_option
def changes(store, account: str, before, after, limit: int, csv_path, as_json: bool) -> None:
    """Who followed and who left ACCOUNT between two snapshots (default: the last two), with
    their profiles: the newest followers first.

    \b
    follower-kit changes brightwave
    follower-kit changes brightwave --before 2026-06 --csv new-since-june.csv
    """
    account_id = store.resolve(account)
    # named as the report names them: from the own posts where there is no profile
    diff = audience.changes(account_id, before=before, after=after, store=store)
    before_at, after_at = diff.attrs["before"], diff.attrs["after"]
    columns = ["change", "left", "id", "username", "name", "followers_count", "following_count",
               "tweet_count", "created_at", "description", "position"]
    out = diff[[c for c in columns if c in diff.columns]]
    if csv_path:  # opened in spreadsheets: a follower named "=HYPERLINK(...)" must stay text
        csv_frame(out).to_csv(made_parent(csv_path), index=False)
    if as_json:
        click.echo(out.to_json(orient="records", date_format="iso", force_ascii=False, indent=2))
        return
    new, lost = (diff[diff["change"] == c] for c in ("new", "lost"))
    handle = store.snapshots(account_id)["username"].iloc[-1]
    click.echo(f"@{handle}: {len(new):,} new and {len(lost):,} lost between "
               f"{before_at:%Y-%m-%d %H:%M} and {after_at:%Y-%m-%d %H:%M} UTC")
    # one name column for both lists, as wide as the names shown (the named come first)
    named = pd.concat([p[p["username"].notna()].head(limit or None) for p in (new, lost)])
    width = name_column(named["id"], named["username"], 18)[1]
    for title, part in (("New followers, newest first", new), ("Lost followers", lost)):
        click.echo(f"\n{title} ({len(part):,}{_how_left(part)})")
        if part.empty:
            click.echo("  (nobody)")
        # the named first, as the report lists them, so that --limit keeps those a reader knows
        part = part.iloc[np.argsort(part["username"].isna().to_numpy(), kind="stable")]
        shown = part if not limit else part.head(limit)
        # Bluesky's handle.invalid names no one: the DID does (name_column)
        names = name_column(shown["id"], shown["username"], width)[0]
        for who, row in zip(names, shown.itertuples()):
            if isinstance(row.username, str):
                fol = "" if pd.isna(row.followers_count) else \
                    f"{int(row.followers_count):,} followers"
                bio = terminal(row.description, 60)
                if pd.isna(row.observed_at):  # a handle from the own posts, not a profile
                    bio = "(named in your posts; no profile in the store)"
                if _gone(row):
                    bio = f"(account gone) {bio}"
                click.echo(f"  {who:<{width}} {fol:>18}  {bio}")
            else:
                gone = " (account gone)" if _gone(row) else ""
                click.echo(f"  id {row.id} (no profile in the store){gone}")
        if limit and len(part) > limit:
            click.echo(f"  ... {len(part) - limit:,} more (--limit 0 lists all; --csv FILE "
                       "writes them with their profiles)")
    if csv_path:
        click.echo(f"\n{len(out):,} changes with their profiles -> {csv_path}")


def _gone(row) -> bool:
    left = getattr(row, "left", None)
    return isinstance(left, str) and left == growth_analysis.LEFT_WORDS[True]


def _how_left(lost: pd.DataFrame) -> str:
    """``": 48 unfollowed, 5 accounts gone"`` when every lost follower was checked (Bluesky),
    ``""`` otherwise (X: unknown)."""
    if lost.empty or "left" not in lost.columns or lost["left"].isna().any():
        return ""
    gone = int((lost["left"] == growth_analysis.LEFT_WORDS[True]).sum())
    return (f": {len(lost) - gone:,} unfollowed, {gone:,} "
            f"account{'s' * (gone != 1)} gone (deleted, deactivated or suspended)")


TITLES = {
    "follow_back": "Follow back: likely human, active, on your topics",
    "check_out": "Worth checking out: notable new followers",
    "block": "Likely bots and spam to block",
    "talk_to": "Conversation openings",
}
#: The follow-back list's title when it comes from the own posts (no follower has a profile).
TALKED_TITLE = "Follow back: followers you talked to in your own posts"


@click.command("triage")
@click.argument("account")
@click.option("--top-n", "--limit", "limit", default=10, show_default=True,
              type=click.IntRange(0), help="Entries shown per list (0: all).")
@click.option("--bot-threshold", default=DEFAULTS.bot_threshold, show_default=True,
              type=click.FloatRange(0, 1),
              help="Bot score below which a follower counts as likely human.")
@click.option("--block-threshold", default=DEFAULTS.block_threshold, show_default=True,
              type=click.FloatRange(0, 1), help="Bot score from which a follower is to block.")
@click.option("--topic", "topics", multiple=True,
              help="A topic keyword or hashtag (repeat). Default: the hashtags followers use most.")
@click.option("--keyword", "keywords", multiple=True,
              help="A keyword the client cares about (repeat): it defines 'on your topics' "
                   "and ranks follow back and check out by relevance first, reach second.")
@out_file_option("--csv", "csv_path",
                 help="Also write every entry of the four lists (whatever --limit) to this CSV "
                      "file.")
@click.option("--json", "as_json", is_flag=True, help="Print the lists as JSON records.")
@store_option
def triage(store, account: str, limit: int, bot_threshold: float, block_threshold: float,
           topics: tuple[str, ...], keywords: tuple[str, ...], csv_path, as_json: bool) -> None:
    """Who to follow back, check out, block, or talk to, each with the reason.

    Uses the latest snapshot, its followers' tweets, the table "following", and the tables
    "bot_scores" and "segments" of that snapshot when the store holds them (`follower-kit bots
    score` and `follower-kit topics` write them); else it computes them as the report does.

    \b
    follower-kit triage brightwave
    follower-kit triage brightwave --csv triage.csv   # every entry, e.g. the whole block list
    """
    options = audience.DEFAULTS.replace(bot_threshold=bot_threshold,
                                        block_threshold=block_threshold)
    steps = tqdm(total=4, desc="triage", disable=as_json, leave=False)
    data = audience.load_snapshot(account, store=store)
    followers, at, snaps = data.followers, data.snapshot_at, data.snapshots
    steps.update()
    # the tables of this snapshot when `bots score` and `topics` wrote them, else computed by
    # the same steps the report takes
    bot_scores = store.read_table("bot_scores", data.account["id"], snapshot_at=at)
    if bot_scores is not None and "bot_score" not in bot_scores.columns:
        bot_scores = None
    if bot_scores is None and not audience.profiled(followers).empty:
        bot_scores = audience.score_bots(data, options)
    steps.update()
    segments = store.read_table("segments", data.account["id"], snapshot_at=at)
    if segments is not None and "label" not in segments.columns:
        segments = None
    if segments is None:
        segments = audience.segment(data, options)
    steps.update()
    # every entry, so each list's title counts all of it (the screen shows --top-n of them)
    out = audience.triage(data, bot_scores, segments, options, topics=topics, keywords=keywords,
                          top_n=None)
    steps.update()
    steps.close()
    if csv_path:  # opened in spreadsheets: a follower named "=HYPERLINK(...)" must stay text
        csv_frame(out).to_csv(made_parent(csv_path), index=False)
    shown = out.groupby("list", sort=False).head(limit) if limit else out
    if as_json:
        click.echo(shown.to_json(orient="records", force_ascii=False, indent=2))
        return
    click.echo(f"@{snaps['username'].iloc[-1]}: {plural(len(followers), 'follower')} at "
               f"{at.isoformat()}"
               + ("" if data.following is not None else "; no following list stored"))
    unprofiled = int(followers["username"].isna().sum())
    # an archive alone: the follow-back list comes from the own posts, the rest need profiles
    from_posts = bool(len(followers)) and unprofiled == len(followers) \
        and (out["list"] == "follow_back").any()
    if from_posts:
        click.echo(f"{plural(unprofiled, 'follower')} {'is' if unprofiled == 1 else 'are'} "
                   "known by id only (no profile): the follow-back list comes from your own "
                   "posts; new followers to check out, bots to block and conversation "
                   f"openings need profiles. {HYDRATE_HINT}")
    elif unprofiled:
        click.echo(f"{plural(unprofiled, 'follower')} "
                   f"{'is' if unprofiled == 1 else 'are'} known by id only (no profile), so "
                   f"{'it is' if unprofiled == 1 else 'they are'} left out. {HYDRATE_HINT}")
    if out.empty and len(followers) and unprofiled == len(followers):
        # nothing to rank, said once rather than "(nobody)" under every list
        click.echo(f"Nothing to rank without profiles; `follower-kit audience "
                   f"{snaps['username'].iloc[-1]}` lists the followers you replied to or "
                   f"mentioned in your own posts.")
        return
    for name in ("follow_back",) if from_posts else triage_analysis.LISTS:
        part = out[out["list"] == name]
        title = TALKED_TITLE if from_posts else TITLES[name]
        click.echo(f"\n{title} ({len(part):,})")
        if part.empty:
            click.echo("  (nobody can be new yet: this is the first snapshot on record)"
                       if name == "check_out" and data.first_month else "  (nobody)")
        for row in shown[shown["list"] == name].itertuples():
            who = terminal(profile_label(row.follower_id, row.username)) \
                if isinstance(row.username, str) else f"id {row.follower_id}"
            click.echo(f"  {row.rank:>3}. {who}  {terminal(row.reason)}")
        if limit and len(part) > limit:
            click.echo(f"  ... {len(part) - limit:,} more"
                       + (f" in {csv_path}" if csv_path else " (--csv FILE writes every entry)"))
        if name == "block" and len(part):
            said = audience.block_people(bot_scores, options, profiles=followers)
            if said["people_share"] is not None:
                click.echo("  " + block_people_sentence(
                    said["people_share"], said["people_share_typical"], v2=said["people_v2"]))
            elif said["basis"]:
                click.echo("  " + said["basis"])
            elif not audience.kit_scored(bot_scores):
                click.echo("  Scored by the hand-set rules (a stored `bots score --rules`, or "
                           "an audience the model cannot read): how many people such a list "
                           "holds is measured for the shipped model only.")
    if csv_path:
        click.echo(f"\n{len(out):,} entries of the four lists -> {csv_path}")
