"""``follower-kit report``: render one monthly report, or a batch of clients' reports."""

from __future__ import annotations

import sys

import click
from tqdm.auto import tqdm

from .. import report as rep
from ..errors import ConfigError
from .common import store_option


def parse_formats(value: str | None) -> tuple[str, ...]:
    """``"html,pdf"`` -> ("html", "pdf"); None -> html, plus pdf when Chromium is installed."""
    if not value:
        return ("html", "pdf") if rep.find_chromium() else ("html",)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = sorted(set(formats) - set(rep.FORMATS))
    if unknown or not formats:
        raise click.BadParameter(f"unknown format(s) {unknown or [value]}; choose from "
                                 f"{', '.join(rep.FORMATS)} (comma-separated)",
                                 param_hint="--format")
    return formats


def print_result(result: rep.RenderResult) -> None:
    s = result.seconds
    stages = ", ".join(f"{k} {s[k]:.1f} s" for k in ("kernel", "imports", "analysis", "html", "pdf")
                       if k in s)
    click.echo(f"@{result.account} {result.month}: rendered in {s['total']:.1f} s ({stages})")
    for fmt in ("html", "pdf", "ipynb"):
        if fmt in result.paths:
            label = "notebook (audit)" if fmt == "ipynb" else fmt.upper()
            click.echo(f"  {label:17} {result.paths[fmt]}")


@click.command()
@click.argument("account", required=False)
@click.option("--batch", "batch_file", type=click.Path(exists=True, dir_okay=False),
              help="A clients.toml: render every client's report in parallel processes.")
@click.option("--month", default=None, metavar="YYYY-MM",
              help="Report month [default: the last full month that has data].")
@click.option("--format", "formats", default=None, metavar="LIST",
              help="Comma-separated: html, pdf, ipynb [default: html, plus pdf when Chromium is "
                   "installed]. The executed notebook is always kept for audit.")
@click.option("--out", "out_dir", default=str(rep.DEFAULT_OUT), show_default=True,
              type=click.Path(file_okay=False), help="Output directory.")
@click.option("--tz", default="UTC", show_default=True,
              help="The account's time zone (IANA name) for the activity heatmap.")
@click.option("--top-n", default=10, show_default=True, type=click.IntRange(1, 500),
              help="Rows per list in the report.")
@click.option("--client-name", default="", help="Name shown in the report title.")
@click.option("--bot-threshold", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="Bot score from which a follower counts as a likely bot.")
@click.option("--block-threshold", default=0.85, show_default=True, type=click.FloatRange(0, 1),
              help="Bot score from which a follower goes on the report's block list (at least "
                   "--bot-threshold: wrongly blocking a person costs more than miscounting one).")
@click.option("--segments", default=8, show_default=True, type=click.IntRange(0),
              help="Audience segments (0: choose the number by stability, slower).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Parallel processes for --batch.")
@store_option
def report(store, account, batch_file, month, formats, out_dir, tz, top_n, client_name,
           bot_threshold, block_threshold, segments, workers):
    """Render the monthly report of ACCOUNT (HTML, PDF, and the executed notebook).

    \b
    follower-kit report brightwave --month 2026-10 --format html,pdf
    follower-kit report --batch examples/clients.toml --month 2026-10

    A failed cell keeps the partial notebook and names the cell. In a batch, one client's failure
    does not stop the others; the summary and reports/index.html list what failed.
    """
    if month:
        rep.check_month(month)
    if batch_file:
        if account:
            raise click.UsageError("give either ACCOUNT or --batch FILE, not both")
        _batch(store, batch_file, month, formats, out_dir, workers)
        return
    if not account:
        raise click.UsageError("missing ACCOUNT (a handle in the store), or --batch FILE")
    fmts = parse_formats(formats)
    if formats is None and "pdf" not in fmts:
        click.echo("Chromium not found: rendering HTML only (install chromium for the PDF).",
                   err=True)
    click.echo(f"Rendering the report of @{account.removeprefix('@')} ...", err=True)
    result = rep.render(account, month=month, store=store.path, formats=fmts, out_dir=out_dir,
                        top_n=top_n, tz=tz, client_name=client_name, bot_threshold=bot_threshold,
                        block_threshold=block_threshold, segments=segments)
    print_result(result)


def _batch(store, batch_file, month, formats, out_dir, workers) -> None:
    clients = rep.read_clients(batch_file)
    if formats:
        fmts = parse_formats(formats)
        for c in clients:
            c.formats = fmts
    for c in clients:
        if not c.store:
            c.store = str(store.path)
    if any("pdf" in c.formats for c in clients) and not rep.find_chromium():
        raise ConfigError("the batch asks for PDF but Chromium is not installed (Debian: apt-get "
                          "install chromium); use --format html")
    with tqdm(total=len(clients), desc="reports", unit="report") as bar:
        def advance(row):
            bar.set_postfix_str(("ok " if row["ok"] else "FAILED ") + "@" + row["account"])
            bar.update(1)

        result = rep.render_batch(clients, month=month, out_dir=out_dir, workers=workers,
                                  progress=advance)
    ok = len(result.results) - len(result.failures)
    click.echo(f"{ok} of {len(result.results)} reports rendered -> {result.index}")
    for row in result.failures:
        click.secho(f"  FAILED @{row['account']}: {row['error']}", fg="red", err=True)
    if result.failures:
        sys.exit(1)
