"""``follower-kit import``: an X data archive or twarc2 files into the store."""

from __future__ import annotations

import re

import click
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from .. import ingest
from ..sources import archive as archive_source
from ..sources import x_api
from ..store import AsideRef
from ..wording import plural
from .common import store_option
from .pull import api_options, confirm, make_client, plan_options


_LIMITS = archive_source.Limits()


class _Size(click.ParamType):
    """A size in bytes: ``500MB``, ``2GiB``, ``1.5G`` or a plain number of bytes."""

    name = "size"
    _UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1000, "kib": 1 << 10, "m": 1 << 20,
              "mb": 1000 ** 2, "mib": 1 << 20, "g": 1 << 30, "gb": 1000 ** 3, "gib": 1 << 30,
              "t": 1 << 40, "tb": 1000 ** 4, "tib": 1 << 40}

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", str(value))
        unit = m.group(2).lower() if m else None
        if m is None or unit not in self._UNITS:
            self.fail(f"{value!r} is not a size (e.g. 500MB, 2GiB)", param, ctx)
        return int(float(m.group(1)) * self._UNITS[unit])


SIZE = _Size()


@click.group("import")
def import_() -> None:
    """Import followers from an X data archive or twarc2 JSONL files."""


@import_.command("archive")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--hydrate", is_flag=True,
              help="Fetch the profiles of followers that have none in the store yet, with the X "
                   "API (needs X_BEARER_TOKEN; 100 ids a request). Also works on archives "
                   "imported before; an interrupted run resumes.")
@click.option("--retry-unavailable", is_flag=True,
              help="With --hydrate, also ask again for followers X reported deleted or "
                   "suspended on an earlier run (remembered and skipped, as each lookup is "
                   "paid).")
@click.option("--force", is_flag=True,
              help="Import an archive whose follower list is far shorter than its manifest "
                   "says, or whose zip holds a data file twice (refused otherwise).")
@click.option("--max-file-size", type=SIZE, default=_LIMITS.file_bytes, show_default="2GiB",
              help="Largest uncompressed data file read (e.g. 4GiB).")
@click.option("--max-total-size", type=SIZE, default=_LIMITS.total_bytes, show_default="8GiB",
              help="Largest sum of the data files read from one archive.")
@click.option("--max-ratio", type=click.FloatRange(1), default=_LIMITS.ratio, show_default=True,
              help="Largest compression ratio of a zip member over 1 MiB (zip bombs exceed it).")
@plan_options
@api_options
@store_option
def archive_cmd(store, paths, hydrate, retry_unavailable, force, max_file_size, max_total_size,
                max_ratio, dry_run, prices, yes, api_url, timeout):
    """Import X data archives (folders or .zip): one snapshot per archive, dated by its
    generation date, so several exports of one account form a series.

    A folder holding several archives (each export unpacked or zipped side by side) imports
    each of them. With --hydrate, the profile lookups' requests, time and cost are shown first
    (--dry-run shows only that) and, above the cost threshold, confirmed.

    \b
    follower-kit import archive ~/Downloads/twitter-2023-08-20.zip
    follower-kit import archive exports/ --hydrate --dry-run
    """
    limits = archive_source.Limits(file_bytes=max_file_size, total_bytes=max_total_size,
                                   ratio=max_ratio)
    client = make_client(api_url, timeout) if hydrate and not dry_run else None
    table = x_api.load_plan_table(prices) if hydrate else None
    expanded = []
    for given in paths:
        found = archive_source.archives_in(given)
        if len(found) > 1:
            click.echo(f"{given}: {len(found)} archives, importing each")
        expanded += found
    for path in expanded:
        if dry_run:
            arc = archive_source.read_archive(path, limits=limits, force=force)
            click.echo(f"{path}: {len(arc.followers):,} followers (dry run: nothing imported)")
            if hydrate:
                plan, _, _ = _plan_hydrate(store, arc.account["id"], arc.account["username"],
                                           table, retry_unavailable,
                                           ids=arc.followers["follower_id"])
                click.echo(plan.describe())
            continue
        ref = ingest.import_archive(store, path, limits=limits, force=force)
        state = "imported" if ref.created else "already in the store"
        click.echo(f"{path}: {plural(ref.followers, 'follower')} at "
                   f"{ref.snapshot_at:%Y-%m-%d %H:%M} "
                   f"UTC ({state})")
        if client is not None:
            _hydrate(store, ref, client, table, yes, retry_unavailable)


def _plan_hydrate(store, account_id, username, table, retry_unavailable, **where):
    """The plan of a hydration, the ids it asks for, and how many followers it leaves out
    because X reported them deleted or suspended before (a note in the plan says so).
    ``where``: ``ids`` or ``at``, as for :func:`~follower_kit.ingest.missing_profiles`.
    """
    wanted = ingest.missing_profiles(store, account_id, retry_unavailable=True, **where)
    ids = wanted if retry_unavailable else \
        ingest.without_unavailable(store, account_id, wanted)
    plan = x_api.plan_hydrate(len(ids), username=username, table=table)
    skipped = len(wanted) - len(ids)
    if skipped:
        plan.notes.append(f"{plural(skipped, 'follower')} X reported deleted or suspended "
                          f"{'is' if skipped == 1 else 'are'} not asked for again "
                          "(--retry-unavailable asks)")
    return plan, ids, skipped


def _hydrate(store, ref, client, table, yes, retry_unavailable) -> None:
    username = store.snapshots(ref.account_id)["username"].iloc[-1]
    plan, ids, skipped = _plan_hydrate(store, ref.account_id, username, table,
                                       retry_unavailable, at=ref.snapshot_at)
    if not ids and not skipped:
        click.echo(f"  profiles: all {ref.followers:,} already in the store")
        return
    if not ids:
        stored = ref.followers - skipped
        click.echo(f"  profiles: {f'{stored:,}' if stored else 'none'} in the store; "
                   f"{plan.notes[-1]}")
        return
    confirm(plan, yes)
    with tqdm(total=len(ids), desc="  profiles", unit="user") as bar:
        done = ingest.hydrate(store, ref.account_id, client.lookup_users, ids=ids,
                              progress=bar.update)
    gone = (f", {done.not_returned:,} not returned by the API (deleted, suspended or "
            "protected accounts)") if done.not_returned else ""
    click.echo(f"  profiles: {done.fetched:,} fetched{gone}")


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
@click.option("--split", is_flag=True,
              help="Pages of several accounts, or of one account retrieved more than 7 days "
                   "apart, become one snapshot each (refused without it).")
@click.option("--as-followers", is_flag=True,
              help="Without /followers pages, take the users of user lookup pages (`twarc2 "
                   "users`) as the follower list: for the account's follower ids looked up "
                   "(refused without it).")
@store_option
def twarc_cmd(store, paths, account, account_id, at, split, as_followers):
    """Import twarc2 JSONL output (follower, user lookup, timeline and search pages) as one snapshot.

    Timeline pages alone (tweets of followers already in the store) are stored beside the
    account's snapshots and add no snapshot. User lookup pages without follower pages are a
    follower list only with --as-followers.

    \b
    follower-kit import twarc followers.jsonl timelines.jsonl --account northwind_brew
    follower-kit import twarc users.jsonl --as-followers --account brightwave --account-id 1234567
    """
    if account_id is not None and not account_id.isdigit():
        raise click.BadParameter(f"{account_id!r} is not a numeric X id", param_hint="--account-id")
    who = {"id": account_id, "username": account.strip().removeprefix("@")} if account_id \
        else account
    ref = ingest.import_twarc(store, list(paths), account=who, at=at, split=split,
                              users_as_followers=as_followers)
    state = "imported" if ref.created else "already in the store"
    handle = "@" + store.snapshots(ref.account_id)["username"].iloc[-1]  # --account may be an id
    if isinstance(ref, AsideRef):
        authors = pq.read_table(ref.path, columns=["author_id"]).column(0)
        by = int(pc.sum(pc.is_in(authors, pa.array(store.followers(ref.account_id)["id"],
                                                   pa.string()))).as_py() or 0)
        click.echo(f"{handle}: {ref.rows:,} tweets retrieved {ref.observed_at.isoformat()}, "
                   f"{by:,} of them by its followers ({state}; the analyses read only those)")
        return
    click.echo(f"{handle}: {plural(ref.followers, 'follower')} at {ref.snapshot_at.isoformat()} "
               f"({state})")
