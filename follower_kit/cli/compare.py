"""``follower-kit compare``: how the audiences of several accounts in the store overlap, and their
mixes side by side."""

from __future__ import annotations

import json

import click
from tqdm import tqdm

from .. import audience as layer
from ..analysis import compare as C
from ..config import BOT_THRESHOLD
from ..text import csv_frame
from .common import made_parent, out_file_option, store_option


@click.command("compare")
@click.argument("account")
@click.argument("others", nargs=-1, required=True, metavar="OTHER [OTHER...]")
@click.option("--at", default=None, metavar="WHEN",
              help="Each account's snapshot at or before this time, YYYY-MM-DD or YYYY-MM "
                   "[default: each one's latest].")
@click.option("--bot-threshold", default=BOT_THRESHOLD, show_default=True, type=click.FloatRange(0, 1),
              help="A follower scoring this or more counts as a likely bot.")
@click.option("--top-n", default=8, show_default=True, type=click.IntRange(1),
              help="Countries and languages shown (the rest fold into 'other').")
@out_file_option("--csv", "csv_path",
                 help="Also write the overlaps (pairs and all) to this CSV file.")
@out_file_option("--chart", "chart_path",
                 help="Also draw the overlap, growth, countries and languages side by side "
                      "into this image (.png, .svg or .pdf).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object on the last line: accounts, overlap (pairs and all), "
                   "unique, versus (each other account against ACCOUNT), countries, languages, "
                   "bot_share, segments, growth.")
@store_option
def compare(store, account, others, at, bot_threshold, top_n, csv_path, chart_path, as_json):
    """Compare the audience of ACCOUNT with OTHER accounts in the store (competitors pulled,
    imported or in the sample): the overlap of their followers pairwise and all together, the
    followers unique to each, and their countries, languages, segments, bot shares and growth
    side by side.

    \b
    follower-kit compare brightwave datadock chartwell
    follower-kit compare brightwave datadock --json
    """
    names = [account, *others]
    ids = [store.resolve(a) for a in names]
    if len(set(ids)) < len(ids):
        raise click.BadParameter(f"the accounts must differ; got {', '.join(names)}")
    steps = tqdm(total=len(ids) + 1, desc="compare", disable=as_json, leave=False)
    months, scores, segments = [], {}, {}
    for account_id in ids:  # each one's snapshot, through the shared month loader
        data = layer.load_snapshot(account_id, at, store=store)
        months.append(data)
        handle = data.account["username"]
        for name, kept in (("bot_scores", scores), ("segments", segments)):
            kept[handle] = store.read_table(name, account_id, snapshot_at=data.snapshot_at,
                                            latest_if_missing=True)
        steps.update()
    options = layer.AudienceOptions(store=str(store.path), top_n=top_n,
                                    bot_threshold=bot_threshold,
                                    block_threshold=max(bot_threshold, layer.DEFAULTS.block_threshold))
    compared = layer.compare(months, options, scores=scores, segments=segments)
    handles, inter, result = compared.accounts, compared.intersections, compared.overlap
    country_mix, lang_mix, seg_mix = compared.countries, compared.languages, compared.segments
    growth, bots = compared.growth, compared.bot_share
    steps.update()
    steps.close()
    if csv_path:
        csv_frame(C.pair_table(result)).to_csv(made_parent(csv_path), index=False)
    if chart_path:
        _chart(chart_path, inter, growth, country_mix, lang_mix, handles)
    if as_json:
        def mix_json(table):
            return None if table is None else [
                {"value": r["value"], **{h: round(float(r[h]), 4) for h in handles}}
                for _, r in table.iterrows()]
        payload = {
            "accounts": [{"username": h, "followers": result["followers"][h]} for h in handles],
            "overlap": {"pairs": result["pairs"], "all": result["all"], "union": result["union"],
                        "combinations": [{"accounts": list(r.accounts), "followers": r.followers}
                                         for r in inter.itertuples()]},
            "unique": result["unique"],
            "versus": [{k: (None if v != v else v) for k, v in r.items()}  # NaN -> null
                       for r in compared.versus.to_dict("records")],
            "countries": mix_json(country_mix),
            "languages": mix_json(lang_mix),
            "segments": mix_json(seg_mix),
            "bot_share": bots,
            "growth": [{"account": r.account, "snapshot_at": r.snapshot_at.isoformat(),
                        "followers": int(r.followers)} for r in growth.itertuples()],
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    click.echo("Followers: " + ", ".join(f"@{h} {result['followers'][h]:,}" for h in handles))
    click.echo("\nOverlap")
    for p in result["pairs"]:
        click.echo(f"  @{p['a']} & @{p['b']}: {p['both']:,} follow both "
                   f"({p['share_of_a']:.1%} of @{p['a']}, {p['share_of_b']:.1%} of @{p['b']})")
    if len(handles) > 2:
        click.echo(f"  all {len(handles)}: {result['all']['followers']:,} follow every one")
    click.echo("\nOnly theirs")
    for h in handles:
        u = result["unique"][h]
        click.echo(f"  @{h}: {u['followers']:,} ({u['share']:.1%} of its followers)")
    for title, table in (("Countries", country_mix), ("Languages", lang_mix),
                         ("Segments", seg_mix)):
        if table is None:
            continue
        click.echo(f"\n{title} (share of each audience)")
        click.echo(f"  {'':<22}" + "".join(f"{'@' + h:>14}" for h in handles))
        for _, r in table.iterrows():
            click.echo(f"  {str(r['value'])[:22]:<22}" + "".join(f"{r[h]:>14.1%}" for h in handles))
    # snapshot dates differ between accounts, so each one's own span rather than one table
    click.echo("\nGrowth (followers at the first and the compared snapshot)")
    for h in handles:
        g = growth[growth["account"] == h].sort_values("snapshot_at")
        first, last = g.iloc[0], g.iloc[-1]
        change = int(last["followers"]) - int(first["followers"])
        span = f"{change:+,} over {len(g)} snapshots" if len(g) > 1 else "one snapshot"
        click.echo(f"  {'@' + h:<22}{int(first['followers']):>9,} on "
                   f"{first['snapshot_at']:%Y-%m-%d} -> {int(last['followers']):>9,} on "
                   f"{last['snapshot_at']:%Y-%m-%d}  ({span})")
    click.echo("\nLikely bots: " + ", ".join(
        f"@{h} {'unknown' if v is None else f'{v:.1%}'}" for h, v in bots.items()))
    if csv_path:
        click.echo(f"\nOverlaps -> {csv_path}")
    if chart_path:
        click.echo(f"Chart -> {chart_path}")


def _chart(path, inter, growth, country_mix, lang_mix, handles) -> None:
    import matplotlib

    matplotlib.use("Agg")  # a file, never a window
    import matplotlib.pyplot as plt

    from .. import plots

    axes = plots.comparison_grid(inter, growth, country_mix, lang_mix, accounts=handles)
    fig = axes[0, 0].figure
    fig.savefig(made_parent(path), dpi=110)
    plt.close(fig)
