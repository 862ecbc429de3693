"""Options and helpers shared by the command modules."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

from ..store import Store


def store_option(func):
    """Add ``--store DIR`` and pass a :class:`Store` as the ``store`` argument."""

    @click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
                  envvar="FOLLOWER_KIT_STORE", show_envvar=True,
                  help="Snapshot store directory [default: the nearest data/store].")
    @functools.wraps(func)
    def wrapper(*args, store_dir=None, **kwargs):
        return func(*args, store=Store(store_dir), **kwargs)

    return wrapper


def store_given() -> bool:
    """Whether ``--store`` was typed on this command line: it then wins over a clients file's
    ``store`` (as every option given there does), where ``$FOLLOWER_KIT_STORE`` does not."""
    source = click.get_current_context().get_parameter_source("store_dir")
    return source == click.core.ParameterSource.COMMANDLINE


def _a_file(ctx, param, value):
    """An output file's name, never a folder's ("out/" or a name ending in a separator)."""
    if value and value.endswith(("/", os.sep)):
        suffix = ".png" if param.name == "chart_path" else ".csv"
        raise click.BadParameter(f"{value!r} names a folder; give a file in it, e.g. "
                                 f"{value.rstrip('/' + os.sep)}/{ctx.info_name}{suffix}")
    return value


def out_file_option(flag: str, dest: str, help: str):
    """``--csv FILE`` or ``--chart FILE``: a file to write (its folder is made when missing)."""
    return click.option(flag, dest, type=click.Path(dir_okay=False, writable=True), default=None,
                        callback=_a_file, help=help)


def made_parent(path) -> Path:
    """``path`` as a Path, with its folder made (``--csv new/changes.csv``, like ``mkdir -p``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
