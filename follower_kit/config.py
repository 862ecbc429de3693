"""The one place that reads the environment: the store directory, credentials, client profiles.

Credentials come from the process environment or a git-ignored ``.env`` file, never from
notebook parameters. Nothing here logs or prints a secret; :func:`redact` masks known secrets in
any text that is about to leave the process (logs, errors).

Client profiles (:class:`ClientProfile`) come from a batch file such as
``examples/clients.toml``: who the client is, its time zone and language, the topics and
keywords it cares about, and its competitors' handles; :func:`read_client_profiles` validates
them when the file is read, and an error names the file, the client and the field.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, SourceError

STORE_ENV = "FOLLOWER_KIT_STORE"
DEFAULT_STORE = Path("data") / "store"
TOKEN_ENV = "X_BEARER_TOKEN"
#: A follower counts as a likely bot from this bot score, and goes on the block list from the
#: block score (when its kind belongs on one): the thresholds ``follower-kit bots train`` chose
#: from the leave-one-out evidence and wrote into the shipped model's card
#: (``tests/test_bot_kinds.py`` checks they agree; docs/bots.md gives the evidence).
BOT_THRESHOLD = 0.54
BLOCK_THRESHOLD = 0.93
#: The share of bots the report assumes for "an audience like most on X" when it says how many
#: people its block list may hold: Varol et al. (ICWSM 2017) estimate that 9-15% of active
#: Twitter accounts are bots; the upper end, since a follower list is where bought followers go.
TYPICAL_BOT_SHARE = 0.15
SECRET_ENVS = (TOKEN_ENV, "X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")


def store_dir(explicit: str | os.PathLike | None = None, *, start: Path | None = None) -> Path:
    """Resolve the store directory.

    An explicit path, else ``$FOLLOWER_KIT_STORE``, else the nearest existing ``data/store`` in
    the working directory or one of its parents (Jupyter, VS Code and ``papermill --cwd`` start
    notebooks in ``notebooks/``, below the project's ``data/store``), else ``data/store`` in the
    working directory.

    Returns
    -------
    Path
    """
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / DEFAULT_STORE).is_dir():
            return folder / DEFAULT_STORE
    return DEFAULT_STORE


def _dotenv_paths() -> list[Path]:
    here = Path.cwd()
    return [p / ".env" for p in (here, *here.parents)][:4]


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file with python-dotenv: ``KEY=value`` lines, optional ``export``,
    quotes, ``#`` comments; keys without a value are left out and nothing is interpolated (a
    token may hold ``$``)."""
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path, interpolate=False).items() if v is not None}


def secret(name: str, *, required: bool = False) -> str | None:
    """Read a credential from the environment, else from the nearest ``.env`` (cwd and 3 parents)."""
    value = os.environ.get(name)
    if not value:
        for path in _dotenv_paths():
            if path.is_file():
                value = read_dotenv(path).get(name)
                if value:
                    break
    if required and not value:
        raise ConfigError(
            f"{name} is not set. Put it in the environment or in a git-ignored .env file "
            f"({name}=...); it is never read from notebook parameters."
        )
    remember_secret(value)
    return value or None


def bearer_token(*, required: bool = True) -> str | None:
    """The X API bearer token (``X_BEARER_TOKEN``)."""
    return secret(TOKEN_ENV, required=required)


_KNOWN_SECRETS: set[str] = set()


def remember_secret(value: str | None) -> None:
    """Treat ``value`` as a secret from now on (a token passed in directly, not read here)."""
    if value:
        _KNOWN_SECRETS.add(value)


def known_secrets() -> set[str]:
    """Every credential value this process has read or could read from the environment or the
    nearest ``.env`` files (which :func:`secret` reads, and so could a report's kernel)."""
    found = {os.environ[n] for n in SECRET_ENVS if os.environ.get(n)}
    for path in _dotenv_paths():
        try:
            stamp = path.stat()
        except OSError:
            continue
        found |= _dotenv_secrets(str(path), stamp.st_mtime_ns, stamp.st_size)
    return {s for s in (_KNOWN_SECRETS | found) if len(s) >= 8}


@functools.lru_cache(maxsize=16)
def _dotenv_secrets(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    """The credentials a ``.env`` holds, parsed once per version of the file (the log filter
    asks for every line it passes)."""
    if not Path(path).is_file():
        return frozenset()
    values = read_dotenv(Path(path))
    return frozenset(values[n] for n in SECRET_ENVS if values.get(n))


def redact(text: str) -> str:
    """Replace every known secret in ``text`` by ``***``."""
    for value in known_secrets():
        text = text.replace(value, "***")
    return text


class RedactSecrets(logging.Filter):
    """A logging filter that masks known secrets (tweepy logs the Authorization header at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def guard_logging(*loggers: str) -> None:
    """Attach :class:`RedactSecrets` to the given loggers (default: tweepy, requests, urllib3) and
    to every handler of the root logger, so a secret is masked whatever logging a user turns on."""
    names = loggers or ("tweepy", "tweepy.client", "requests_oauthlib", "urllib3", "oauthlib")
    flt = RedactSecrets()
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(flt)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(flt)


# ------------------------------------------------------------------------------ client profiles
#: The keys of a batch file's client tables that make up the client profile. Report options
#: (store, formats, thresholds ...) sit beside them and are read by the report.
PROFILE_KEYS = ("account", "name", "tz", "language", "topics", "keywords", "competitors",
                "network", "bluesky")
NETWORKS = ("x", "bluesky")
#: X allows 15 characters in new handles; older and sample accounts are longer, so up to 50.
_HANDLE = re.compile(r"@?[A-Za-z0-9_]{1,50}")
#: A Bluesky handle (a domain name) or a DID.
_BLUESKY_ACCOUNT = re.compile(r"@?(([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
                              r"[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
                              r"|did:[a-z]+:[A-Za-z0-9._:%-]+)")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


@dataclass(frozen=True)
class ClientProfile:
    """Who a report is for and what the client cares about.

    Attributes
    ----------
    account : str
        The client's handle (without ``@``).
    name : str
        The client's name as the report shows it (default: the handle).
    tz : str
        IANA time zone for hours and dates (``Europe/Berlin``).
    language : str
        Language of the client's audience and report, a BCP 47 tag (``en``, ``de``, ``pt-BR``).
    topics, keywords : tuple of str
        What the client is about (``topics``: broad, ``keywords``: words to match); both drive
        "follow back" and "check out" (see :attr:`match_words`).
    competitors : tuple of str
        Competitors' handles (without ``@``), for comparisons.
    network : str
        ``x`` or ``bluesky`` (default: ``bluesky`` for a handle with a dot or a DID).
    bluesky : str
        The client's own Bluesky account (handle or DID) beside its X ``account``, for the
        report's side-by-side section; "" for none.
    """

    account: str
    name: str = ""
    tz: str = "UTC"
    language: str = "en"
    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    network: str = "x"
    bluesky: str = ""

    @property
    def match_words(self) -> list[str]:
        """Topics and keywords in one list, each once (what ``triage(keywords=...)`` takes)."""
        return list(dict.fromkeys(w.lower() for w in (*self.topics, *self.keywords)))


# The checks of the values a client profile and the report's options share (audience.
# AudienceOptions calls them too): each raises ConfigError naming the field and what is right;
# client_profile adds which client.
def check_words(value, field: str) -> tuple[str, ...]:
    """A word or a list of words -> a tuple of stripped words, repeats folded."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{field} must be a list of words, e.g. {field} = "
                          f"[\"data tools\", \"#python\"]; got {value!r}")
    if any(not v.strip() for v in value):
        raise ConfigError(f"{field} holds an empty word; remove it")
    return tuple(dict.fromkeys(v.strip() for v in value))


def check_handles(value, field: str = "competitors", account: str = "", *,
                  owner: str = "account") -> tuple[str, ...]:
    """X handles from a list or a comma-separated string, ``@`` dropped, each once, in order;
    an error names the bad handles, and refuses ``account`` itself (called the ``owner``)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    try:
        handles = [str(v).strip().removeprefix("@") for v in value]
    except TypeError:
        raise ConfigError(f"{field} must be a list of X handles, e.g. "
                          f"[\"datadock\", \"chartwell\"], not {value!r}") from None
    bad = [h for h in handles if not _HANDLE.fullmatch(h)]
    if bad:
        raise ConfigError(f"{field} must be X handles (letters, digits and _), not "
                          f"{', '.join(map(repr, bad))}")
    if account and account.lower() in {h.lower() for h in handles}:
        raise ConfigError(f"{field} lists the {owner} itself (@{account})")
    return tuple(dict.fromkeys(handles))


def check_bluesky(value, account: str = "") -> str:
    """A Bluesky handle or DID (``@`` dropped), or "" for none; refused when ``account`` is
    itself a Bluesky account (the side-by-side section compares an X audience with a Bluesky
    one)."""
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"bluesky must be a Bluesky handle (brightwave.bsky.social) or a DID "
                          f"(did:plc:...), not {value!r}")
    value = (value or "").strip()
    if not value:
        return ""
    if not _BLUESKY_ACCOUNT.fullmatch(value):
        raise ConfigError(f"bluesky must be a Bluesky handle (brightwave.bsky.social) or a DID "
                          f"(did:plc:...), not {value!r}")
    if "." in account or account.startswith("did:"):
        raise ConfigError(f"bluesky names the client's Bluesky account beside its X account; "
                          f"{account!r} is already a Bluesky account: report on the X handle "
                          f"with bluesky={value!r}")
    return value.removeprefix("@")


def check_language(language) -> str:
    """A BCP 47 language tag (``en``, ``de``, ``pt-BR``), returned as given."""
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        raise ConfigError(f"language must be a language tag such as 'en', 'de' or 'pt-BR', "
                          f"not {language!r}")
    return language


def check_tz(tz) -> str:
    """An IANA time zone name (``UTC``, ``Europe/Berlin``), returned as given."""
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {tz!r}: use an IANA name such as 'UTC', "
                          "'Europe/Berlin' or 'America/New_York'") from None
    return str(tz)


def client_profile(entry: Mapping, *, where: str = "client") -> ClientProfile:
    """Validate one client's table (defaults already merged in) and make its profile.

    Parameters
    ----------
    entry : mapping
        The client's keys; keys other than :data:`PROFILE_KEYS` are ignored here.
    where : str
        Names the client in errors (``clients.toml: client #2``).

    Returns
    -------
    ClientProfile

    Raises
    ------
    ConfigError
        When a value is wrong; the message names ``where``, the account and the field, and
        says what would be right.
    """
    account = entry.get("account")
    network = check_network(entry.get("network"), where) or (
        "bluesky" if isinstance(account, str) and "." in account or
        str(account).startswith("did:") else "x")
    if network == "bluesky":
        if not isinstance(account, str) or not _BLUESKY_ACCOUNT.fullmatch(account.strip()):
            raise ConfigError(f"{where}: account must be a Bluesky handle (alice.bsky.social) "
                              f"or a DID (did:plc:...), got {account!r}")
    elif not isinstance(account, str) or not _HANDLE.fullmatch(account.strip()):
        raise ConfigError(f"{where}: account must be an X handle (letters, digits and _), "
                          f"got {account!r}")
    account = account.strip().removeprefix("@")
    where = f"{where} (@{account})"
    name = entry.get("name", "")
    if not isinstance(name, str):
        raise ConfigError(f"{where}: name must be text, got {name!r}")
    try:  # the same checks as the report's options, with the client named
        tz = check_tz(entry.get("tz", "UTC"))
        language = check_language(entry.get("language", "en"))
        topics = check_words(entry.get("topics", ()), "topics")
        keywords = check_words(entry.get("keywords", ()), "keywords")
        competitors = check_handles(entry.get("competitors", ()), "competitors", account,
                                    owner="client")
        bluesky = check_bluesky(entry.get("bluesky", ""),
                                account if network == "bluesky" else "")
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return ClientProfile(account=account, name=name or account, tz=str(tz), language=language,
                         topics=topics, keywords=keywords, competitors=competitors,
                         network=network, bluesky=bluesky)


def check_network(value, where: str) -> str | None:
    """``value`` when it names a network (``x``, ``bluesky``), None when absent.

    Raises
    ------
    ConfigError
        Naming ``where`` and the networks allowed.
    """
    if value is None:
        return None
    if value not in NETWORKS:
        raise ConfigError(f"{where}: network must be 'x' or 'bluesky', got {value!r}")
    return value


def read_batch_file(path: str | os.PathLike) -> list[tuple[str, dict]]:
    """Read a batch file's client tables, each merged over ``[defaults]``.

    Returns
    -------
    list of (str, dict)
        Per ``[[client]]`` table, in file order: where it is (``PATH: client #N``, for error
        messages) and its keys with the defaults filled in.

    Raises
    ------
    SourceError
        When the file cannot be read, is not TOML, or holds no ``[[client]]`` table.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(f"cannot read the clients file {path}: {exc}", path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{path}: not valid TOML: {exc}", path=path,
                          line=getattr(exc, "lineno", None)) from exc
    defaults = data.get("defaults", {})
    entries = data.get("client", [])
    if not isinstance(defaults, dict):
        raise SourceError(f"{path}: defaults must be a [defaults] table, got {defaults!r}",
                          path=path)
    if not isinstance(entries, list) or not entries:
        raise SourceError(f"{path}: no [[client]] tables (each needs account = \"handle\")",
                          path=path)
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SourceError(f"{path}: client #{i} must be a [[client]] table, got {entry!r}",
                              path=path)
    out = [(f"{path}: client #{i}", {**defaults, **entry})
           for i, entry in enumerate(entries, start=1)]
    for where, entry in out:
        try:
            check_network(entry.get("network"), where)
        except ConfigError as exc:
            raise SourceError(str(exc), path=path) from None
    return out


def read_client_profiles(path: str | os.PathLike) -> list[ClientProfile]:
    """Read the client profiles of a batch file (a ``[defaults]`` table and ``[[client]]``
    tables; see ``examples/clients.toml``).

    Returns
    -------
    list of ClientProfile
        In file order.

    Raises
    ------
    SourceError
        When the file cannot be read or parsed, holds no client, or a value is wrong (the
        message names the file, the client number and handle, and the field).
    """
    profiles = []
    for where, entry in read_batch_file(path):
        try:
            profiles.append(client_profile(entry, where=where))
        except ConfigError as exc:
            raise SourceError(str(exc), path=Path(path)) from None
    return profiles
