"""The kit's exceptions: one base class and a few subclasses a caller may want to tell apart.

Every message says what was wrong, where (file, line, column, field, parameter) and, where it
helps, what would be right.
"""

from __future__ import annotations

import errno


class FollowerKitError(Exception):
    """Base class of every error the kit raises on purpose."""


class SchemaError(FollowerKitError, ValueError):
    """A frame does not match its canonical schema.

    Attributes
    ----------
    frame : str
        Which canonical frame ("users", "followers", "tweets").
    column : str or None
        The offending column, when one is to blame.
    """

    def __init__(self, message: str, *, frame: str = "", column: str | None = None):
        super().__init__(message)
        self.frame = frame
        self.column = column


class StoreError(FollowerKitError):
    """The snapshot store cannot be read or written (names the file or directory)."""

    def __init__(self, message: str, *, path: object = None):
        super().__init__(message)
        self.path = path


class AmbiguousHandle(StoreError):
    """A handle that the latest snapshots of two or more accounts carry: the message names
    every id, one of which the caller passes instead."""


class SourceError(FollowerKitError):
    """Foreign input (an archive, a JSONL file, a data set) cannot be parsed.

    Attributes
    ----------
    path : str or None
        The file at fault.
    line : int or None
        The 1-based line (or record) number, when known.
    """

    def __init__(self, message: str, *, path: object = None, line: int | None = None):
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.line = line


class ConfigError(FollowerKitError):
    """Configuration is missing or wrong (a credential, a store directory)."""


#: OSError numbers that mean "this place cannot be written", with the advice each gets.
WRITE_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space (or choose another store with --store DIR "
                  "or FOLLOWER_KIT_STORE) and run the command again",
    errno.EDQUOT: "the disk quota is used up: free some space (or choose another store with "
                  "--store DIR) and run the command again",
    errno.EROFS: "the store is on a read-only file system: choose a writable store with "
                 "--store DIR or FOLLOWER_KIT_STORE",
    errno.EACCES: "this user may not write there: choose a writable store with --store DIR "
                  "or FOLLOWER_KIT_STORE, or fix its permissions",
    errno.EPERM: "this user may not write there: choose a writable store with --store DIR "
                 "or FOLLOWER_KIT_STORE, or fix its permissions",
}


def write_error(exc: OSError, path: object, what: str = "nothing was committed") -> StoreError:
    """A :class:`StoreError` for a failed write: which file, the system's reason, and advice
    (disk full, read-only, permissions); ``what`` says what state the store was left in."""
    advice = WRITE_ADVICE.get(exc.errno, "check the disk and run the command again")
    where = exc.filename or path
    return StoreError(f"cannot write {where}: {exc.strerror or exc}; {what}. {advice}",
                      path=where)
class RenderError(FollowerKitError):
    """A report could not be rendered.

    Attributes
    ----------
    account, month : str
    notebook : Path or None
        The executed (partial) notebook, kept for inspection.
    cell_index : int or None
        Index (0-based) of the failing cell in the notebook that was executed (the template, not
        counting the cells papermill adds), when a cell failed.
    """

    def __init__(self, message: str, *, account: str = "", month: str = "",
                 notebook: object = None, cell_index: int | None = None):
        super().__init__(message)
        self.account = account
        self.month = month
        self.notebook = notebook
        self.cell_index = cell_index

