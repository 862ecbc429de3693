"""``follower-kit report``: render one monthly report, or a batch of clients' reports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from tqdm.auto import tqdm

from click.core import ParameterSource

from .. import report as rep
from ..audience import DEFAULTS, AudienceOptions, check_month
from ..errors import ConfigError
from .common import store_given, store_option


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
    if result.lists:
        click.echo(f"  {'lists (CSV)':17} {len(result.lists)} files beside the report, e.g. "
                   f"{result.lists[0].name}")


D = DEFAULTS  # one place for the defaults: follower_kit.audience.AudienceOptions


@click.command()
@click.argument("account", required=False)
@click.option("--batch", "batch_file", type=click.Path(exists=True, dir_okay=False),
              help="A clients.toml: render every client's report in parallel processes. The "
                   "options below, when given, apply to every client over the file's values.")
@click.option("--month", default=None, metavar="YYYY-MM",
              help="Report month [default: the last full month that has data].")
@click.option("--format", "formats", default=None, metavar="LIST",
              help="Comma-separated: html, pdf, ipynb [default: html, plus pdf when Chromium is "
                   "installed]. The executed notebook is always kept for audit.")
@click.option("--out", "out_dir", default=str(rep.DEFAULT_OUT), show_default=True,
              type=click.Path(file_okay=False), help="Output directory.")
@click.option("--tz", default=D.tz, show_default=True,
              help="The account's time zone (IANA name) for the activity heatmap.")
@click.option("--top-n", default=D.top_n, show_default=True, type=click.IntRange(1, 500),
              help="Rows per list in the report.")
@click.option("--client-name", default=D.client_name,
              help="Name shown in the report title [default: the account's display name].")
@click.option("--bot-threshold", default=D.bot_threshold, show_default=True,
              type=click.FloatRange(0, 1),
              help="Bot score from which a follower counts as a likely bot.")
@click.option("--block-threshold", default=D.block_threshold, show_default=True,
              type=click.FloatRange(0, 1),
              help="Bot score from which a follower goes on the report's block list (at least "
                   "--bot-threshold: wrongly blocking a person costs more than miscounting one).")
@click.option("--segments", default=D.segments, show_default=True, type=click.IntRange(0),
              help="Audience segments (0: choose the number by stability, slower).")
@click.option("--competitor", "competitors", multiple=True, metavar="HANDLE",
              help="A competitor in the store to compare the audience with (repeat for more) "
                   "[default: none; in a batch, each client's competitors].")
@click.option("--bluesky", default=D.bluesky, metavar="HANDLE",
              help="The client's own Bluesky account in the store (handle or DID): adds the "
                   "section \"On X and Bluesky\" (both audiences' growth and their overlap) "
                   "[default: none; in a batch, each client's bluesky].")
@click.option("--language", default=D.language, show_default=True,
              help="The client's language (BCP 47 tag: en, de, pt-BR).")
@click.option("--topics", default=None, metavar="LIST", callback=lambda c, p, v: _split(v),
              help="The client's topics, comma-separated: they rank follow back and check out.")
@click.option("--keywords", default=None, metavar="LIST", callback=lambda c, p, v: _split(v),
              help="The client's keywords, comma-separated (matched in bios and posts).")
@click.option("--client-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A clients.toml: ACCOUNT's client profile (name, tz, language, topics, "
                   "keywords) from it; options given here win.")
@click.option("--paper", type=click.Choice(["letter", "a4"], case_sensitive=False), default=None,
              help="The PDF's sheet [default: Letter].")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Parallel processes for --batch.")
@store_option
@click.pass_context
def report(ctx, store, account, batch_file, month, formats, out_dir, tz, top_n, client_name,
           bot_threshold, block_threshold, segments, competitors, bluesky, language, topics,
           keywords, client_file, paper, workers):
    """Render the monthly report of ACCOUNT (HTML, PDF, and the executed notebook).

    \b
    follower-kit report brightwave --month 2026-10 --format html,pdf
    follower-kit report brightwave --competitor datadock --competitor chartwell
    follower-kit report brightwave --bluesky brightwave.bsky.social
    follower-kit report --batch examples/clients.toml --month 2026-10
    follower-kit report brightwave --client-file examples/clients.toml

    Each report goes to OUT/ACCOUNT/: ACCOUNT-MONTH.html, .pdf, .ipynb and its lists as CSV
    (ACCOUNT-MONTH-follow-back.csv ...). A failed cell keeps the partial notebook and names the
    cell. In a batch, one client's failure does not stop the others; OUT/index.html links every
    report, gives each client's month at a glance and, like the summary, lists what failed.
    """
    given = {"month": month, "store": str(store.path), "tz": tz, "top_n": top_n,
             "client_name": client_name, "bot_threshold": bot_threshold,
             "block_threshold": block_threshold, "segments": segments,
             "competitors": tuple(competitors), "bluesky": bluesky, "language": language,
             "topics": topics, "keywords": keywords}
    if month:
        check_month(month)
    if batch_file:
        if account:
            raise click.UsageError("give either ACCOUNT or --batch FILE, not both")
        explicit = {name: value for name, value in given.items()
                    if name != "store" and ctx.get_parameter_source(name)
                    not in (ParameterSource.DEFAULT, None)}
        if store_given():
            explicit["store"] = str(store.path)
        _batch(store, batch_file, explicit, formats, out_dir, workers)
        return
    if not account:
        raise click.UsageError("missing ACCOUNT (a handle in the store), or --batch FILE")
    if client_file:
        given.update(_profile_options(ctx, client_file, account))
    options = AudienceOptions(account=account, **{k: v for k, v in given.items()
                                                  if v is not None})
    fmts = parse_formats(formats)
    if formats is None and "pdf" not in fmts:
        click.echo("Chromium not found: rendering HTML only (install chromium for the PDF).",
                   err=True)
    click.echo(f"Rendering the report of @{options.account} ...", err=True)
    print_result(rep.render(options, formats=fmts, out_dir=out_dir, paper=paper))


def _split(value: str | None) -> tuple[str, ...] | None:
    """``"data tools, python"`` -> ("data tools", "python"); None stays None (not given)."""
    if value is None:
        return None
    return tuple(w.strip() for w in value.split(",") if w.strip())


def _profile_options(ctx, client_file: str, account: str) -> dict:
    """The report options ACCOUNT's client profile in ``client_file`` gives (its name, time
    zone, language, topics, keywords, competitors and Bluesky account), except those given on
    the command line."""
    import difflib

    from ..config import client_profile, read_batch_file
    from ..errors import SourceError

    entries = {str(e.get("account", "")).removeprefix("@").lower(): (where, e)
               for where, e in read_batch_file(client_file)}
    key = account.strip().removeprefix("@").lower()
    if key not in entries:
        close = difflib.get_close_matches(key, list(entries), n=1)
        raise ConfigError(f"{client_file} has no client @{account}"
                          + (f"; did you mean @{close[0]}?" if close else
                             f"; its clients: {', '.join('@' + k for k in entries)}"))
    where, entry = entries[key]
    try:
        profile = client_profile(entry, where=where)
    except ConfigError as exc:
        raise SourceError(str(exc), path=client_file) from None
    from_profile = {"client_name": entry.get("client_name") or entry.get("name") or "",
                    "tz": profile.tz, "language": profile.language, "topics": profile.topics,
                    "keywords": profile.keywords, "competitors": profile.competitors,
                    "bluesky": profile.bluesky}
    return {k: v for k, v in from_profile.items()
            if ctx.get_parameter_source(k) in (ParameterSource.DEFAULT, None)}


def _batch(store, batch_file, overrides, formats, out_dir, workers) -> None:
    if formats:
        overrides = {**overrides, "formats": parse_formats(formats)}
    clients = rep.read_clients(batch_file, overrides=overrides)
    clients = [c if c.store else rep.Client(c.options.replace(store=str(store.path)), c.formats)
               for c in clients]
    if any("pdf" in c.formats for c in clients) and not rep.find_chromium():
        raise ConfigError("the batch asks for PDF but Chromium is not installed (Debian: apt-get "
                          "install chromium); use --format html")
    finished: list = []
    with tqdm(total=len(clients), desc="reports", unit="report") as bar:
        def advance(row):
            finished.append(row)
            bar.set_postfix_str(("ok " if row["ok"] else "FAILED ") + "@" + row["account"])
            bar.update(1)

        try:
            result = rep.render_batch(clients, out_dir=out_dir, workers=workers,
                                      progress=advance)
        except KeyboardInterrupt:
            bar.close()
            _interrupted(finished, len(clients), out_dir)
    ok = len(result.results) - len(result.failures)
    click.echo(f"{ok} of {len(result.results)} reports rendered -> {result.index}")
    if ok:
        click.echo(f"  each client's report, notebook and lists (CSV): {Path(out_dir) / 'ACCOUNT'}"
                   f"{os.sep}")
    for row in result.failures:
        click.secho(f"  FAILED @{row['account']}: {row['error']}", fg="red", err=True)
    if result.failures:
        sys.exit(1)


def _interrupted(finished: list, total: int, out_dir) -> None:
    """Ctrl-C during a batch: what was rendered, what was kept, and what to do (exit 130)."""
    done = [r for r in finished if r["ok"]]
    names = ", ".join("@" + r["account"] for r in done)
    click.secho(
        f"\nInterrupted: {len(done)} of {total} reports were rendered before the stop"
        + (f" ({names})" if names else "") + ". The others were not replaced: a report is "
        "moved into place only when it is complete, so those of an earlier run stay, and "
        f"{out_dir}/index.html was not rewritten. Run the same command again to render every "
        "client and the index.", fg="yellow", err=True)
    sys.exit(130)
