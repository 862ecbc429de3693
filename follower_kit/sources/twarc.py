"""twarc2 JSONL pages (one X API v2 response page a line) -> the canonical frames.

twarc2 writes every response page as one JSON line, stamped with ``__twarc`` (the request URL and
when it was retrieved). The kit's own API pulls checkpoint their pages in the same shape, so one
reader serves both.

Parsing is vectorized: Arrow's multi-threaded JSON reader parses the pages against an explicit
schema holding only the fields the canonical frames need (everything else is skipped unparsed),
then Arrow compute kernels flatten ``data`` into columns. A line that Arrow cannot read (a page
whose ``data`` is one object, a malformed line) sends the file through a slower per-line path that
names the line at fault.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from .. import schema
from ..errors import SourceError
from ..wording import plural

log = logging.getLogger(__name__)

_TS = pa.timestamp("us", tz="UTC")
_S = pa.large_string()  # what pandas' str dtype holds: no copy on conversion
_URLS = pa.list_(pa.struct([("expanded_url", _S), ("url", _S)]))

#: One X API v2 object as the reader sees it: the user fields and the tweet fields the canonical
#: frames need, merged (a page's ``data`` holds users or tweets; the other half stays null).
OBJECT = pa.struct([
    ("id", _S), ("username", _S), ("name", _S), ("description", _S), ("location", _S),
    ("url", _S), ("created_at", _TS),
    ("public_metrics", pa.struct([
        ("followers_count", pa.int64()), ("following_count", pa.int64()),
        ("tweet_count", pa.int64()), ("listed_count", pa.int64()), ("like_count", pa.int64()),
        ("retweet_count", pa.int64()), ("reply_count", pa.int64()), ("quote_count", pa.int64()),
    ])),
    ("verified", pa.bool_()), ("verified_type", _S), ("protected", pa.bool_()),
    ("profile_image_url", _S), ("pinned_tweet_id", _S),
    ("author_id", _S), ("text", _S), ("lang", _S), ("conversation_id", _S),
    ("in_reply_to_user_id", _S),
    ("referenced_tweets", pa.list_(pa.struct([("type", _S), ("id", _S)]))),
    ("entities", pa.struct([
        ("url", pa.struct([("urls", _URLS)])),
        ("hashtags", pa.list_(pa.struct([("tag", _S)]))),
        ("mentions", pa.list_(pa.struct([("username", _S)]))),
        ("urls", _URLS),
    ])),
])
ERROR = pa.struct([("value", _S), ("detail", _S), ("title", _S), ("type", _S),
                   ("resource_type", _S), ("resource_id", _S), ("parameter", _S)])
#: The page schema the reader applies (unknown fields are ignored).
PAGE = pa.schema([
    ("data", pa.list_(OBJECT)),
    ("includes", pa.struct([("users", pa.list_(OBJECT)), ("tweets", pa.list_(OBJECT))])),
    ("errors", pa.list_(ERROR)),
    ("meta", pa.struct([("result_count", pa.int64()), ("next_token", _S)])),
    ("__twarc", pa.struct([("url", _S), ("retrieved_at", _TS)])),
])

#: The narrower schema :func:`read_users` streams with: only what a user object needs. The JSON
#: reader builds arrays for every field in its schema, so leaving out the tweet fields makes user
#: pages parse about 40% faster.
USER_OBJECT = pa.struct(
    [f for f in OBJECT if f.name in {
        "id", "username", "name", "description", "location", "url", "created_at", "verified",
        "verified_type", "protected", "profile_image_url", "pinned_tweet_id", "author_id"}]
    + [("public_metrics", pa.struct([
        (name, pa.int64()) for name in ("followers_count", "following_count", "tweet_count",
                                        "listed_count", "like_count")])),
       ("entities", pa.struct([("url", pa.struct([("urls", _URLS)]))]))])
USER_PAGE = pa.schema([
    ("data", pa.list_(USER_OBJECT)),
    ("includes", pa.struct([("users", pa.list_(USER_OBJECT))])),
    ("errors", PAGE.field("errors").type),
    ("meta", PAGE.field("meta").type),
    ("__twarc", PAGE.field("__twarc").type),
])

_BLOCK = 4 << 20
_MAP_LIMIT = 256 << 20  # files up to this size are memory-mapped for the reader
_PAGE_KINDS = [
    (re.compile(r"/2/users/[^/?]+/followers"), "followers"),
    (re.compile(r"/2/users/[^/?]+/following"), "following"),
    (re.compile(r"/2/users/[^/?]+/(tweets|mentions|liked_tweets)|/2/tweets(\?|/search/|$)"),
     "tweets"),
    (re.compile(r"/2/users(/by|/me|\?|/\d+(\?|$)|$)"), "users"),
    (re.compile(r"/2/"), "other"),
]
_ACCOUNT_IN_URL = re.compile(r"/2/users/(\d+)/(followers|following)")


# ---------------------------------------------------------------------------------------- reading
def read_pages(source: str | os.PathLike | bytes | Iterable[str | os.PathLike]) -> pa.Table:
    """Parse twarc2 JSONL pages into an Arrow table with the :data:`PAGE` schema.

    Parameters
    ----------
    source : path, bytes, or iterable of paths
        One JSONL file (one page a line), its bytes, or several files read in order.

    Returns
    -------
    pyarrow.Table
        One row per page: ``data``, ``includes``, ``errors``, ``meta``, ``__twarc``.

    Raises
    ------
    SourceError
        A line is not JSON or not a page, naming the file and line.
    """
    if isinstance(source, (str, os.PathLike, bytes)):
        return _read_one(source)
    tables = [_read_one(p) for p in source]
    return pa.concat_tables(tables) if tables else PAGE.empty_table()


def _read_one(source) -> pa.Table:
    name = "<bytes>" if isinstance(source, bytes) else str(source)
    if not isinstance(source, bytes) and not Path(source).is_file():
        raise SourceError(f"{name}: no such file", path=name)
    block = _BLOCK
    for _ in range(6):
        try:
            stream = io.BytesIO(source) if isinstance(source, bytes) else str(source)
            return pj.read_json(
                stream,
                read_options=pj.ReadOptions(block_size=block),
                parse_options=pj.ParseOptions(explicit_schema=PAGE,
                                              unexpected_field_behavior="ignore",
                                              newlines_in_values=False),
            )
        except pa.ArrowInvalid as exc:
            if "straddling" in str(exc) or "block" in str(exc).lower() and block < (1 << 30):
                block *= 4  # a page line longer than the block
                continue
            log.debug("fast JSON path failed on %s (%s); reading line by line", name, exc)
            break
        except OSError as exc:
            raise SourceError(f"{name}: cannot read: {exc}", path=name) from exc
    return _read_slow(source, name)


def _read_slow(source, name: str) -> pa.Table:
    """Line-by-line fallback: normalizes odd but valid pages, names the line of a bad one."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    tables = []
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            page = json.loads(line)
        except RecursionError:
            raise SourceError(f"{name}, line {lineno}: nested too deeply to read (an X API "
                              "page nests a few levels)", path=name, line=lineno) from None
        except (UnicodeDecodeError, ValueError) as exc:
            pos = f", column {exc.colno}" if hasattr(exc, "colno") else ""
            raise SourceError(f"{name}, line {lineno}{pos}: not valid JSON ({exc}); each line "
                              f"must be one X API v2 response page as twarc2 writes it",
                              path=name, line=lineno) from exc
        if not isinstance(page, dict):
            raise SourceError(f"{name}, line {lineno}: a page must be a JSON object, found "
                              f"{type(page).__name__}", path=name, line=lineno)
        if isinstance(page.get("data"), dict):  # single-object lookups
            page["data"] = [page["data"]]
        try:
            tables.append(pj.read_json(
                io.BytesIO(json.dumps(page).encode()),
                parse_options=pj.ParseOptions(explicit_schema=PAGE,
                                              unexpected_field_behavior="ignore")))
        except pa.ArrowInvalid as exc:
            raise SourceError(f"{name}, line {lineno}: not an X API v2 page: {exc}",
                              path=name, line=lineno) from exc
    return pa.concat_tables(tables) if tables else PAGE.empty_table()


def _stream(source, page_schema: pa.Schema = PAGE):
    """Record batches of a JSONL file (or bytes) parsed with ``page_schema``, block by block."""
    size = len(source) if isinstance(source, bytes) else os.path.getsize(source)
    if isinstance(source, bytes):
        stream = io.BytesIO(source)
    elif size <= _MAP_LIMIT:
        # The reader slices a mapped file instead of copying it into fresh buffers: on this kind
        # of VM a process's first touch of new memory is expensive. Bigger files are read, as
        # their mapped pages would count toward the process's peak memory.
        stream = pa.memory_map(str(source), "r")
    else:
        stream = pa.OSFile(str(source), "r")
    # The reader parses its first block alone before it starts parsing blocks in parallel: small
    # files get smaller blocks (still above a 1,000-user page) so both cores work sooner.
    block = _BLOCK if size > 8 * _BLOCK else _BLOCK // 2
    with stream:
        yield from pj.open_json(stream, read_options=pj.ReadOptions(block_size=block),
                                parse_options=pj.ParseOptions(explicit_schema=page_schema,
                                                              unexpected_field_behavior="ignore"))


def _kind_of_url(url: str | None) -> str | None:
    for pattern, name in _PAGE_KINDS:
        if url and pattern.search(url):
            return name
    return None


def read_users(source, *, kinds: Iterable[str] = ("users", "followers", "following"),
               includes: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stream user pages straight into the canonical users frame (the nested pages are never
    held whole: memory stays near the size of the result).

    Arrow's reader parses a file's blocks on all cores; flattening each parsed block into user
    columns runs on a helper thread meanwhile, so it costs little wall time. Several files (a
    pull's page checkpoints) are read in parallel.

    Parameters
    ----------
    source : path, bytes, or iterable of paths
    kinds : iterable of str
        Which pages' ``data`` to take (see :func:`page_kinds`).
    includes : bool
        Also take ``includes.users``.

    Returns
    -------
    users : DataFrame
        Canonical users columns in page order, one row per id (the first seen).
    errors : DataFrame
        The partial errors of those pages (see :func:`page_errors`).
    """
    sources = [source] if isinstance(source, (str, os.PathLike, bytes)) else list(source)
    job = partial(_users_of_file, wanted=set(kinds), includes=includes)
    if len(sources) > 1:
        with ThreadPoolExecutor(os.cpu_count() or 2) as pool:  # Arrow releases the GIL
            results = list(pool.map(partial(job, pipeline=False), sources))
    else:
        results = [job(src, pipeline=True) for src in sources]
    parts = [t for tables, _ in results for t in tables]
    errors = [e for _, errs in results for e in errs]
    if not parts:
        return schema.empty("users"), page_errors(PAGE.empty_table())
    table = _first_per_id(pa.concat_tables(parts))
    err = pd.concat(errors, ignore_index=True) if errors else page_errors(PAGE.empty_table())
    return _to_pandas(table, "users"), err


def _users_of_file(src, *, wanted: set[str], includes: bool, pipeline: bool
                   ) -> tuple[list[pa.Table], list[pd.DataFrame]]:
    """One file's user columns (a table per parsed block) and partial errors."""
    try:
        if not pipeline:
            return _users_of_batches(_stream(src, USER_PAGE), wanted, includes)
        with ThreadPoolExecutor(1) as worker:
            done = [worker.submit(_users_of_batches, [batch], wanted, includes)
                    for batch in _stream(src, USER_PAGE)]
            results = [f.result() for f in done]
        return [t for r in results for t in r[0]], [e for r in results for e in r[1]]
    except pa.ArrowInvalid:  # odd or bad lines: the careful reader explains
        return _users_of_batches(_read_one(src).to_batches(), wanted, includes)


def _users_of_batches(batches, wanted: set[str], includes: bool
                      ) -> tuple[list[pa.Table], list[pd.DataFrame]]:
    tables, errors = [], []
    for batch in batches:
        if batch.num_rows == 0:
            continue
        table = pa.Table.from_batches([batch])
        sel = _select(table, page_kinds(table), wanted)
        if sel.num_rows:
            tables += [users_arrow(*o) for o in _objects(sel)]
            if (pc.sum(pc.list_value_length(sel.column("errors"))).as_py() or 0) > 0:
                errors.append(page_errors(sel))  # a frame per batch costs ~10 ms: only if any
        if includes:
            tables += [users_arrow(*o) for o in _objects(table, "includes", "users")]
    return tables, errors


def _first_per_id(table: pa.Table, column: str = "id") -> pa.Table:
    """Rows with an id, the first of each id only (pages shift during a pull, so one account can
    appear on two pages). Copies nothing when every row qualifies, which is the common case."""
    ids = table.column(column)
    if ids.null_count:
        log.warning("skipped %s without an %s", plural(ids.null_count, "record"), column)
        table = table.filter(pc.is_valid(ids))
        ids = table.column(column)
    keys = None
    # X ids are decimal snowflakes: hashing them as integers is ~10x faster than as strings. Only
    # when the integer is a faithful key: Arrow also reads "05" and "0x5" as 5.
    if not pc.any(pc.starts_with(ids, "0")).as_py():
        try:
            keys = pd.Series(pc.cast(ids, pa.uint64()).to_numpy())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    if keys is None:
        keys = pd.Series(ids.to_pandas(types_mapper={_S: schema.STR}.get))
    dup = keys.duplicated().to_numpy()
    return table.filter(pa.array(~dup)) if dup.any() else table


def page_kinds(pages: pa.Table) -> list[str]:
    """What each page holds: followers, following, users, tweets (from ``__twarc.url``, else from
    its objects), or ``empty``."""
    urls = pc.struct_field(pages.column("__twarc"), "url").to_pylist() if pages.num_rows else []
    data = pages.column("data")
    kinds = []
    for i, url in enumerate(urls):
        kind = _kind_of_url(url)
        if kind is None:
            objs = data[i].values if data[i].is_valid else None
            if objs is None or len(objs) == 0:
                kind = "empty"
            elif pc.struct_field(objs, "username")[0].is_valid:
                kind = "users"
            elif pc.struct_field(objs, "author_id")[0].is_valid:
                kind = "tweets"
            else:
                kind = "other"
        kinds.append(kind)
    return kinds


# ---------------------------------------------------------------------------------------- frames
def _objects(pages: pa.Table, column: str = "data", sub: str | None = None
             ) -> list[tuple[pa.StructArray, pa.Array]]:
    """Flatten a list-of-objects column batch by batch (no copy of the nested data): the objects
    and each one's page retrieval time."""
    out = []
    for batch in pages.to_batches():
        col = batch.column(column)
        if sub is not None:
            col = pc.struct_field(col, sub)
        parents = pc.list_parent_indices(col)
        retrieved = pc.struct_field(batch.column("__twarc"), "retrieved_at")
        out.append((pc.list_flatten(col), pc.take(retrieved, parents)))
    return out


def _field(objs: pa.StructArray, *path: str) -> pa.Array:
    out = objs
    for name in path:
        out = pc.struct_field(out, name)
    return out


def _first(lists: pa.Array, name: str) -> pa.Array:
    """The ``name`` field of each list's first struct (null for empty or missing lists)."""
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    offsets = lists.offsets.to_numpy()
    has = (np.diff(offsets) > 0) & lists.is_valid().to_numpy(zero_copy_only=False)
    values = pc.struct_field(lists.values, name)
    if len(values) == 0:
        return pa.nulls(len(lists), values.type)
    taken = pc.take(values, pa.array(np.where(has, offsets[:-1], 0)))
    return pc.if_else(pa.array(has), taken, pa.scalar(None, values.type))


def _string_lists(lists: pa.Array, name: str) -> pa.Array:
    """list<struct{name}> -> list<string>, with [] for missing lists."""
    lists = pc.if_else(pc.is_null(lists), pa.scalar([], lists.type), lists) if lists.null_count \
        else lists
    lists = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    return pa.ListArray.from_arrays(offsets, pc.struct_field(lists.flatten(), name))


def _blank_to_null(arr: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)


def valid_utf8(table: pa.Table) -> tuple[pa.Table, dict[str, int]]:
    """``table`` with invalid UTF-8 in its text replaced by U+FFFD, and how many values of
    each column had some.

    Arrow's JSON reader passes invalid bytes through; DuckDB refuses to read them later, which
    would make every snapshot of the account unreadable. Checking costs one UTF-8 scan per text
    column (a cast from bytes); only a column that fails is decoded value by value.

    Returns
    -------
    table : pyarrow.Table
    replaced : dict
        column -> number of values in which bytes were replaced (only columns with any).
    """
    replaced: dict[str, int] = {}
    for i, name in enumerate(table.column_names):
        col = table.column(i)
        typ = col.type
        is_list = pa.types.is_list(typ) or pa.types.is_large_list(typ)
        text_type = typ.value_type if is_list else typ
        if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type)):
            continue
        binary = pa.large_binary() if pa.types.is_large_string(text_type) else pa.binary()
        try:  # a cast from bytes checks UTF-8 (about 10 ms for 100,000 profiles' text)
            col.cast(pa.list_(binary) if is_list else binary).cast(typ)
            continue
        except pa.ArrowInvalid:
            pass
        n = 0

        def fix(v):
            nonlocal n
            if v is None:
                return None
            text = v.decode("utf-8", errors="replace")
            n += text.encode("utf-8") != v
            return text

        if is_list:
            values = [None if lst is None else [fix(v) for v in lst]
                      for lst in col.cast(pa.list_(binary)).to_pylist()]
        else:
            values = [fix(v) for v in col.cast(binary).to_pylist()]
        table = table.set_column(i, name, pa.array(values, typ))
        replaced[name] = n
    return table, replaced


def _to_pandas(table: pa.Table, kind: str) -> pd.DataFrame:
    n = table.num_rows
    for c in schema.spec(kind).columns:  # columns X never fills (users.labels): empty lists
        if c.name not in table.column_names and c.dtype is schema.STR_LIST:
            table = table.append_column(c.name, pa.ListArray.from_arrays(
                pa.array(np.zeros(n + 1, dtype=np.int32)), pa.array([], pa.string())))
    table, replaced = valid_utf8(table.select(schema.spec(kind).names))
    if replaced:
        log.warning("invalid UTF-8 replaced by U+FFFD in %s", ", ".join(
            f"{plural(n, 'value')} of {kind}.{name}" for name, n in replaced.items()))

    def mapper(t):
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return schema.STR
        if pa.types.is_integer(t):
            return pd.Int64Dtype()
        if pa.types.is_boolean(t):
            return pd.BooleanDtype()
        if pa.types.is_list(t):
            return schema.STR_LIST
        return None

    spec = schema.spec(kind)
    # columns put in order on the Arrow side: pandas' own reindex and per-column lookups cost
    # more than the conversion of a 10k-user frame
    df = table.select(spec.names).to_pandas(types_mapper=mapper)
    for c, dtype in zip(spec.columns, df.dtypes):
        if dtype != c.dtype:
            df[c.name] = df[c.name].astype(c.dtype)
    df.attrs["invalid_utf8"] = replaced
    return df


def users_arrow(objs: pa.StructArray, observed_at: pa.Array) -> pa.Table:
    """X API v2 user objects (an Arrow struct array of :data:`OBJECT`) -> the users columns."""
    image = _field(objs, "profile_image_url")
    expanded = _blank_to_null(_first(_field(objs, "entities", "url", "urls"), "expanded_url"))
    short = _blank_to_null(_field(objs, "url"))
    # the t.co link only where X gave no expanded one (rare: skip the merge's copy when never)
    url = expanded if pc.all(pc.or_kleene(pc.is_null(short), pc.is_valid(expanded))).as_py() \
        else pc.coalesce(expanded, short)
    pm = _field(objs, "public_metrics")
    cols = {name: _field(objs, name) for name in (
        "id", "username", "name", "description", "created_at", "verified", "verified_type",
        "protected", "pinned_tweet_id")}
    cols |= {name: pc.struct_field(pm, name) for name in (
        "followers_count", "following_count", "tweet_count", "listed_count", "like_count")}
    cols |= {"location": _blank_to_null(_field(objs, "location")), "url": url,
             "profile_image_url": image,
             # RE2's literal search runs ~2x faster than match_substring's
             "default_profile_image": pc.match_substring_regex(image, "default_profile_images"),
             "observed_at": observed_at}
    return pa.table(cols)


def tweets_arrow(objs: pa.StructArray) -> pa.Table:
    """X API v2 tweet objects -> the tweets columns (``kind`` from ``referenced_tweets``)."""
    refs = _field(objs, "referenced_tweets")
    refs = refs.combine_chunks() if isinstance(refs, pa.ChunkedArray) else refs
    n = len(objs)
    kind = np.full(n, "original", dtype=object)
    if n:
        types = pc.struct_field(pc.list_flatten(refs), "type").to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(refs).to_numpy()
        # precedence: a retweet is a retweet even if it also quotes; a quote reply is a quote
        for ref_type, name in (("replied_to", "reply"), ("quoted", "quote"),
                               ("retweeted", "retweet")):
            kind[parents[types == ref_type]] = name
    pm = _field(objs, "public_metrics")
    ents = _field(objs, "entities")
    cols = {name: _field(objs, name) for name in (
        "id", "author_id", "created_at", "text", "lang", "conversation_id",
        "in_reply_to_user_id")}
    cols |= {name: pc.struct_field(pm, name) for name in (
        "like_count", "retweet_count", "reply_count", "quote_count")}
    cols |= {"kind": pa.array(kind, _S),
             "hashtags": _string_lists(pc.struct_field(ents, "hashtags"), "tag"),
             "mentions": _string_lists(pc.struct_field(ents, "mentions"), "username"),
             "urls": _string_lists(pc.struct_field(ents, "urls"), "expanded_url")}
    return pa.table(cols)


def _select(pages: pa.Table, kinds: list[str], wanted: set[str]) -> pa.Table:
    mask = [k in wanted for k in kinds]
    return pages if all(mask) else pages.filter(pa.array(mask, pa.bool_()))


def users_frame(pages: pa.Table, *, kinds: Iterable[str] = ("users", "followers", "following"),
                includes: bool = True, observed_at=None) -> pd.DataFrame:
    """The canonical users frame from parsed pages.

    Parameters
    ----------
    pages : pyarrow.Table
        From :func:`read_pages`.
    kinds : iterable of str
        Which pages' ``data`` hold users to take (see :func:`page_kinds`).
    includes : bool
        Also take ``includes.users`` of every page (authors and mentioned users of tweet pages).
    observed_at : timestamp-like, optional
        Overrides the pages' ``__twarc.retrieved_at`` (used when it is missing).

    Returns
    -------
    DataFrame
        The canonical users columns (``id`` ... ``observed_at``), one row per id (the first seen).
    """
    page_kind = page_kinds(pages)
    parts = []
    sel = _select(pages, page_kind, set(kinds))
    if sel.num_rows:
        parts += [users_arrow(*o) for o in _objects(sel)]
    if includes and pages.num_rows:
        parts += [users_arrow(*o) for o in _objects(pages, "includes", "users")]
    if not parts:
        return schema.empty("users")
    table = pa.concat_tables(parts)
    if observed_at is not None:
        at = pd.Timestamp(observed_at)
        at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
        table = table.set_column(table.schema.get_field_index("observed_at"), "observed_at",
                                 pc.fill_null(table.column("observed_at"),
                                              pa.scalar(at.to_pydatetime(), _TS)))
    return _to_pandas(_first_per_id(table), "users")


def tweets_frame(pages: pa.Table) -> pd.DataFrame:
    """The canonical tweets frame from the ``data`` of tweet pages (not ``includes``: those are
    quoted or replied-to posts by anyone).

    Returns
    -------
    DataFrame
        The canonical tweets columns (``id``, ``author_id``, ``created_at``, ``text``, ``lang``,
        ``conversation_id``, ``in_reply_to_user_id``, ``kind``, the four counts, ``hashtags``,
        ``mentions``, ``urls``), one row per tweet id.
    """
    sel = _select(pages, page_kinds(pages), {"tweets"})
    if not sel.num_rows:
        return schema.empty("tweets")
    table = pa.concat_tables([tweets_arrow(o) for o, _ in _objects(sel)])
    usable = pc.is_valid(table.column("id"))
    for name in ("author_id", "created_at"):
        usable = pc.and_(usable, pc.is_valid(table.column(name)))
    n_ok = pc.sum(usable).as_py() or 0
    if n_ok < len(table):
        log.warning("skipped %d tweets without id, author_id or created_at (request "
                    "tweet.fields=author_id,created_at)", len(table) - n_ok)
        table = table.filter(usable)
    return _to_pandas(_first_per_id(table), "tweets")


def follower_ids(pages: pa.Table, kind: str = "followers") -> pd.DataFrame:
    """The follower (or following) list in page order, duplicates dropped (pages shift when
    accounts follow during a pull, so an id can appear on two pages; the first wins).

    Returns
    -------
    DataFrame
        ``follower_id`` (or ``following_id``) and ``position`` (0 = newest).
    """
    sel = _select(pages, page_kinds(pages), {kind})
    col = "follower_id" if kind == "followers" else "following_id"
    if not sel.num_rows:
        return pd.DataFrame({col: pd.Series([], dtype=schema.STR),
                             "position": pd.Series([], dtype=schema.INT)})
    ids = pc.struct_field(pc.list_flatten(sel.column("data").combine_chunks()), "id")
    kept = _first_per_id(pa.table({"id": ids})).column("id")
    return pd.DataFrame({col: kept.to_pandas(types_mapper={_S: schema.STR}.get).astype(schema.STR),
                         "position": np.arange(len(kept), dtype="int64")})


def page_errors(pages: pa.Table) -> pd.DataFrame:
    """The partial errors X returned inside 200 responses (suspended, protected, deleted ...).

    Returns
    -------
    DataFrame
        ``resource_id``, ``resource_type``, ``parameter``, ``title``, ``detail``, ``type``.
    """
    if not pages.num_rows:
        return pd.DataFrame(columns=["resource_id", "resource_type", "parameter", "title",
                                     "detail", "type"])
    errs = pc.list_flatten(pages.column("errors").combine_chunks())
    df = pa.table({n: pc.struct_field(errs, n) for n in
                   ("resource_id", "resource_type", "parameter", "title", "detail", "type")}
                  ).to_pandas(types_mapper={_S: schema.STR}.get)
    return df


# ---------------------------------------------------------------------------------------- import
@dataclass
class TwarcImport:
    """What a set of twarc2 files holds, in canonical frames."""

    account_id: str | None
    snapshot_at: pd.Timestamp | None
    followers: pd.DataFrame
    users: pd.DataFrame
    tweets: pd.DataFrame
    following: pd.DataFrame
    errors: pd.DataFrame
    files: list[str] = field(default_factory=list)
    #: Where ``followers`` comes from: ``"followers"`` (``/2/users/:id/followers`` pages),
    #: ``"users"`` (user lookups, in file order, when no followers page is given) or None.
    followers_source: str | None = None


#: Follower (or following) pages retrieved further apart than this are two observations of the
#: list, not one pull: a pull waits at most 15 minutes for a rate limit, and a resumed one a
#: few days at most.
MAX_GAP = pd.Timedelta(days=7)


def _expand(paths) -> list[Path]:
    files = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]
    expanded = []
    for p in files:
        expanded += sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
    return expanded


def _read_with_origin(files: list[Path]) -> tuple[pa.Table, list[str]]:
    """All pages, and for each one where it came from (``file, page N``)."""
    tables, origin = [], []
    for f in files:
        t = read_pages(f)
        tables.append(t)
        origin += [f"{f}, page {i + 1}" for i in range(t.num_rows)]
    return (pa.concat_tables(tables) if tables else PAGE.empty_table()), origin


def _groups(pages: pa.Table, max_gap: pd.Timedelta) -> list[tuple[str | None, list[int]]]:
    """Pages grouped into observations: one account's list pages whose retrieval times leave no
    gap above ``max_gap``. Pages of no list (lookups, timelines) join the observation nearest
    in time (the latest when undated). Returns (account id, page indices) per observation,
    oldest first."""
    n = pages.num_rows
    if not n:
        return [(None, [])]
    stamps = pages.column("__twarc").combine_chunks()
    owner = [(m.group(1) if (m := _ACCOUNT_IN_URL.search(url or "")) else None)
             for url in pc.struct_field(stamps, "url").to_pylist()]
    # seconds since the epoch; undated pages sort last and never open a gap
    times = [None if t is None else t.timestamp()
             for t in pc.struct_field(stamps, "retrieved_at").to_pylist()]
    gap = max_gap.total_seconds()
    groups: list[tuple[str | None, list[int]]] = []
    for account in dict.fromkeys(o for o in owner if o is not None):
        idx = sorted((i for i in range(n) if owner[i] == account),
                     key=lambda i: (times[i] is None, times[i] or 0.0))
        current = [idx[0]]
        for prev, i in zip(idx, idx[1:]):
            if times[i] is not None and times[prev] is not None and times[i] - times[prev] > gap:
                groups.append((account, current))
                current = []
            current.append(i)
        groups.append((account, current))
    if not groups:
        return [(None, list(range(n)))]
    groups.sort(key=lambda g: times[g[1][0]] or 0.0)
    for i in (i for i in range(n) if owner[i] is None):
        dated = [g for g, (_, idx) in enumerate(groups) if times[idx[0]] is not None]
        nearest = len(groups) - 1 if times[i] is None or not dated else min(
            dated, key=lambda g: min(abs(times[i] - times[j]) for j in groups[g][1]
                                     if times[j] is not None))
        groups[nearest][1].append(i)
    return [(a, sorted(idx)) for a, idx in groups]


def _mixed_error(groups, origin, pages) -> SourceError:
    times = pc.struct_field(pages.column("__twarc").combine_chunks(), "retrieved_at").to_pylist()

    def first(g):
        i = g[1][0]
        when = times[i].strftime("%Y-%m-%d %H:%M") if times[i] else "an unknown time"
        return f"{origin[i]} (followers of account {g[0]}, retrieved {when})"

    accounts = {g[0] for g in groups}
    what = "two accounts" if len(accounts) > 1 else \
        f"two observations more than {MAX_GAP.days} days apart"
    return SourceError(f"these pages hold {what}: {first(groups[0])} and {first(groups[1])}"
                       + (f" (and {len(groups) - 2} more)" if len(groups) > 2 else "")
                       + "; one import is one account at one time. Import each on its own, or "
                       "with --split as one snapshot each", path=origin[groups[1][1][0]]
                       .rsplit(", page", 1)[0])


def flattened_kind(path: str | os.PathLike) -> str | None:
    """``"user"`` or ``"tweet"`` when the file's first line is one bare object, as
    ``twarc2 flatten`` writes, rather than a page (``{"data": [...], "__twarc": ...}``); else
    None. Reads at most the first MiB."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError:
        return None
    line = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict) or "data" in obj:
        return None
    if "username" in obj:
        return "user"
    if "text" in obj or "author_id" in obj:
        return "tweet"
    return None


def load(paths: str | os.PathLike | Iterable[str | os.PathLike], *,
         max_gap: pd.Timedelta = MAX_GAP) -> TwarcImport:
    """Read twarc2 JSONL files (follower, following, user lookup, timeline and search pages).

    The follower list comes from ``/2/users/:id/followers`` pages; when there are none, the users
    of user-lookup pages are taken as the follower list (in file order; ``followers_source`` says
    which, and :func:`follower_kit.ingest.import_twarc` commits lookups as a follower list only
    when told to). The snapshot time is the latest ``retrieved_at`` of the follower pages.

    Raises
    ------
    SourceError
        The pages hold the lists of two accounts, or two observations of one list more than
        ``max_gap`` apart (see :func:`load_each`), naming a page of each.
    """
    expanded = _expand(paths)
    pages, origin = _read_with_origin(expanded)
    groups = _groups(pages, max_gap)
    if len(groups) > 1:
        raise _mixed_error(groups, origin, pages)
    return _from_pages(pages, expanded)


def load_each(paths, *, max_gap: pd.Timedelta = MAX_GAP) -> list[TwarcImport]:
    """Like :func:`load`, one :class:`TwarcImport` per account and observation the pages
    hold (list pages of one account with no gap above ``max_gap``), oldest first."""
    expanded = _expand(paths)
    pages, _ = _read_with_origin(expanded)
    return [_from_pages(pages.take(pa.array(idx, pa.int64())), expanded)
            for _, idx in _groups(pages, max_gap)]


def _from_pages(pages: pa.Table, expanded: list[Path]) -> TwarcImport:
    kinds = page_kinds(pages)
    follower_kind = "followers" if "followers" in kinds else "users"
    followers = follower_ids(pages, follower_kind).rename(columns={"following_id": "follower_id"})
    sel = _select(pages, kinds, {follower_kind})
    if not sel.num_rows:  # timelines only: dated by their retrieval
        sel = pages
    retrieved = pc.struct_field(sel.column("__twarc").combine_chunks(), "retrieved_at") \
        if sel.num_rows else pa.array([], _TS)
    at = pc.max(retrieved).as_py() if len(retrieved) else None
    account_id = None
    for url in pc.struct_field(pages.column("__twarc").combine_chunks(), "url").to_pylist() \
            if pages.num_rows else []:
        m = _ACCOUNT_IN_URL.search(url or "")
        if m and m.group(2) == "followers":
            account_id = m.group(1)
            break
    following = follower_ids(pages, "following")
    return TwarcImport(
        account_id=account_id,
        snapshot_at=None if at is None else pd.Timestamp(at),
        followers=followers,
        users=users_frame(pages),
        tweets=tweets_frame(pages),
        following=following,
        errors=page_errors(pages),
        files=[str(p) for p in expanded],
        followers_source=follower_kind if len(followers) else None,
    )


__all__ = ["MAX_GAP", "OBJECT", "PAGE", "TwarcImport", "flattened_kind", "follower_ids", "load",
           "load_each", "valid_utf8",
           "page_errors", "page_kinds", "read_pages", "read_users", "tweets_frame",
           "users_arrow", "users_frame"]
