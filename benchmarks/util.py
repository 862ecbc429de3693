"""Helpers for benchmarks: wall time and peak memory of a call, measured in a child process."""

from __future__ import annotations

import multiprocessing as mp
import resource
import time


def _child(conn, func, args, kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
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
    seconds, peak_mb, result = parent.recv()
    proc.join()
    return seconds, peak_mb, result
