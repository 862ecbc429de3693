"""``follower-kit sample`` and ``follower-kit demo``: the built-in sample audience."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm.auto import tqdm

from ..audience import AudienceOptions
from .. import ingest
from ..sources import sample as sample_source
from .common import store_option


def build_sample(store, account: str, followers: int, months: int, seed: int,
                 tweets_per_follower: int, replace: bool = False, rebuild_stale: bool = False):
    """Generate the sample audience and commit it, with a progress bar; returns the audience.

    The store may already hold the account: the same sample is left as it is (or completed if
    an interrupted run left it partial). A different sample, made with other options or by an
    older follower-kit, is replaced when ``replace`` or ``rebuild_stale`` says so, and otherwise
    refused with advice; an account with imported or pulled snapshots is never touched.
    """
    stages = ["kinds", "dates", "profiles", "frames", "snapshots", "tweets"]
    competitors = sample_source.DEFAULT_COMPETITORS
    with tqdm(total=len(stages) + len(competitors) + months,
              desc=f"sample @{account}", unit="step", leave=False) as bar:
        audience = sample_source.generate(
            account=account, followers=followers, months=months, seed=seed,
            tweets_per_follower=tweets_per_follower, competitors=competitors,
            progress=lambda stage: (bar.set_postfix_str(stage), bar.update(1)))
        state = ingest.stored_state(store, audience)
        if state == "stale" and audience.competitors:
            # the competitors may be another sample account's (the store holds one @datadock):
            # this account alone, beside them, if that is what makes the difference
            alone = sample_source.generate(
                account=account, followers=followers, months=months, seed=seed,
                tweets_per_follower=tweets_per_follower)
            if ingest.stored_state(store, alone) in ("absent", "same"):
                tqdm.write(f"@{account} is generated without competitors: "
                           + ", ".join(f"@{c.account['username']}" for c in audience.competitors)
                           + f" in {store.path} belong to another sample account.")
                audience, state = alone, ingest.stored_state(store, alone)
        if state == "foreign":
            raise click.ClickException(
                f"@{account} in {store.path} holds pulled or imported snapshots, not a generated "
                f"sample; nothing was changed. Give the sample another name with --account.")
        if state == "stale" and not (replace or rebuild_stale):
            raise click.ClickException(
                f"@{account} in {store.path} holds a different sample (made with other options "
                f"or by an older follower-kit); nothing was changed. `follower-kit sample "
                f"--replace` rebuilds it (it holds generated data only).")
        if state == "stale":
            if not replace:
                tqdm.write(f"Rebuilding @{account}: the stored sample was made by an older "
                           f"follower-kit or with other options.")
            held = set(store.snapshots()["account_id"])
            for acct in sample_source.sample_accounts(audience):  # with its competitors
                if acct["id"] in held:
                    store.delete_account(acct["id"])
        bar.set_postfix_str("writing")
        refs = ingest.write_sample(store, audience, progress=bar.update)
    return audience, refs


@click.command()
@click.option("--account", default=sample_source.DEFAULT_ACCOUNT, show_default=True,
              help="Handle of the fictional account.")
@click.option("--followers", default=5000, show_default=True, type=click.IntRange(10),
              help="Followers at the last snapshot.")
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 120),
              help="Monthly snapshots.")
@click.option("--seed", default=7, show_default=True, help="Same seed, same audience.")
@click.option("--tweets-per-follower", default=12, show_default=True, type=click.IntRange(0),
              help="Recent tweets kept per follower (0: profiles only).")
@click.option("--replace", is_flag=True,
              help="Rebuild the account if the store holds a different sample of it (never an "
                   "account with pulled or imported snapshots).")
@click.option("--bluesky", default="", metavar="HANDLE",
              help="Also store the account on Bluesky as HANDLE (brightwave.bsky.social): "
                   "half its followers the same people, for `follower-kit report ACCOUNT "
                   "--bluesky HANDLE`.")
@store_option
def sample(store, account, followers, months, seed, tweets_per_follower, replace, bluesky):
    """Generate the built-in sample audience into the store (no network, no credentials).

    Deterministic: the same options always give the same audience, and writing it twice changes
    nothing. It has monthly snapshots with follows and unfollows, topic communities in several
    languages, bots of several kinds and a few followers with hostile text; beside it, two
    competitor accounts (@datadock, @chartwell) whose audiences overlap it by known amounts.

    \b
    follower-kit sample
    follower-kit sample --followers 500 --months 3 --store /tmp/small
    follower-kit sample --bluesky brightwave.bsky.social
    """
    audience, refs = build_sample(store, account, followers, months, seed, tweets_per_follower,
                                  replace)
    created = sum(r.created for r in refs)
    click.echo(f"@{account}: {len(refs)} monthly snapshot{'s' * (len(refs) != 1)} "
               f"({created} new), "
               f"{refs[-1].followers:,} followers at {refs[-1].snapshot_at:%Y-%m-%d}, "
               f"{len(audience.tweets):,} recent tweets -> {store.path}")
    if bluesky:
        from ..audience import check_bluesky
        from ..testing.fake_bluesky import two_network_sample

        blue, truth = two_network_sample(audience, handle=check_bluesky(bluesky, account),
                                         seed=seed)
        ingest.write_sample(store, blue)
        f = blue.followers
        now = f.loc[f["snapshot_at"] == f["snapshot_at"].max(), "follower_id"]
        click.echo(f"@{blue.account['username']} on Bluesky: {len(now):,} followers, "
                   f"{truth['bluesky_id'].isin(now).sum():,} of them people who follow on X "
                   f"too, for `follower-kit report {account} --bluesky "
                   f"{blue.account['username']}`")
    if audience.competitors:
        click.echo("Competitors, for `follower-kit compare " + account + " " +
                   " ".join(c.account["username"] for c in audience.competitors) + "`: " +
                   ", ".join(f"@{c.account['username']} "
                             f"({(c.followers['snapshot_at'] == c.snapshot_times[-1]).sum():,} "
                             "followers)" for c in audience.competitors))


@click.command()
@click.option("--out", "out_dir", default="reports", show_default=True,
              type=click.Path(file_okay=False), help="Where the demo report goes.")
@click.option("--report/--no-report", "render_report", default=True, show_default=True,
              help="Render the sample account's latest monthly report.")
@store_option
def demo(store, out_dir, render_report):
    """Build the sample audience (if needed) and render its latest monthly report.

    The report is HTML, plus a PDF when Chromium is installed; the executed notebook is kept
    beside it. Everything runs offline.

    \b
    follower-kit demo
    follower-kit demo --out /tmp/demo-reports
    """
    from .. import report as rep
    from .report import print_result

    account = sample_source.DEFAULT_ACCOUNT
    # the built-in sample is generated data: one from an older follower-kit is rebuilt
    audience, refs = build_sample(store, account, 5000, 12, 7, 12, rebuild_stale=True)
    snaps = store.snapshots(account)
    first, last = snaps.iloc[0], snaps.iloc[-1]
    changes = store.diff(account)
    new = int((changes["change"] == "new").sum())
    lost = int((changes["change"] == "lost").sum())
    click.echo(f"Sample store: {store.path}")
    click.echo(f"@{account}: {len(snaps)} monthly snapshot{'s' * (len(snaps) != 1)}, "
               f"{first['followers']:,} followers on "
               f"{first['snapshot_at']:%Y-%m-%d} -> {last['followers']:,} on "
               f"{last['snapshot_at']:%Y-%m-%d}")
    click.echo(f"Last month: {new:,} new and {lost:,} lost followers.")
    if not render_report:
        return
    formats = ("html", "pdf") if rep.find_chromium() else ("html",)
    # the sample's last snapshot closes its last month, so that month is the one to show
    month = f"{last['snapshot_at']:%Y-%m}"
    click.echo(f"Rendering the {month} report" + ("" if "pdf" in formats else
               " (HTML only: install chromium for the PDF)") + " ...")
    result = rep.render(AudienceOptions(account, month=month, store=str(store.path),
                                        tz="America/New_York",
                                        competitors=[c for c, _, _ in
                                                     sample_source.DEFAULT_COMPETITORS]),
                        formats=formats, out_dir=out_dir)
    print_result(result)
    click.echo(f"Open it: {Path(result.paths['html']).resolve().as_uri()}")
