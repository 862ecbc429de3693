"""The one place that reads the environment: the store directory and credentials.

Credentials come from the process environment or a git-ignored ``.env`` file, never from
notebook parameters. Nothing here logs or prints a secret; :func:`redact` masks known secrets in
any text that is about to leave the process (logs, errors).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .errors import ConfigError

STORE_ENV = "FOLLOWER_KIT_STORE"
DEFAULT_STORE = Path("data") / "store"
TOKEN_ENV = "X_BEARER_TOKEN"
#: A follower counts as a likely bot from this bot score.
BOT_THRESHOLD = 0.5
#: A follower goes on the block list from this bot score (when its kind belongs on one): the
#: threshold ``follower-kit bots train`` chose from the leave-one-out evidence and wrote into the
#: shipped model's card (``tests/test_bots.py`` checks the two agree).
BLOCK_THRESHOLD = 0.98
SECRET_ENVS = (TOKEN_ENV, "X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")


def store_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Resolve the store directory: an explicit path, else ``$FOLLOWER_KIT_STORE``, else ``data/store``."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(STORE_ENV)
    return Path(env).expanduser() if env else DEFAULT_STORE


def _dotenv_paths() -> list[Path]:
    here = Path.cwd()
    return [p / ".env" for p in (here, *here.parents)][:4]


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=value`` lines, optional ``export``, quotes, ``#`` comments."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


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
    """Every credential value this process has read or could read from the environment."""
    found = {os.environ[n] for n in SECRET_ENVS if os.environ.get(n)}
    return {s for s in (_KNOWN_SECRETS | found) if len(s) >= 8}


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
