"""The ``follower-kit`` command line: click commands that wire sources, store and analysis together.

Each area keeps its commands in a module of this package and registers them below. Every command
takes ``--store DIR`` (else ``$FOLLOWER_KIT_STORE``, else ``data/store``).
"""

from __future__ import annotations

import logging
import sys

import click

from .. import config
from ..errors import FollowerKitError
from .common import store_option  # noqa: F401  (re-exported for the command modules)


class _Group(click.Group):
    """A group that turns the kit's own errors into one clear line and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FollowerKitError as exc:
            click.secho(f"error: {config.redact(str(exc))}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="follower-kit")
def main(verbose: int) -> None:
    """Understand who follows an account on X.

    Pull followers with the X API (or import an X archive or twarc2 files), keep them in a local
    snapshot store, find bots and topic segments, chart growth, and render monthly reports.
    Everything works offline on the built-in sample audience: try `follower-kit demo`.
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config.guard_logging()


from . import sample as _sample  # noqa: E402
from . import store as _store  # noqa: E402

main.add_command(_sample.sample)
main.add_command(_sample.demo)
main.add_command(_store.store)
from .bots import bots as _bots  # noqa: E402
main.add_command(_bots)
from . import fake as _fake, imports as _imports, pull as _pull  # noqa: E402
main.add_command(_pull.pull); main.add_command(_imports.import_); main.add_command(_fake.fake_server)
from .growth import growth as _growth, triage as _triage  # noqa: E402
main.add_command(_growth); main.add_command(_triage)
from .report import report as _report  # noqa: E402
main.add_command(_report)
from .topics import topics as _topics  # noqa: E402
main.add_command(_topics)
