"""Helpers for benchmarks: wall time and peak memory of a call, measured in a child process."""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from contextlib import contextmanager


def _child(conn, func, args, kwargs):
    start = time.perf_counter()
    try:
        result = func(*args, **kwargs)
    except BaseException as exc:  # the parent re-raises it with the child's traceback text
        import traceback

        conn.send(("error", traceback.format_exc(), repr(exc)))
        conn.close()
        return
    seconds = time.perf_counter() - start
    peak_mb = _peak_mb()
    conn.send((seconds, peak_mb, result))
    conn.close()


def _peak_mb() -> float:
    """This process's own peak resident memory. VmHWM belongs to the address space, which exec
    replaces, so unlike ru_maxrss it does not inherit the parent's peak."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(func, *args, **kwargs) -> tuple[float, float, object]:
    """Run ``func(*args, **kwargs)`` in a fresh process: (seconds, peak RSS in MB, result).

    A fresh process keeps one measurement's memory from inflating the next one's peak. ``func``
    must be importable (a module-level function) and its result picklable.
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, func, args, kwargs))
    proc.start()
    child.close()
    try:
        seconds, peak_mb, result = parent.recv()
    except EOFError:
        proc.join()
        raise RuntimeError(f"benchmark child died (exit code {proc.exitcode}), e.g. killed for "
                           f"memory") from None
    proc.join()
    if seconds == "error":
        raise RuntimeError(f"benchmark {getattr(func, '__name__', func)} failed in its process:\n"
                           f"{peak_mb}")
    return seconds, peak_mb, result


def timed_rows(methods: dict, sizes, size_key: str, **extra) -> list[dict]:
    """One row per (size, method): each ``func(n)`` returns its own (wall, CPU) seconds of the
    measured part and runs in a fresh process (:func:`measure`) for its peak memory."""
    rows = []
    for n in sizes:
        for name, func in methods.items():
            _total, peak_mb, (wall, cpu) = measure(func, n)
            rows.append({size_key: n, **extra, "method": name, "seconds": round(wall, 3),
                         "CPU seconds": round(cpu, 3), "peak MB": round(peak_mb)})
    return rows


@contextmanager
def serving(serve, n: int, what: str):
    """Run ``serve(n, conn, stop)`` (a module-level function that starts a fake server, sends
    what clients need through ``conn`` and serves until ``stop`` is set) in its own process, so
    the server never shares a core's time with the measured client; yield what it sent."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    stop = ctx.Event()
    proc = ctx.Process(target=serve, args=(n, child, stop), daemon=True)
    t0 = time.perf_counter()
    proc.start()
    sent = parent.recv()
    print(f"  {what} with {n:,} followers ready in {time.perf_counter() - t0:.0f} s", flush=True)
    try:
        yield sent
    finally:
        stop.set()
        proc.join(30)


def public_bot_sets(quick: bool = False):
    """The public labeled bot sets (``$FOLLOWER_KIT_SHARED_DATA/bots`` or ``../shared/data/bots``)
    and the mixed sets a leave-one-out benchmark leaves out (two when ``quick``); ``(None,
    None)`` when the folder is absent, for the benchmark to return no rows."""
    from follower_kit.analysis import bots as B
    from follower_kit.sources.datasets import load_bot_sets, shared_bots_dir

    folder = shared_bots_dir()
    if folder is None:
        return None, None
    return load_bot_sets(folder), (B.MIXED_SETS[:2] if quick else B.MIXED_SETS)
