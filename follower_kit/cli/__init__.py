"""The ``follower-kit`` command line: click commands that wire sources, store and analysis together.

Each area keeps its commands in a module of this package and registers them below. Every command
takes ``--store DIR`` (else ``$FOLLOWER_KIT_STORE``, else ``data/store``).
"""

from __future__ import annotations

import logging
import sys

import click
from tqdm.contrib.logging import logging_redirect_tqdm

from .. import config
from ..errors import WRITE_ADVICE, FollowerKitError, write_error
from ..text import terminal
from .common import store_option  # noqa: F401  (re-exported for the command modules)


class _Group(click.Group):
    """A group that lists commands in the order they were added and turns the kit's own errors
    into one clear line and exit status 1."""

    def list_commands(self, ctx):
        return list(self.commands)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FollowerKitError as exc:
            click.secho(f"error: {terminal(config.redact(str(exc)))}", fg="red", err=True)
            sys.exit(1)
        except OSError as exc:  # a write the library did not expect to fail: still advice
            if exc.errno not in WRITE_ADVICE:
                raise
            message = str(write_error(exc, exc.filename, "the store keeps what was complete"))
            click.secho(f"error: {terminal(config.redact(message))}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="follower-kit")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """Understand who follows an account on X or Bluesky.

    Pull followers with the X API or from Bluesky (or import an X archive or twarc2 files), keep
    them in a local snapshot store, find bots and topic segments, chart growth, and render monthly
    reports.
    Everything works offline on the built-in sample audience: try `follower-kit demo`.
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), handlers=[_Stderr()],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config.guard_logging()
    # log lines go above the progress bars for the command's run (a plain write would break a
    # bar's line in two, e.g. a rate-limit wait in the middle of a pull)
    ctx.with_resource(logging_redirect_tqdm())


class _Stderr(logging.StreamHandler):
    """A handler on stderr as it is when a record is written: click's test runner swaps
    ``sys.stderr`` for each call, and tqdm's redirect takes the stream from this handler."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it; the property wins
        pass


# The commands, in the order `follower-kit --help` lists them: the data flow, sources first.
from .ages import ages  # noqa: E402
from .audience import audience  # noqa: E402
from .bots import bots  # noqa: E402
from .compare import compare  # noqa: E402
from .fake import fake_server  # noqa: E402
from .growth import changes, growth, triage  # noqa: E402
from .imports import import_  # noqa: E402
from .pull import pull  # noqa: E402
from .report import report  # noqa: E402
from .sample import demo, sample  # noqa: E402
from .store import store  # noqa: E402
from .topics import topics  # noqa: E402

for _command in (demo, sample, pull, import_, store, bots, topics, growth, changes, triage,
                 ages, audience, compare, report, fake_server):
    main.add_command(_command)
