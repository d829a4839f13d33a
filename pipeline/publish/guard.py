"""What makes a build safe to run twice at once and to kill: the output folder's lock, stop signals,
and removing what a killed build left behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

from helpers import paths
from helpers.errors import BuildError


def quiet_logging() -> None:
    """Logging never prints its own tracebacks (``--- Logging error ---``): a log that cannot be written (a
    full disk) is one of the build's errors, reported once, not hundreds of times on stderr."""
    import logging

    logging.raiseExceptions = False


def _existing(path: Path) -> Path:
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} kB"


def disk_full(exc: OSError, where: Path, need: int | None = None, what: str = "this") -> str:
    """One line for a full disk (ENOSPC, EDQUOT): the file it failed on, the space free there and the space
    the job needs (``need`` bytes, at least 100 MB)."""
    path = Path(exc.filename) if exc.filename else Path(where)
    try:
        free = shutil.disk_usage(_existing(path)).free
    except OSError:
        free = 0
    need = max(need or 0, 100_000_000)
    return (f"{paths.relative(path)}: no space left on device ({_mb(free)} free there; {what} needs about "
            f"{_mb(need)}: free some space and run again)")


def published_size(out_dir: Path) -> int:
    """The bytes of what is published in ``out_dir`` (a new edition needs about as much again)."""
    total = 0
    for root, _dirs, files in os.walk(out_dir):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, f)).st_size
    return total


def is_disk_full(exc: BaseException) -> bool:
    import errno

    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


class Stopped(KeyboardInterrupt):
    """The build was told to stop (SIGTERM, SIGINT): finished reports stay published, the rest is dropped."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def lock_output(out_dir: Path, timeout: float):
    """Hold ``out_dir/.build.lock`` (waiting up to ``timeout`` seconds for another build): filelock's
    FileLock (``flock(2)`` on Unix), released by ``.release()`` or when the process dies."""
    from filelock import FileLock, Timeout

    where = paths.relative(out_dir / ".build.lock")
    lock = FileLock(str(out_dir / ".build.lock"))
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            print(f"waiting for another build to finish ({where})...", file=sys.stderr)
            try:
                lock.acquire(timeout=timeout)
            except Timeout:
                raise BuildError(f"another build still holds {where} after "
                                 f"{timeout:.0f} s; try again when it has finished") from None
    except OSError as exc:
        raise BuildError(f"{where}: not writable ({exc.strerror or type(exc).__name__})") from None
    return lock


def _processes_mentioning(text: str) -> list[int]:
    """This user's processes whose command line contains ``text`` (psutil: any platform it supports)."""
    import psutil

    found, me, uid = [], os.getpid(), os.getuid()
    for p in psutil.process_iter(["pid", "uids", "cmdline"]):
        try:
            info = p.info
            if info["pid"] != me and info["uids"] and info["uids"].real == uid \
                    and text in " ".join(info["cmdline"] or ()):
                found.append(info["pid"])
        except (psutil.Error, TypeError):
            continue
    return found


def clear_leftovers(out_dir: Path) -> list[str]:
    """Remove what killed builds left in ``out_dir`` (called under the lock, so no build is running there).

    Their staging folders (``.staging/RUN``, with the zygote's socket) and half-written
    temporary files go, and any process still naming such a folder on its command
    line (a zygote or kernel that outlived its build) is killed.
    """
    import signal

    removed = []
    root = out_dir / ".staging"
    if root.is_dir():
        for run in sorted(root.iterdir()):
            for pid in _processes_mentioning(str(run)):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            if run.is_dir() and not run.is_symlink():
                shutil.rmtree(run, ignore_errors=True)
            else:
                run.unlink(missing_ok=True)
            removed.append(run.name)
        with contextlib.suppress(OSError):
            root.rmdir()
    for folder in (out_dir, out_dir / ".state"):
        for tmp in folder.glob(".*.tmp") if folder.is_dir() else ():
            tmp.unlink(missing_ok=True)
    from pipeline.publish.releases import remove_old

    removed += [r for r in remove_old(out_dir) if r.startswith(".new-")]   # unfinished editions
    return removed


#: A stop that arrived while a report was being published: raised once it is published.
_HELD = {"depth": 0, "pending": None}


@contextlib.contextmanager
def signals_held():
    """Hold SIGTERM and SIGINT while a report is published, so a stop never lands mid-move: a stop
    arriving meanwhile is raised when the block ends. (A flag, not a signal mask: Python runs its
    handlers in the main thread whichever thread the kernel delivered the signal to, and the worker
    pool's threads do not have the signal blocked.)"""
    _HELD["depth"] += 1
    try:
        yield
    finally:
        _HELD["depth"] -= 1
    if not _HELD["depth"] and _HELD["pending"] is not None:
        signum, _HELD["pending"] = _HELD["pending"], None
        _stop(signum)


def _stop(signum: int):
    """Stop the build now: no second stop, the workers killed, :class:`Stopped` raised."""
    import signal

    for sig in (signal.SIGTERM, signal.SIGINT):  # once: the way out must not be interrupted
        signal.signal(sig, signal.SIG_IGN)
    if "multiprocessing" in sys.modules:
        for child in sys.modules["multiprocessing"].active_children():
            with contextlib.suppress(OSError):
                child.kill()
    raise Stopped(signum)


@contextlib.contextmanager
def stop_on_signals():
    """SIGTERM and SIGINT raise :class:`Stopped` in the build, after killing its worker processes
    (while a report is being published, once it is: :func:`signals_held`).

    Killing the workers first lets the pool shut down at once; their kernel clients
    and kernels follow (parent-death signals, :func:`pipeline.build.kernels.die_with_parent`),
    and the zygote is stopped by :func:`pipeline.build.kernels.warm_kernels` on the way out.
    """
    import signal

    def stop(signum, _frame):
        if _HELD["depth"]:
            _HELD["pending"] = signum
            return
        _stop(signum)

    try:
        old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
