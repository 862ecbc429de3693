"""The kit's exceptions: one base class and a few subclasses a caller may want to tell apart.

Every message says what was wrong, where (file, line, column, field, parameter) and, where it
helps, what would be right.
"""

from __future__ import annotations


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
