"""Options and helpers shared by the command modules."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

from ..store import Store


#: The widest name column a terminal list makes room for: a Bluesky handle is a domain name, far
#: longer than X's 15 characters, and an account whose handle does not verify is named by its DID,
#: ``did:plc:`` and 24 characters plus " (invalid handle)" (49), which fits whole; a longer name
#: is cut with an ellipsis (``--json`` and ``--csv`` have it whole).
NAME_COLUMN_MAX = 50


def name_column(ids, usernames, least: int) -> tuple[list[str], int]:
    """How a terminal list names each account, all cut to one width, and that width.

    An account is ``@HANDLE``, or its DID when its Bluesky handle does not verify
    (:func:`~follower_kit.analysis.relations.profile_label`, as the report names it), or
    ``id N`` without a handle. The width is the longest name's, at least ``least`` (what X's
    handles need) and at most :data:`NAME_COLUMN_MAX`, so the columns after it line up.

    Returns
    -------
    names : list of str
    width : int
    """
    from ..analysis.relations import profile_label
    from ..text import terminal

    names = [terminal(profile_label(i, u)) if isinstance(u, str) else f"id {terminal(i)}"
             for i, u in zip(ids, usernames)]
    width = max([least, *(min(len(n), NAME_COLUMN_MAX) for n in names)])
    return [terminal(n, width) for n in names], width


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
