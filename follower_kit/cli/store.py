"""``follower-kit store``: look inside the snapshot store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from tqdm.auto import tqdm

from ..text import terminal
from ..wording import plural
from .common import store_option


@click.group()
def store() -> None:
    """Inspect the snapshot store."""


@store.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@store_option
def info(store, as_json: bool) -> None:
    """Accounts, their snapshots and the follower count of each.

    \b
    follower-kit store info
    follower-kit store info --json --store data/store
    """
    data = store.info()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if not data["accounts"]:
        click.echo(f"{store.path}: empty. Run `follower-kit sample` or an import to fill it.")
        return
    click.echo(f"store: {store.path}")
    damaged = False
    for acct in data["accounts"]:
        click.echo(f"\n@{acct['username']} (id {acct['account_id']}), "
                   f"{plural(len(acct['snapshots']), 'snapshot')}")
        # Bluesky has posts, not tweets
        posts = "posts" if acct.get("network") == "bluesky" else "tweets"
        click.echo(f"  {'snapshot':<26} {'source':<8} {'followers':>10} {posts:>9}")
        for s in acct["snapshots"]:
            broken = "  BROKEN: " + terminal("; ".join(s["problems"]), 200) \
                if s["problems"] else ""
            click.echo(f"  {s['snapshot_at']:<26} {s['source']:<8} {s['followers']:>10,} "
                       f"{s['tweets']:>9,}{broken}")
            damaged = damaged or bool(s["problems"])
        apart = [f"{n:,} {posts if what == 'tweets' else what}"
                 for what, n in acct.get("apart", {}).items() if n]
        if apart:
            click.echo(f"  and beside the snapshots: {' and '.join(apart)} (pull tweets, "
                       "timelines, hydrated profiles)")
        if acct["unavailable"]:
            click.echo(f"  {plural(acct['unavailable'], 'follower')} X reported deleted or "
                       "suspended (--hydrate skips them; --retry-unavailable asks again)")
    if damaged:
        click.secho("\nsome snapshots are broken: `follower-kit store check` names every "
                    "damaged file and can quarantine them", fg="red", err=True)
        sys.exit(1)


@store.command("check")
@click.option("--quarantine", is_flag=True,
              help="Move each broken snapshot (or file kept beside them) to <store>/quarantine/, "
                   "after asking; nothing is deleted.")
@click.option("-y", "--yes", is_flag=True, help="With --quarantine, do not ask.")
@store_option
def check(store, quarantine: bool, yes: bool) -> None:
    """Read every file of every snapshot and name what is broken (exit 1 if anything is).

    A snapshot whose files are truncated, foreign or hold text DuckDB cannot read makes every
    command on its account fail; --quarantine moves it out of the way, keeping it.

    \b
    follower-kit store check
    follower-kit store check --quarantine
    """
    if not (store.path / "accounts").is_dir():
        click.echo(f"{store.path}: empty, nothing to check")
        return
    with tqdm(desc="checking files", unit="file", leave=False) as bar:
        problems = store.check(progress=bar.update)
    if problems.empty:
        click.echo(f"{store.path}: every file reads back whole")
        return
    for r in problems.itertuples():
        click.echo(f"BROKEN {r.path}: {terminal(r.problem, 300)}")
    targets = list(dict.fromkeys(str(Path(p).parent) if Path(p).parent.parent.name == "snapshots"
                                 else p for p in problems["path"]))
    if quarantine:
        if not yes:
            click.echo(f"\n{plural(len(targets), 'snapshot or file')} to move to "
                       f"{store.path / 'quarantine'}:")
            for t in targets:
                click.echo(f"  {t}")
            click.confirm("Quarantine them (the data stays on disk, out of the readers' way)?",
                          abort=True)
        for t in targets:
            click.echo(f"quarantined {t} -> {store.quarantine(t)}")
        return
    click.echo(f"\n{plural(len(problems), 'problem')}; `follower-kit store check --quarantine` "
               "moves the broken snapshots aside (nothing is deleted)")
    sys.exit(1)
