"""``follower-kit store``: look inside the snapshot store."""

from __future__ import annotations

import json

import click

from ..wording import plural
from .common import store_option


@click.group()
def store() -> None:
    """Inspect the snapshot store."""


@store.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@store_option
def info(store, as_json: bool) -> None:
    """Accounts, their snapshots and the follower count of each."""
    data = store.info()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if not data["accounts"]:
        click.echo(f"{store.path}: empty. Run `follower-kit sample` or an import to fill it.")
        return
    click.echo(f"store: {store.path}")
    for acct in data["accounts"]:
        click.echo(f"\n@{acct['username']} (id {acct['account_id']}), "
                   f"{plural(len(acct['snapshots']), 'snapshot')}")
        click.echo(f"  {'snapshot':<26} {'source':<8} {'followers':>10} {'tweets':>9}")
        for s in acct["snapshots"]:
            click.echo(f"  {s['snapshot_at']:<26} {s['source']:<8} {s['followers']:>10,} "
                       f"{s['tweets']:>9,}")
        apart = [f"{n:,} {what}" for what, n in acct.get("apart", {}).items() if n]
        if apart:
            click.echo(f"  and beside the snapshots: {' and '.join(apart)} (pull tweets, "
                       "timelines, hydrated profiles)")
        if acct["unavailable"]:
            click.echo(f"  {plural(acct['unavailable'], 'follower')} X reported deleted or "
                       "suspended (--hydrate skips them; --retry-unavailable asks again)")
