"""``follower-kit pull``: followers, following and recent tweets from the X API, resumably."""

from __future__ import annotations

import os
import shlex
import sys

import click
from tqdm.auto import tqdm

from .. import ingest
from ..errors import FollowerKitError, StoreError
from ..sources import bluesky, x_api
from ..store import Store
from ..wording import plural
from .common import store_given, store_option

API_URL_ENV = "FOLLOWER_KIT_X_API_URL"


def api_options(func):
    """Options every command that talks to the X API shares."""
    func = click.option("--api-url", envvar=API_URL_ENV, default=None, show_envvar=True,
                        help="Send requests to this base URL instead of api.x.com or "
                             "Bluesky's public.api.bsky.app (e.g. the local `follower-kit "
                             "fake-server`); from the environment, Bluesky's is "
                             "FOLLOWER_KIT_BLUESKY_API_URL.")(func)
    func = click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(1),
                        help="Seconds per request before it is retried.")(func)
    return func


def make_client(api_url, timeout) -> x_api.XClient:
    return x_api.XClient(base_url=api_url, timeout=timeout)


BLUESKY_URL_ENV = "FOLLOWER_KIT_BLUESKY_API_URL"


def network_option(func):
    return click.option(
        "--network", type=click.Choice(["x", "bluesky"]), default=None,
        help="The account's network (default: bluesky for a handle with a dot, such as "
             "alice.bsky.social, or a did: id; else x). Bluesky pulls need no token and cost "
             "nothing.")(func)


def network_of(handle: str, network: str | None) -> str:
    return network or ("bluesky" if bluesky.is_bluesky_handle(handle) else "x")


class _Clients:
    """One client per network, made when first needed (a Bluesky-only batch needs no X token).
    ``--api-url`` given on the command line applies to every network; from the environment,
    ``FOLLOWER_KIT_X_API_URL`` is X's and ``FOLLOWER_KIT_BLUESKY_API_URL`` Bluesky's."""

    def __init__(self, api_url, timeout):
        ctx = click.get_current_context()
        explicit = ctx.get_parameter_source("api_url") == click.core.ParameterSource.COMMANDLINE
        self.urls = {"x": api_url,
                     "bluesky": api_url if explicit else os.environ.get(BLUESKY_URL_ENV)}
        self.timeout = timeout
        self._made: dict = {}

    def __call__(self, network: str):
        if network not in self._made:
            self._made[network] = make_client(self.urls["x"], self.timeout) if network == "x" \
                else bluesky.BlueskyClient(self.urls["bluesky"], timeout=self.timeout)
        return self._made[network]


def plan_options(func):
    func = click.option("--dry-run", is_flag=True,
                        help="Print requests, rate-limit time and cost (of an unfinished run: "
                             "what is left of it); pull nothing.")(func)
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


def _counted(client: x_api.XClient, pull, earlier: x_api.RequestCounts | None = None):
    """Run ``pull()``; return its result and the requests it made alone, plus ``earlier`` (the
    account's lookup for its plan), as the summary line's words: one client serves every account
    of a batch. ``13 requests, 1 fault retried, 6 rate-limit waits: 7 s``."""
    before = client.counts()
    result = pull()
    used = client.counts() - before + (earlier or x_api.RequestCounts())
    words = [plural(used.requests, "request")]
    if used.retries:
        words.append(plural(used.retries, "fault") + " retried")
    if used.rate_waits:
        words.append(f"{plural(used.rate_waits, 'rate-limit wait')}: "
                     f"{x_api.duration(used.rate_wait_seconds)}")
    return result, ", ".join(words)


def _interrupted(pull_kind: str) -> None:
    click.secho(f"\ninterrupted: every finished page is checkpointed. Run `follower-kit pull "
                f"{pull_kind} {_given()}` again to resume.", fg="yellow", err=True)
    sys.exit(130)


def _given() -> str:
    """The arguments and options typed on this command line, as the command that resumes the
    pull: ``brightwave --page-size 20 --no-following`` (it named the handle alone, and a resume
    without those options reads the rest with the defaults). ``--restart`` is left out: it
    would start over again."""
    ctx = click.get_current_context()
    words = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.name in ("restart", "dry_run") or \
                ctx.get_parameter_source(param.name) != click.core.ParameterSource.COMMANDLINE:
            continue
        if isinstance(param, click.Argument):
            words.append(shlex.quote(str(value)))
        elif param.is_flag and param.secondary_opts:
            words.append(param.opts[0] if value else param.secondary_opts[0])
        elif param.is_flag:
            words += [max(param.opts, key=len)] if value else []
        else:
            words.append(f"{max(param.opts, key=len)} {shlex.quote(str(value))}")
    return " ".join(words)


@click.group(short_help="Pull followers and posts from X (needs a token) or Bluesky (free).")
def pull() -> None:
    """Pull followers and tweets from the X API (needs X_BEARER_TOKEN) or Bluesky (free).

    Every page is checkpointed in the store, so an interrupted pull resumes where it stopped
    when you run the same command again; the snapshot is committed only once it is complete.
    """


def batch_option(what: str):
    return click.option(
        "--batch", "batch", type=click.Path(exists=True, dir_okay=False), default=None,
        help=f"A clients.toml (as for `report --batch`): pull every client's {what} into its "
             "store (--store given here: into that one), one after another, after one cost "
             "question; one failure does not stop the others.")


def _jobs(store, handle, batch, network=None) -> list[tuple[Store, str, str]]:
    """(store, handle, network) of each account to pull: the one given, or every client of
    ``batch`` (its ``network`` key, else the handle's shape, says which network)."""
    if bool(handle) == bool(batch):
        raise click.UsageError("give a HANDLE or --batch FILE (not both)")
    if not batch:
        return [(store, handle, network_of(handle, network))]
    from .. import config
    from ..report import read_clients

    nets = [entry.get("network") for _, entry in config.read_batch_file(batch)]
    # --store on the command line wins over the file's, as in a report
    clients = read_clients(batch, overrides={"store": str(store.path)} if store_given() else None)
    return [(Store(c.store) if c.store else store, c.account, network_of(c.account, net))
            for c, net in zip(clients, nets)]


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

    for where, who, *_ in jobs:
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
                _interrupted(kind)
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
              help="Followers per request (X's max_results; Bluesky's limit, at most 100).")
@click.option("--profiles/--no-profiles", default=True, show_default=True,
              help="Bluesky: look every follower up (getProfiles, 25 a request) for follower, "
                   "follow and post counts.")
@network_option
@plan_options
@api_options
@store_option
def followers_cmd(store, handle, batch, following, restart, page_size, profiles, network,
                  dry_run, prices, yes, api_url, timeout):
    """Pull HANDLE's followers with their profiles into a new snapshot (X, or Bluesky for a
    handle such as alice.bsky.social, a did: id or --network bluesky).

    \b
    follower-kit pull followers brightwave --dry-run
    follower-kit pull followers alice.bsky.social          # Bluesky: free, no token
    follower-kit pull followers --batch examples/clients.toml   # an agency's monthly pull
    """
    jobs = _jobs(store, handle, batch, network)
    nets = {who: net for _, who, net in jobs}
    clients = _Clients(api_url, timeout)
    tables = {"x": lambda: x_api.load_plan_table(prices),
              "bluesky": lambda: bluesky.load_plan_table(prices)}

    lookups = {}  # the plan's account lookup is a request of that account's pull too

    def prepare(where, who):
        before = clients(nets[who]).counts()
        account = clients(nets[who]).user(who)
        lookups[who] = clients(nets[who]).counts() - before
        return _plan_followers(where, account, following, restart, page_size,
                               tables[nets[who]](), profiles=profiles), account

    def run(where, who, account):
        net = nets[who]
        client = clients(net)
        total = int((account.get("public_metrics") or {}).get("followers_count") or 0) or None
        if net == "bluesky":
            pull_ = lambda bar: ingest.pull_bluesky_followers(  # noqa: E731
                where, who, client=client, following=following, profiles=profiles,
                restart=restart, page_size=min(page_size, bluesky.PAGE_SIZE),
                progress=bar.update, account=account, lookup=lookups.get(who))
        else:
            pull_ = lambda bar: ingest.pull_followers(  # noqa: E731
                where, who, client=client, following=following, restart=restart,
                page_size=page_size, progress=bar.update, account=account,
                lookup=lookups.get(who))
        with tqdm(total=total, desc=f"@{account['username']} followers", unit="user") as bar:
            try:
                # the line and the snapshot's record count the same requests, lookup included
                ref, used = _counted(client, lambda: pull_(bar), lookups.get(who))
            except x_api.RunawayPull as exc:
                raise x_api.RunawayPull(f"{exc}. {_spent(exc, tables[net](), net)}",
                                        pages=exc.pages, rows=exc.rows) from None
        return (f"@{account['username']}: {plural(ref.followers, 'follower')} at "
                f"{ref.snapshot_at.isoformat()} ({used}) -> {where.path}")

    _run("followers", jobs, batch, prepare, run, dry_run=dry_run, yes=yes)


def _spent(exc: x_api.RunawayPull, table, network: str = "x") -> str:
    """What a stopped pull cost: the pages it read and their followers at the table's price
    (on Bluesky, nothing)."""
    if network == "bluesky":
        return f"Read: {plural(exc.pages, 'page')}, {exc.rows:,} followers (free)"
    cost = exc.rows * float(table["price_per_resource"]["follows_read"])
    return (f"Spent: {plural(exc.pages, 'page')}, {exc.rows:,} follows read, about "
            f"{cost:,.2f} {table.get('currency', 'USD')} at pay-per-use prices")


def _plan_followers(store, account, following, restart, page_size, table,
                    profiles=None) -> x_api.Plan:
    """The plan of one follower pull, counting what an unfinished pull already holds of each
    list (and of the profile lookups) and what it has spent."""
    metrics = account.get("public_metrics") or {}
    done = {} if restart else _unfinished(store, account["id"], "followers")
    held = ingest.checkpoint_state(done["path"]) if done else {}
    fol, fng = held.get("followers", {}), held.get("following", {})
    finished = [name for name, kept in (("followers", fol), ("following", fng))
                if kept.get("finished")]
    followers = int(metrics.get("followers_count") or 0)
    follows = int(metrics.get("following_count") or 0) if following else 0
    if account.get("network") == "bluesky":  # free: nothing spent to state
        return bluesky.plan_followers(followers, follows, username=account["username"],
                                      following=following,
                                      profiles=profiles, table=table,
                                      done_pages=fol.get("pages", 0),
                                      done_rows=fol.get("rows", 0),
                                      done_following_pages=fng.get("pages", 0),
                                      done_following_rows=fng.get("rows", 0),
                                      finished=finished, lookups_left=held.get("lookups"),
                                      page_size=min(page_size, bluesky.PAGE_SIZE))
    return x_api.plan_followers(followers, follows, username=account["username"],
                                following=following, table=table,
                                page_size=page_size, done_pages=fol.get("pages", 0),
                                done_rows=fol.get("rows", 0),
                                done_following_pages=fng.get("pages", 0),
                                done_following_rows=fng.get("rows", 0), finished=finished,
                                read_pages=done.get("pages_read", 0),
                                read_rows=done.get("rows_read", 0))


def _unfinished(store, account_id: str, kind: str) -> dict:
    """The record of the account's unfinished pull of ``kind`` (:func:`ingest.pulls`: pages,
    rows, pages_read, rows_read, path), or {} when there is none."""
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
@network_option
@plan_options
@api_options
@store_option
def tweets_cmd(store, handle, batch, per_follower, restart, network, dry_run, prices, yes,
               api_url, timeout):
    """Pull recent tweets (on Bluesky: posts) of the followers in HANDLE's latest snapshot.

    \b
    follower-kit pull tweets brightwave --per-follower 20 --dry-run
    follower-kit pull tweets alice.bsky.social               # Bluesky: free, no token
    follower-kit pull tweets --batch examples/clients.toml
    """
    jobs = _jobs(store, handle, batch, network)
    nets = {who: net for _, who, net in jobs}
    clients = _Clients(api_url, timeout)

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
        if last["network"] == "bluesky":
            nets[who] = "bluesky"  # the store knows the account's network
            return bluesky.plan_posts(n, per_follower, username=last["username"],
                                      table=bluesky.load_plan_table(prices),
                                      done_followers=done.get("pages", 0)), n
        return x_api.plan_tweets(n, per_follower, username=last["username"],
                                 table=x_api.load_plan_table(prices),
                                 done_followers=done.get("pages", 0),
                                 read_posts=done.get("rows_read", 0)), n

    def run(where, who, n):
        handle = "@" + where.snapshots(who)["username"].iloc[-1]
        client = clients(nets[who])
        pull_ = ingest.pull_bluesky_posts if nets[who] == "bluesky" else ingest.pull_tweets
        with tqdm(total=n, desc=f"{handle} timelines", unit="follower") as bar:
            ref, used = _counted(client, lambda: pull_(
                where, who, client=client, per_follower=per_follower, restart=restart,
                progress=bar.update))
        posts = "posts" if nets[who] == "bluesky" else "tweets"
        return (f"{handle}: {ref.rows:,} {posts} of {n:,} followers stored, observed "
                f"{ref.observed_at:%Y-%m-%d %H:%M} UTC ({used})")

    _run("tweets", jobs, batch, prepare, run, dry_run=dry_run, yes=yes)


@pull.command("status")
@click.argument("handle", required=False)
@store_option
def status_cmd(store, handle):
    """Pulls in the store: unfinished ones (resumable) and committed ones.

    \b
    follower-kit pull status
    follower-kit pull status brightwave
    """
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
