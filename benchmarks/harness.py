"""Generic benchmark helpers: wall time, peak memory, machine and version facts, and
the markdown writer every suite's result file goes through.

Nothing here knows about a particular analysis; the suites in the subpackages do.
"""

from __future__ import annotations

import ctypes
import gc
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

MIB = 1024 * 1024


# --- time ---------------------------------------------------------------------------


def best_time(
    call: Callable[[], object], repeats: int, calls_per_repeat: int = 1
) -> float:
    """The fastest timed call, in seconds, over ``repeats`` rounds of
    ``calls_per_repeat`` consecutive calls.

    Make one untimed warm-up call first (the suites check its result), so first-use
    costs (lazy imports, caches) stay out. The minimum, not the mean, because noise
    on a shared machine only ever adds time: the fastest run is the closest to the
    code's own cost. Each round starts by collecting garbage, which also flushes the
    CPU caches: for calls of a millisecond or less that alone can double the time, so
    such calls are timed more than once per round.
    """
    best = float("inf")
    for _ in range(repeats):
        release_memory()  # so one run's garbage is not freed inside the next timing
        for _ in range(calls_per_repeat):
            start = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - start)
    return best


def alternating_best(
    ours: Callable[[], object],
    theirs: Callable[[], object],
    turns: int,
    calls_per_turn: int = 1,
) -> tuple[float, float]:
    """Best timing of each side over ``turns`` turns of ``calls_per_turn`` calls, the
    sides taking turns, so a burst of load on the machine slows both sides rather than
    one. More than one call per turn keeps a side's first call after the other's out of
    the minimum: a thread pool (OpenBLAS's, OpenMP's) keeps its threads spinning for a
    while after a call, and they compete with the next call's threads for the cores."""
    ours_s = theirs_s = float("inf")
    for _ in range(turns):
        ours_s = min(ours_s, best_time(ours, calls_per_turn))
        theirs_s = min(theirs_s, best_time(theirs, calls_per_turn))
    return ours_s, theirs_s


# --- memory -------------------------------------------------------------------------


def release_memory() -> None:
    """Free garbage and hand free heap pages back to the kernel.

    Without ``malloc_trim`` glibc keeps freed blocks of earlier runs mapped; a measured
    call could then reuse them without raising the process's peak RSS, so its peak
    would read too low.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _status_kib(field: str) -> int:
    """A ``VmRSS``-style field of /proc/self/status, in KiB."""
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    if match is None:
        raise OSError(f"/proc/self/status has no {field}")
    return int(match.group(1))


def peak_memory(call: Callable[[], object]) -> float | None:
    """Extra resident memory at the peak of one call, in MiB (None off Linux).

    Writing "5" to /proc/self/clear_refs resets the kernel's high-water mark VmHWM to
    the current RSS, so VmHWM after the call minus VmRSS before it is what the call
    added at its worst moment, measured in this process with no sampling thread.
    """
    release_memory()
    try:
        before = _status_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    result = call()
    peak = _status_kib("VmHWM")
    del result  # kept alive until now: the output is part of what the call costs
    return (peak - before) / 1024


# --- facts for the header -----------------------------------------------------------


def machine() -> str:
    """CPU model, usable cores, memory and kernel, on one line."""
    model = platform.processor() or platform.machine()
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        model = found.group(1).strip() if found else model
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    memory = ""
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE).group(1))
        memory = f", {kib / MIB:.1f} GiB RAM"
    except (OSError, AttributeError):
        pass
    cores_text = f"{cores or os.cpu_count()} cores"
    return f"{model}, {cores_text}{memory}, {platform.system()} {platform.release()}"


def compiler_of(library_file: str | os.PathLike) -> str | None:
    """The compiler that built a shared library, from the tag GCC and Clang leave in
    its ELF ``.comment`` section; a byte search, so cheap and with no tools needed."""
    try:
        blob = Path(library_file).read_bytes()
    except OSError:
        return None
    gcc = re.search(rb"GCC: (\([^)]*\)) ([\w.-]+)", blob)
    if gcc:
        return f"GCC {gcc.group(2).decode()} {gcc.group(1).decode()}"
    clang = re.search(rb"clang version [\w.-]+", blob)
    return clang.group(0).decode() if clang else None


def load_note(load_before: float) -> str:
    """A sentence on the machine load over a run: the 1-minute load average at its
    start and end, and whether other jobs shared the cores."""
    load_after = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    busy = max(load_before, load_after) > 0.5 * cores
    return (
        f"\nMachine load (1-minute load average) at the start and end of the run: "
        f"{load_before:.1f} and {load_after:.1f} on {cores} cores; "
        + (
            "other jobs shared the machine, so absolute times are noisy and the "
            "ratios (measured back to back) are the comparable part.\n"
            if busy
            else "no other job competed for the cores.\n"
        )
    )


def versions(modules: Sequence[object]) -> str:
    """``name version`` of each module, then Python."""
    parts = [f"{m.__name__} {getattr(m, '__version__', '?')}" for m in modules]
    parts.append(f"Python {platform.python_version()}")
    return ", ".join(parts)


def source_revision(repo: Path) -> str:
    """The git commit of the source tree, flagged when files outside benchmarks/ differ
    from it (then the installed build may not be that commit)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", ".", ":!benchmarks")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return commit + (" with uncommitted changes" if dirty else "")


def command_line() -> str:
    """The command as typed, as far as argv can tell: interpreter name, script, args."""
    script = os.path.relpath(sys.argv[0]) if sys.argv[0] else "?"
    return " ".join(["python", script, *sys.argv[1:]])


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# --- markdown -----------------------------------------------------------------------


def markdown_table(columns: Sequence[str], rows: Sequence[dict[str, object]]) -> str:
    """A GitHub markdown table; numbers right-aligned, text left-aligned."""
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    numeric = [_is_numeric([row.get(c) for row in rows]) for c in columns]
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---:" if n else ":---" for n in numeric) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def _is_numeric(values: Sequence[object]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int | float) for v in present)


def _cell(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def write_report(
    path: Path,
    title: str,
    header: dict[str, str],
    columns: Sequence[str],
    rows: Sequence[dict[str, object]],
    notes: str = "",
) -> None:
    """Write ``# title``, the header facts as a list, the table and free-form notes."""
    facts = "\n".join(f"- **{key}:** {value}" for key, value in header.items())
    parts = [f"# {title}", facts, markdown_table(columns, rows)]
    if notes:
        parts.append(notes.strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(parts) + "\n")
