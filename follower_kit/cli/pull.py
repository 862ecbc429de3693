"""``follower-kit pull``: followers, following and recent tweets from the X API, resumably."""

from __future__ import annotations

import sys

import click
from tqdm.auto import tqdm

from .. import ingest
from ..errors import FollowerKitError, StoreError
from ..sources import x_api
from ..store import Store
from ..wording import plural
from .common import store_option

API_URL_ENV = "FOLLOWER_KIT_X_API_URL"


def api_options(func):
    """Options every command that talks to the X API shares."""
    func = click.option("--api-url", envvar=API_URL_ENV, default=None, show_envvar=True,
                        help="Send requests to this base URL instead of api.x.com (e.g. the "
                             "local `follower-kit fake-server`).")(func)
    func = click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(1),
                        help="Seconds per request before it is retried.")(func)
    return func


def make_client(api_url, timeout) -> x_api.XClient:
    return x_api.XClient(base_url=api_url, timeout=timeout)


def plan_options(func):
    func = click.option("--dry-run", is_flag=True,
                        help="Print requests, rate-limit time and cost; pull nothing.")(func)
    func = click.option("--prices", type=click.Path(exists=True, dir_okay=False), default=None,
                        help="JSON or TOML file overriding the price and rate-limit table.")(func)
    func = click.option("-y", "--yes", is_flag=True,
                        help="Do not ask before a pull above the cost threshold.")(func)
    return func


def confirm(plan: x_api.Plan, yes: bool, *, show: bool = True) -> None:
    """Show what a paid operation costs; above the threshold, ask (unless ``yes``)."""
    if show:
        click.echo(plan.describe(), err=True)
    if plan.needs_confirmation and not yes:
        spent = (f" ({plan.spent:,.2f} {plan.currency} already spent on an interrupted run)"
                 if plan.spent else "")
        click.confirm(f"This costs more than {plan.confirm_above:.2f} {plan.currency}{spent}. "
                      f"Go ahead?", abort=True, err=True)


def _counted(client: x_api.XClient, pull):
    """Run ``pull()``; return its result and the requests it made alone, as the summary line's
    words: one client serves every account of a batch. ``13 requests, 1 fault retried, 6
    rate-limit waits: 7 s``."""
    before = client.counts()
    result = pull()
    used = client.counts() - before
    words = [plural(used.requests, "request")]
    if used.retries:
        words.append(plural(used.retries, "fault") + " retried")
    if used.rate_waits:
        words.append(f"{plural(used.rate_waits, 'rate-limit wait')}: "
                     f"{x_api.duration(used.rate_wait_seconds)}")
    return result, ", ".join(words)


def _interrupted(pull_kind: str, handle: str) -> None:
    click.secho(f"\ninterrupted: every finished page is checkpointed. Run `follower-kit pull "
                f"{pull_kind} {handle}` again to resume.", fg="yellow", err=True)
    sys.exit(130)


@click.group()
def pull() -> None:
    """Pull followers and tweets from the X API (needs X_BEARER_TOKEN).

    Every page is checkpointed in the store, so an interrupted pull resumes where it stopped
    when you run the same command again; the snapshot is committed only once it is complete.
    """


def batch_option(what: str):
    return click.option(
        "--batch", "batch", type=click.Path(exists=True, dir_okay=False), default=None,
        help=f"A clients.toml (as for `report --batch`): pull every client's {what} into its "
             "store, one after another, after one cost question; one failure does not stop "
             "the others.")


def _jobs(store, handle, batch) -> list[tuple[Store, str]]:
    """(store, handle) of each account to pull: the one given, or every client of ``batch``."""
    if bool(handle) == bool(batch):
        raise click.UsageError("give a HANDLE or --batch FILE (not both)")
    if not batch:
        return [(store, handle)]
    from ..report import read_clients

    return [(Store(c.store) if c.store else store, c.account) for c in read_clients(batch)]


def _run(kind: str, jobs, batch, prepare, run, *, dry_run: bool, yes: bool) -> None:
    """Plan every job (``prepare(store, handle) -> (plan, state)``), show the plans and their
    total, ask once, then ``run(store, handle, state) -> summary line`` each in turn. In a batch a
    failing account is reported and skipped; exit 1 names the failures."""
    plans, failed = [], []

    def fail(who, exc):
        if not batch:
            raise exc
        failed.append(who)
        click.secho(f"FAILED @{who.removeprefix('@')}: {exc}", fg="red", err=True)

    for where, who in jobs:
        try:
            plans.append((where, who, *prepare(where, who)))
        except FollowerKitError as exc:
            fail(who, exc)
    if not plans:
        raise click.ClickException(f"none of the {len(jobs)} accounts in {batch} can be pulled")
    if dry_run or len(plans) > 1:
        for _, _, plan, _ in plans:
            click.echo(plan.describe(), err=not dry_run)
    total = x_api.Plan.combine([p[2] for p in plans]) if len(plans) > 1 else plans[0][2]
    if dry_run:
        if len(plans) > 1:
            click.echo(total.describe())
    else:
        confirm(total, yes, show=len(plans) == 1)
        for where, who, _, state in plans:
            try:
                click.echo(run(where, who, state))
            except KeyboardInterrupt:
                _interrupted(kind, f"--batch {batch}" if batch else who)
            except FollowerKitError as exc:
                fail(who, exc)
        if batch:
            click.echo(f"{len(jobs) - len(failed)} of {len(jobs)} accounts pulled"
                       + (f"; failed: {', '.join('@' + f for f in failed)}" if failed else ""))
    if failed:
        sys.exit(1)


@pull.command("followers")
@click.argument("handle", required=False)
@batch_option("followers")
@click.option("--following/--no-following", default=True, show_default=True,
              help="Also pull the accounts it follows (table `following`).")
@click.option("--restart", is_flag=True, help="Abandon an unfinished pull and start over.")
@click.option("--page-size", default=1000, show_default=True, type=click.IntRange(1, 1000),
              help="Followers per request (X's max_results).")
@plan_options
@api_options
@store_option
def followers_cmd(store, handle, batch, following, restart, page_size, dry_run, prices, yes,
                  api_url, timeout):
    """Pull HANDLE's followers with their profiles into a new snapshot.

    \b
    follower-kit pull followers brightwave --dry-run
    follower-kit pull followers --batch examples/clients.toml   # an agency's monthly pull
    """
    jobs = _jobs(store, handle, batch)
    client = make_client(api_url, timeout)
    table = x_api.load_plan_table(prices)

    def prepare(where, who):
        account = client.user(who)
        return _plan_followers(where, account, following, restart, page_size, table), account

    def run(where, who, account):
        total = int((account.get("public_metrics") or {}).get("followers_count", 0)) or None
        with tqdm(total=total, desc=f"@{account['username']} followers", unit="user") as bar:
            try:
                ref, used = _counted(client, lambda: ingest.pull_followers(
                    where, who, client=client, following=following, restart=restart,
                    page_size=page_size, progress=bar.update, account=account))
            except x_api.RunawayPull as exc:
                raise x_api.RunawayPull(f"{exc}. {_spent(exc, table)}", pages=exc.pages,
                                        rows=exc.rows) from None
        return (f"@{account['username']}: {ref.followers:,} followers at "
                f"{ref.snapshot_at.isoformat()} ({used}) -> {where.path}")

    _run("followers", jobs, batch, prepare, run, dry_run=dry_run, yes=yes)


def _spent(exc: x_api.RunawayPull, table) -> str:
    """What a stopped pull cost: the pages it read and their followers at the table's price."""
    cost = exc.rows * float(table["price_per_resource"]["follows_read"])
    return (f"Spent: {plural(exc.pages, 'page')}, {exc.rows:,} follows read, about "
            f"{cost:,.2f} {table.get('currency', 'USD')} at pay-per-use prices")


def _plan_followers(store, account, following, restart, page_size, table) -> x_api.Plan:
    """The plan of one follower pull, counting what an unfinished pull already holds and
    what it has spent."""
    metrics = account.get("public_metrics") or {}
    done = {} if restart else _unfinished(store, account["id"], "followers")
    return x_api.plan_followers(int(metrics.get("followers_count", 0)),
                                int(metrics.get("following_count", 0)) if following else 0,
                                username=account["username"], table=table, page_size=page_size,
                                done_pages=done.get("pages", 0), done_rows=done.get("rows", 0),
                                read_pages=done.get("pages_read", 0),
                                read_rows=done.get("rows_read", 0))


def _unfinished(store, account_id: str, kind: str) -> dict:
    """The record of the account's unfinished pull of ``kind`` (:func:`ingest.pulls`: pages,
    rows, pages_read, rows_read), or {} when there is none."""
    table = ingest.pulls(store) if store.path.exists() else None
    if table is None or table.empty:
        return {}
    mine = table[(table["account_id"] == account_id) & (table["kind"] == kind)
                 & (table["status"] == "running")]
    return {} if mine.empty else mine.iloc[-1].to_dict()


@pull.command("tweets")
@click.argument("handle", required=False)
@batch_option("followers' tweets")
@click.option("--per-follower", default=20, show_default=True, type=click.IntRange(1, 3200),
              help="Recent tweets per follower (incremental: only newer than stored ones).")
@click.option("--restart", is_flag=True, help="Abandon an unfinished pull and start over.")
@plan_options
@api_options
@store_option
def tweets_cmd(store, handle, batch, per_follower, restart, dry_run, prices, yes, api_url,
               timeout):
    """Pull recent tweets of the followers in HANDLE's latest snapshot."""
    jobs = _jobs(store, handle, batch)
    table = x_api.load_plan_table(prices)
    client = make_client(api_url, timeout)

    def prepare(where, who):
        try:
            account_id = where.resolve(who)
        except StoreError:
            handle = who.removeprefix("@")
            raise x_api.PullError(
                f"@{handle} has no followers in the store {where.path} yet: run `follower-kit "
                f"pull followers {handle}` (or import an archive) first") from None
        last = where.snapshots(account_id).iloc[-1]
        n = int(last["followers"])
        done = {} if restart else _unfinished(where, account_id, "tweets")
        return x_api.plan_tweets(n, per_follower, username=last["username"], table=table,
                                 done_followers=done.get("pages", 0),
                                 read_posts=done.get("rows_read", 0)), n

    def run(where, who, n):
        handle = "@" + where.snapshots(who)["username"].iloc[-1]
        with tqdm(total=n, desc=f"{handle} timelines", unit="follower") as bar:
            ref, used = _counted(client, lambda: ingest.pull_tweets(
                where, who, client=client, per_follower=per_follower, restart=restart,
                progress=bar.update))
        return (f"{handle}: {ref.rows:,} tweets of {n:,} followers stored, observed "
                f"{ref.observed_at:%Y-%m-%d %H:%M} UTC ({used})")

    _run("tweets", jobs, batch, prepare, run, dry_run=dry_run, yes=yes)


@pull.command("status")
@click.argument("handle", required=False)
@store_option
def status_cmd(store, handle):
    """Pulls in the store: unfinished ones (resumable) and committed ones."""
    table = ingest.pulls(store, handle) if store.path.exists() else None
    if table is None or table.empty:
        click.echo("no pulls recorded")
        return
    click.echo(f"{'account':<20} {'kind':<10} {'status':<10} {'started':<26} {'pages':>6} "
               f"{'rows':>9}")
    for r in table.itertuples():
        status = "UNFINISHED" if r.status == "running" else r.status
        click.echo(f"@{r.username:<19} {r.kind:<10} {status:<10} {r.started_at.isoformat():<26} "
                   f"{r.pages:>6} {r.rows:>9,}")
    if (table["status"] == "running").any():
        click.echo("\nunfinished pulls resume when you run the same `follower-kit pull` command "
                   "again (or start over with --restart)")
