"""Options and helpers shared by the command modules."""

from __future__ import annotations

import functools

import click

from ..store import Store


def store_option(func):
    """Add ``--store DIR`` and pass a :class:`Store` as the ``store`` argument."""

    @click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
                  envvar="FOLLOWER_KIT_STORE", show_envvar=True,
                  help="Snapshot store directory [default: data/store].")
    @functools.wraps(func)
    def wrapper(*args, store_dir=None, **kwargs):
        return func(*args, store=Store(store_dir), **kwargs)

    return wrapper


HYDRATE_HINT = ("`follower-kit import archive PATH --hydrate` fetches the missing profiles with "
                "an X API token.")


def require_profiles(followers, account, what: str) -> None:
    """Stop with advice when none of ``followers`` has a profile (an X archive imported
    without ``--hydrate`` lists ids only): ``what`` needs profiles."""
    if len(followers) and followers["username"].isna().all():
        raise click.ClickException(
            f"none of the {len(followers):,} followers of {account} has a profile in the store "
            f"(an X archive lists followers by id only), so there is nothing to {what}. "
            f"{HYDRATE_HINT}")
