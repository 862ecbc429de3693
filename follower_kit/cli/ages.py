"""``follower-kit ages``: account creation dates estimated from ids, account ages, new-account
bursts; and the command that fits the id -> date table from the public labeled sets."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from ..analysis import account_age, factory, growth
from ..sources import id_dates
from ..wording import plural
from .common import store_option

PACKAGE_TABLE = Path(__file__).resolve().parent.parent / "data" / account_age.TABLE_RESOURCE


@click.group("ages")
def ages() -> None:
    """How old the followers' accounts are, from their ids alone when there are no profiles.

    \b
    follower-kit ages show larsbrinkhoff          # age bands and bursts of new accounts
    follower-kit ages evaluate ../shared/data/bots  # the estimate's error, one set held out
    follower-kit ages fit ../shared/data/bots       # refit the table shipped with the kit
    """


@ages.command("show")
@click.argument("account")
@click.option("--at", "at", default=None, metavar="WHEN",
              help="Snapshot: a time, YYYY-MM-DD or YYYY-MM (latest at or before it) "
                   "[default: the latest].")
@click.option("--json", "as_json", is_flag=True, help="Print the bands and bursts as JSON.")
@store_option
def show(store, account: str, at, as_json: bool) -> None:
    """Account ages of ACCOUNT's followers, the bursts of the follower factory (accounts created
    together that followed in a row, as the report finds them), and how many of the snapshot's
    new followers came in one.

    Creation dates come from profiles when the store has them, else from the follower id
    (exact for ids since late 2015, within a day or so in the median for older ids).

    \b
    follower-kit ages show larsbrinkhoff
    follower-kit ages show brightwave --at 2026-06 --json
    """
    account_id = store.resolve(account)
    when = store.snapshot_at(account_id, at)  # from the store: a snapshot may have no follower
    followers = store.followers(account_id, when)
    bands = account_age.account_ages(followers, at=when)
    edges = store.follower_edges(account_id)
    edges = edges[edges["snapshot_at"] <= when]
    # one detector for the list and the verdict, the report's: a second one (creation dates per
    # week, follow order ignored) listed bursts above a sentence that said there were none
    made = factory.follower_factory(followers, edges=edges)
    bursts = factory.factory_bursts(made)
    changes = growth.follower_changes(edges)
    new_ids = changes.loc[(changes["change"] == "new") & (changes["snapshot_at"] == when),
                          "follower_id"] if len(changes) else None
    sentence = factory.burst_spike_sentence(made, bursts, new_ids=new_ids,
                                            month=f"the snapshot of {when:%Y-%m-%d}")
    if as_json:
        click.echo(json.dumps({
            "snapshot_at": when.isoformat(),
            "age_bands": bands.to_dict(orient="records"),
            "bursts": [{k: None if pd.isna(v) else v.isoformat() if isinstance(v, pd.Timestamp)
                        else v for k, v in row.items()}
                       for row in bursts.astype(object).to_dict(orient="records")],
            "follower_factory": sentence}, indent=2))
        return
    estimated = int(bands["estimated"].sum())
    click.echo(f"{plural(int(bands['followers'].sum()), 'follower')} at {when:%Y-%m-%d}; "
               f"{plural(estimated, 'creation date')} estimated from ids")
    click.echo(f"{'account age':<14} {'followers':>10} {'share':>7}")
    for _, row in bands.iterrows():
        click.echo(f"{row['age_band']:<14} {row['followers']:>10,} {row['share']:>7.1%}")
    if bursts.empty:
        click.echo("no bursts of accounts created together")
    for _, b in bursts.iterrows():
        click.echo(f"burst {b['burst_id']}: {b['label']} (accounts created "
                   f"{b['created_from']:%Y-%m-%d} to {b['created_to']:%Y-%m-%d})")
    click.echo(f"follower factory: {sentence}")


@ages.command("evaluate")
@click.argument("bots_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON records.")
def evaluate(bots_dir, as_json: bool) -> None:
    """Error of the id -> creation date estimate on each public set, fitted on the others.

    BOTS_DIR is the shared data's bots/ folder (../shared/data/bots).

    \b
    follower-kit ages evaluate ../shared/data/bots
    """
    table = account_age.evaluate_id_dates(id_dates.read_id_date_pairs(bots_dir))
    if as_json:
        click.echo(json.dumps(table.to_dict(orient="records"), indent=2))
        return
    click.echo(f"{'held-out set':<24} {'accounts':>9} {'snowflake':>9} {'median |err| d':>15} "
               f"{'seq. median d':>14} {'seq. p90 d':>11} {'<=30 d':>7}")
    for _, r in table.iterrows():
        click.echo(f"{r['dataset']:<24} {r['accounts']:>9,} {r['snowflake']:>9,} "
                   f"{r['median_abs_error_days']:>15.2f} "
                   f"{r['sequential_median_abs_error_days']:>14.2f} "
                   f"{r['sequential_p90_abs_error_days']:>11.2f} {r['within_30_days']:>7.1%}")


@ages.command("fit")
@click.argument("bots_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              default=str(PACKAGE_TABLE), show_default="the kit's data/id_dates.csv",
              help="Where to write the table.")
@click.option("--knots", default=1000, show_default=True, type=click.IntRange(10),
              help="Most rows in the table.")
def fit(bots_dir, out, knots: int) -> None:
    """Fit the id -> creation date table on every public set in BOTS_DIR and write it.

    \b
    follower-kit ages fit ../shared/data/bots
    follower-kit ages fit ../shared/data/bots --out /tmp/id_dates.csv
    """
    pairs = id_dates.read_id_date_pairs(bots_dir)
    table = account_age.fit_id_dates(pairs, knots=knots)
    Path(out).write_text(account_age.id_table_csv(table, pairs), encoding="utf-8")
    click.echo(f"{len(table):,} knots from {len(pairs):,} (id, created_at) pairs in "
               f"{pairs['dataset'].nunique()} sets -> {out}")
