"""Validate XRPC requests and responses against the official AT Protocol lexicon JSON files.

A small validator for the lexicon types the Bluesky source uses: ``object``, ``params``,
``string`` (formats did, handle, at-identifier, datetime, uri, at-uri, cid, language, nsid, tid;
``maxLength``, ``enum``, ``const``), ``integer`` (``minimum``, ``maximum``), ``boolean``,
``array`` (``maxLength``), ``ref``, ``union`` (open and closed), ``unknown``, ``blob``,
``bytes``, ``token``. Objects are open (unknown keys are allowed, as the spec says clients must
tolerate them); ``knownValues`` are open too. (No PyPI package validates lexicons in Python
without the ``atproto`` SDK's code generator and its pydantic models; this reads the JSON
files as they are.)

Use::

    lex = Lexicons("../shared/data/bluesky/lexicons")
    lex.check_params("app.bsky.graph.getFollowers", {"actor": "alice.bsky.social"})  # []
    lex.check_output("app.bsky.graph.getFollowers", body)  # list of problems, [] when valid
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

_FORMATS = {
    "did": re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]"),
    "handle": re.compile(r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
                         r"[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"),
    "datetime": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                           r"(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"),
    "uri": re.compile(r"[a-z][a-z0-9+.-]*:\S+"),
    "at-uri": re.compile(r"at://[^\s/?#]+(/[a-zA-Z0-9.-]+(/[a-zA-Z0-9._~:@!$&')(*+,;=%-]+)?)?"),
    "cid": re.compile(r"[a-zA-Z0-9+=]{8,256}"),
    "language": re.compile(r"(i|[a-zA-Z]{2,3})(-[a-zA-Z0-9]+)*"),
    "nsid": re.compile(r"[a-zA-Z]([a-zA-Z0-9-]*)(\.[a-zA-Z0-9-]+)+"),
    "tid": re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}"),
    "record-key": re.compile(r"[a-zA-Z0-9._:~-]{1,512}"),
}
_FORMATS["at-identifier"] = re.compile(f"(?:{_FORMATS['did'].pattern})|"
                                       f"(?:{_FORMATS['handle'].pattern})")


class Lexicons:
    """Every lexicon document under a folder, by NSID."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.docs: dict[str, dict] = {}
        for path in sorted(self.root.rglob("*.json")):
            doc = json.loads(path.read_text())
            self.docs[doc["id"]] = doc
        if not self.docs:
            raise FileNotFoundError(f"no lexicon JSON files under {self.root}")

    def _def(self, ref: str, context: str) -> tuple[dict, str]:
        nsid, _, name = ref.partition("#")
        nsid = nsid or context
        doc = self.docs.get(nsid)
        if doc is None or (name or "main") not in doc["defs"]:
            raise KeyError(f"lexicon ref {ref!r} (from {context}) is not in {self.root}")
        return doc["defs"][name or "main"], nsid

    # ---------------------------------------------------------------- public
    def check_params(self, nsid: str, query: Mapping) -> list[str]:
        """Problems of a query's parameters (values as sent: strings, or lists of them)."""
        main, _ = self._def(nsid, nsid)
        params = main.get("parameters") or {"properties": {}}
        props = params.get("properties", {})
        out = [f"{nsid}: missing required parameter {k!r}"
               for k in params.get("required", []) if k not in query]
        for key, value in query.items():
            spec = props.get(key)
            if spec is None:
                out.append(f"{nsid}: unknown parameter {key!r}")
                continue
            values = value if isinstance(value, list) else [value]
            if spec["type"] != "array" and len(values) > 1:
                out.append(f"{nsid}: parameter {key!r} given {len(values)} times")
            if spec["type"] == "array":
                if "maxLength" in spec and len(values) > spec["maxLength"]:
                    out.append(f"{nsid}: parameter {key!r} has {len(values)} values, at most "
                               f"{spec['maxLength']} allowed")
                item = spec["items"]
            else:
                item = spec
            for v in values:
                out += self._check(_from_query(v, item), item, f"{nsid}?{key}", nsid)
        return out

    def check_output(self, nsid: str, body) -> list[str]:
        """Problems of a query's JSON output against its ``output.schema``."""
        main, _ = self._def(nsid, nsid)
        return self._check(body, main["output"]["schema"], nsid, nsid)

    def check(self, value, ref: str) -> list[str]:
        """Problems of a value against a named definition (``app.bsky.actor.defs#profileView``)."""
        spec, nsid = self._def(ref, ref)
        return self._check(value, spec, ref, nsid)

    # ---------------------------------------------------------------- types
    def _check(self, value, spec: Mapping, path: str, ctx: str) -> list[str]:
        t = spec.get("type")
        if t == "ref":
            target, nsid = self._def(spec["ref"], ctx)
            return self._check(value, target, path, nsid)
        if t == "union":
            return self._union(value, spec, path, ctx)
        if t in ("object", "params"):
            return self._object(value, spec, path, ctx)
        if t == "record":
            return self._object(value, spec["record"], path, ctx)
        if t == "array":
            if not isinstance(value, list):
                return [f"{path}: expected an array, got {type(value).__name__}"]
            out = []
            if "maxLength" in spec and len(value) > spec["maxLength"]:
                out.append(f"{path}: {len(value)} items, at most {spec['maxLength']}")
            if "minLength" in spec and len(value) < spec["minLength"]:
                out.append(f"{path}: {len(value)} items, at least {spec['minLength']}")
            for i, v in enumerate(value):
                out += self._check(v, spec["items"], f"{path}[{i}]", ctx)
            return out
        if t == "string":
            return _string(value, spec, path)
        if t == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                return [f"{path}: expected an integer, got {value!r}"]
            out = []
            if "minimum" in spec and value < spec["minimum"]:
                out.append(f"{path}: {value} is below the minimum {spec['minimum']}")
            if "maximum" in spec and value > spec["maximum"]:
                out.append(f"{path}: {value} is above the maximum {spec['maximum']}")
            if "enum" in spec and value not in spec["enum"]:
                out.append(f"{path}: {value} is not one of {spec['enum']}")
            return out
        if t == "boolean":
            return [] if isinstance(value, bool) else [f"{path}: expected a boolean, got "
                                                       f"{value!r}"]
        if t == "unknown":
            return [] if isinstance(value, Mapping) else [f"{path}: expected an object"]
        if t == "blob":
            ok = isinstance(value, Mapping) and (value.get("$type") == "blob" or
                                                 ("cid" in value and "mimeType" in value))
            return [] if ok else [f"{path}: expected a blob"]
        if t == "bytes":
            return [] if isinstance(value, Mapping) and "$bytes" in value else \
                [f"{path}: expected bytes ({{'$bytes': ...}})"]
        if t == "cid-link":
            return [] if isinstance(value, Mapping) and "$link" in value else \
                [f"{path}: expected a cid-link"]
        if t == "token":
            return [] if isinstance(value, str) else [f"{path}: expected a token string"]
        return [f"{path}: lexicon type {t!r} is not supported by this validator"]

    def _object(self, value, spec: Mapping, path: str, ctx: str) -> list[str]:
        if not isinstance(value, Mapping):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        props = spec.get("properties", {})
        nullable = set(spec.get("nullable", []))
        out = [f"{path}: missing required field {k!r}" for k in spec.get("required", [])
               if k not in value]
        for key, v in value.items():
            if key in props:
                if v is None and key in nullable:
                    continue
                out += self._check(v, props[key], f"{path}.{key}", ctx)
        return out

    def _union(self, value, spec: Mapping, path: str, ctx: str) -> list[str]:
        if not isinstance(value, Mapping) or not isinstance(value.get("$type"), str):
            return [f"{path}: a union member needs a $type"]
        want = value["$type"].removesuffix("#main")
        for ref in spec["refs"]:
            full = (ctx + ref if ref.startswith("#") else ref).removesuffix("#main")
            if full == want:
                return self._check(value, {"type": "ref", "ref": full}, path, ctx)
        if spec.get("closed"):
            return [f"{path}: $type {want!r} is not one of the closed union {spec['refs']}"]
        return []  # an open union admits types it does not list


def _from_query(value, spec: Mapping):
    """A query-string value typed as its parameter says (integers and booleans arrive as text)."""
    if spec.get("type") == "integer":
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    if spec.get("type") == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


def _string(value, spec: Mapping, path: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{path}: expected a string, got {type(value).__name__}"]
    out = []
    fmt = spec.get("format")
    if fmt in _FORMATS and not _FORMATS[fmt].fullmatch(value) and \
            not (fmt == "handle" and value == "handle.invalid"):
        out.append(f"{path}: {value[:80]!r} is not a valid {fmt}")
    if "maxLength" in spec and len(value.encode()) > spec["maxLength"]:
        out.append(f"{path}: {len(value.encode())} bytes, at most {spec['maxLength']}")
    if "enum" in spec and value not in spec["enum"]:
        out.append(f"{path}: {value!r} is not one of {spec['enum']}")
    if "const" in spec and value != spec["const"]:
        out.append(f"{path}: {value!r} must be {spec['const']!r}")
    return out


__all__ = ["Lexicons"]
