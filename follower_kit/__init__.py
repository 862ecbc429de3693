"""follower-kit: understand who follows an account on X.

The short public API a notebook imports::

    import follower_kit as fk
    store = fk.Store()                      # data/store, or $FOLLOWER_KIT_STORE
    followers = store.followers("northwind_coffee")
"""

from .errors import ConfigError, FollowerKitError, SchemaError, SourceError, StoreError
from .schema import coerce, empty, validate
from .store import Store

__all__ = [
    "ConfigError",
    "FollowerKitError",
    "SchemaError",
    "SourceError",
    "Store",
    "StoreError",
    "coerce",
    "empty",
    "validate",
]
__version__ = "0.1.0"
