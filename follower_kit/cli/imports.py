"""``follower-kit import``: an X data archive or twarc2 files into the store."""

from __future__ import annotations

import click

from ..sources import archive as archive_source
from ..sources import twarc as twarc_source
from .common import store_option
from .pull import api_options, make_client


@click.group("import")
def import_() -> None:
    """Import followers from an X data archive or twarc2 JSONL files."""


@import_.command("archive")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--hydrate", is_flag=True,
              help="Fetch follower profiles with the X API (needs X_BEARER_TOKEN).")
@api_options
@store_option
def archive_cmd(store, paths, hydrate, api_url, timeout):
    """Import X data archives (folders or .zip): one snapshot per archive, dated by its
    generation date, so several exports of one account form a series.

    A folder holding several archives (each export unpacked or zipped side by side) imports
    each of them.
    """
    client = make_client(api_url, timeout) if hydrate else None
    expanded = []
    for given in paths:
        found = archive_source.archives_in(given)
        if len(found) > 1:
            click.echo(f"{given}: {len(found)} archives, importing each")
        expanded += found
    for path in expanded:
        ref = archive_source.import_archive(
            store, path, lookup=client.lookup_users if client else None)
        state = "imported" if ref.created else "already in the store"
        click.echo(f"{path}: {ref.followers:,} followers at {ref.snapshot_at:%Y-%m-%d %H:%M} "
                   f"UTC ({state})")


@import_.command("twarc")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--account", required=True,
              help="Whose followers the pages hold (handle; the id is read from /followers "
                   "URLs, else give a numeric id).")
@click.option("--account-id", default=None, type=click.STRING,
              help="The account's numeric id, when the pages hold no /followers URL to read it "
                   "from and the account is not in the store yet.")
@click.option("--at", default=None, help="Snapshot time (default: when the pages were "
                                         "retrieved).")
@store_option
def twarc_cmd(store, paths, account, account_id, at):
    """Import twarc2 JSONL output (follower, user lookup and timeline pages) as one snapshot."""
    if account_id is not None and not account_id.isdigit():
        raise click.BadParameter(f"{account_id!r} is not a numeric X id", param_hint="--account-id")
    who = {"id": account_id, "username": account.strip().removeprefix("@")} if account_id \
        else account
    ref = twarc_source.import_twarc(store, list(paths), account=who, at=at)
    state = "imported" if ref.created else "already in the store"
    click.echo(f"{account}: {ref.followers:,} followers at {ref.snapshot_at.isoformat()} "
               f"({state})")
