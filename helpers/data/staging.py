"""Kill-safe writes to ``data/``: one lock, a staging folder, a commit marker, and recovery.

An import builds its batch in ``data/.import-XXXXXXXX/`` (same file system, so moves are
renames), validates it, then commits in three steps: it writes the commit marker
``COMMITTING`` (naming the batch) into the staging folder, moves the batch into
``data/raw/``, and records the batch's checksums in ``data/checksums.sha256`` (written to a
temporary file and renamed over the manifest: never half-written). A process killed at any
moment leaves either

- a staging folder **without** the marker: nothing in ``raw/`` or the manifest changed; the
  folder is removed (rolled back), or
- a staging folder **with** the marker: the import had passed every check; it is rolled
  forward (the batch moved if it is still staged, its checksums recorded), as a database
  replays its journal.

:func:`recover` does that, under the import lock, and runs at the start of every import
and of every :func:`helpers.data.dataset.load_dataset` (it does nothing when no staging folder is
left, and leaves alone the staging folder of an import that is running: it holds the lock).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

from helpers import paths
from helpers.data.checksums import read_checksums, sha256_file

#: Prefix of staging folders inside ``data/`` (git-ignored).
STAGING_PREFIX = ".import-"
#: The commit marker: its presence means "every check passed; finish this import".
MARKER = "COMMITTING"
#: Test hook: ``MAGNET_IMPORT_KILL_AT=<stage>`` makes an import SIGKILL itself at that stage.
KILL_ENV = "MAGNET_IMPORT_KILL_AT"
#: The stages of an import, in order (the names :func:`stage` is called with).
STAGES = ("staging", "staged", "checking", "validated", "committing", "moved", "recorded")


def stage(name: str) -> None:
    """Mark a stage of an import; with ``MAGNET_IMPORT_KILL_AT=name`` the process kills itself here
    (SIGKILL: no cleanup, no ``finally``), so tests can stop an import at a named moment."""
    if name not in STAGES:
        raise ValueError(f"unknown import stage {name!r}")
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def lock(data_dir: Path, timeout: float = 60):
    """The import lock of one data folder (a file lock outside ``data/``, so that a refused import leaves
    the project byte for byte as it was; released when its process dies).

    The lock file is in the system's temporary folder, named after the data folder. One that another
    user made there (root, before the project was handed to a user) cannot be opened by this one: this
    user then locks a file of its own, which keeps this user's imports one at a time."""
    from filelock import FileLock

    key = hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"magnet-import-{key}.lock")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        path = os.path.join(tempfile.gettempdir(), f"magnet-import-{key}-uid{os.getuid()}.lock")
    return FileLock(path, timeout=timeout)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def staging_folders(data_dir: Path) -> list[Path]:
    """The staging folders left in ``data/`` (by a running or a killed import)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    return sorted(p for p in data_dir.iterdir() if p.is_dir() and p.name.startswith(STAGING_PREFIX))


def commit(staging: Path, batch_name: str, files: list[str], data_dir: Path) -> Path:
    """Commit a validated batch staged in ``staging/<batch_name>``: marker, move, checksums, cleanup."""
    atomic_write(staging / MARKER, (batch_name + "\n" + "\n".join(files) + "\n").encode("utf-8"))
    stage("committing")
    target = _finish(staging, data_dir)
    return target


def _finish(staging: Path, data_dir: Path) -> Path:
    """Roll a committed import forward (idempotent): move the batch, record its checksums, remove staging."""
    lines = (staging / MARKER).read_text(encoding="utf-8").splitlines()
    batch_name, files = lines[0].strip(), [f for f in lines[1:] if f.strip()]
    target = Path(data_dir) / "raw" / batch_name
    staged = staging / batch_name
    if staged.is_dir() and not target.exists():
        os.replace(staged, target)
    stage("moved")
    record_checksums([target / f for f in files], data_dir=data_dir)
    stage("recorded")
    shutil.rmtree(staging, ignore_errors=True)
    return target


def recover(data_dir: Path, wait: bool = True) -> list[str]:
    """Finish or roll back the imports a killed process left in ``data/``; return what was done.

    With ``wait=False`` it gives up at once when an import holds the lock (its staging folder is live).
    """
    from filelock import Timeout

    data_dir = Path(data_dir)
    if not staging_folders(data_dir):
        return []
    try:
        with lock(data_dir, timeout=60 if wait else 0):
            return recover_locked(data_dir)
    except Timeout:
        return []


def recover_locked(data_dir: Path) -> list[str]:
    """:func:`recover` for a caller that holds the import lock."""
    data_dir = Path(data_dir)
    done = []
    for folder in staging_folders(data_dir):
        if (folder / MARKER).is_file():
            target = _finish(folder, data_dir)
            done.append(f"completed the interrupted import of {target.relative_to(data_dir).as_posix()}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            done.append(f"removed {folder.name}, left by an interrupted import (nothing had been written)")
    return done


def record_checksums(files, data_dir: Path | None = None) -> None:
    """Add or update the manifest lines of ``files`` (paths under ``data/``).

    This is the one deliberate way to change the manifest.
    """
    data_dir = data_dir or paths.DATA
    manifest = data_dir / "checksums.sha256"
    recorded = read_checksums(manifest) if manifest.exists() else {}
    for f in files:
        f = Path(f)
        f = f if f.is_absolute() else (data_dir / f)
        recorded[f.resolve().relative_to(data_dir.resolve()).as_posix()] = sha256_file(f)
    lines = [f"{h}  {p}" for p, h in sorted(recorded.items())]
    atomic_write(manifest, ("\n".join(lines) + "\n").encode("utf-8"))   # never half-written
