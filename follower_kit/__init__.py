"""follower-kit: understand who follows an account on X.

The short public API a notebook imports::

    import follower_kit as fk

    data = fk.load_sample()                   # the built-in sample's latest month (MonthData)
    data = fk.load_month("brightwave", "2026-10")   # any account's month from the store
    scores = fk.score_bots(data)              # follower_id, bot_score, reasons, ...
    segments = fk.segment(data)               # follower_id, segment, label, ...
    fk.report("brightwave", month="2026-10")  # the monthly report (HTML, PDF with Chromium)
    store = fk.Store()                        # $FOLLOWER_KIT_STORE, else the project's data/store

Every step takes an optional :class:`AudienceOptions` (``top_n``, ``bot_threshold``,
``block_threshold``, ``segments``, ``tz`` ...), the same options as the CLI and the report.
Key columns: a profile's own id is ``id``; a result about a follower is keyed by
``follower_id``.
"""

from . import report
from .audience import (AudienceOptions, MonthData, block_list, growth, load_month, score_bots,
                       segment, triage)
from .errors import (ConfigError, FollowerKitError, RenderError, SchemaError, SourceError,
                     StoreError)
from .schema import coerce, empty, validate
from .store import Store


def load_sample(month: str | None = None, *, store=None) -> MonthData:
    """A month of the built-in sample audience (@brightwave: 5,000 followers, 12 monthly
    snapshots, bots and topic communities), ready for the other steps.

    The sample is generated offline and written into the store first when the store does not
    hold it yet (as ``follower-kit sample`` does; the same sample is never written twice).

    Parameters
    ----------
    month : str, optional
        ``YYYY-MM``; default the sample's last month.
    store : Store or path, optional
        Default the default store (``$FOLLOWER_KIT_STORE``, else the project's ``data/store``).

    Returns
    -------
    MonthData

    Examples
    --------
    >>> import follower_kit as fk
    >>> data = fk.load_sample()                                   # doctest: +SKIP
    >>> data
    MonthData(@brightwave 2026-10, snapshot 2026-10-31, previous 2026-09-30: 5,000 followers, ...)
    >>> int((fk.score_bots(data)["bot_score"] >= 0.5).sum())      # doctest: +SKIP
    1121
    """
    from .audience import as_store
    from . import ingest
    from .sources import sample

    store = as_store(store)
    # with its competitors, as `follower-kit sample` and `make demo` build it: the same store
    audience = sample.generate(competitors=sample.DEFAULT_COMPETITORS)
    state = ingest.stored_state(store, audience)
    if state in ("stale", "foreign"):
        raise ConfigError(f"@{audience.account['username']} in {store.path} is not the built-in "
                          f"sample ({state}); nothing was changed. Give load_sample another "
                          "store, or rebuild it with `follower-kit sample --replace`.")
    if state == "absent":
        ingest.write_sample(store, audience)
    return load_month(audience.account["username"], month or
                      f"{audience.snapshot_times[-1]:%Y-%m}", store=store)


__all__ = [
    "AudienceOptions",
    "ConfigError",
    "FollowerKitError",
    "MonthData",
    "RenderError",
    "SchemaError",
    "SourceError",
    "Store",
    "StoreError",
    "block_list",
    "coerce",
    "empty",
    "growth",
    "load_month",
    "load_sample",
    "report",
    "score_bots",
    "segment",
    "triage",
    "validate",
]
__version__ = "0.1.0"
