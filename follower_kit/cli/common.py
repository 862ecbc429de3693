"""Options and helpers shared by the command modules."""

from __future__ import annotations

import functools

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
