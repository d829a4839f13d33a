"""Writes to ``data/``: the project's one atomic writer, and a folder's ``SHA256SUMS`` (re)recorded.

Nothing that reads the data calls these: an import (:mod:`pipeline.intake.batch`) writes a new batch's
checksums before it renames the batch into ``data/raw/``; ``python -m pipeline.intake.manifest``
re-records deliberately.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from helpers import paths
from helpers.data.checksums import SUMS, folder_files, folder_of, read_sums, sha256_file


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


def _write_sums(folder: Path, recorded: dict[str, str]) -> None:
    lines = [f"{h}  {p}" for p, h in sorted(recorded.items())]
    atomic_write(Path(folder) / SUMS, ("\n".join(lines) + "\n").encode("utf-8"))   # never half-written


def record_folder(folder: Path) -> None:
    """Write a folder's ``SHA256SUMS`` from its files as they are now (a new batch; a deliberate re-record)."""
    folder = Path(folder)
    _write_sums(folder, {p.relative_to(folder).as_posix(): sha256_file(p) for p in folder_files(folder)})


def record_checksums(files, data_dir: Path | None = None) -> None:
    """Add or update the lines of ``files`` (paths under ``data/``) in their folders' ``SHA256SUMS``.

    This is the one deliberate way to change a recorded checksum."""
    data_dir = Path(data_dir or paths.DATA)
    by_folder: dict[Path, list[Path]] = {}
    for f in files:
        f = Path(f) if Path(f).is_absolute() else data_dir / f
        if f.name == SUMS:
            continue   # a folder's checksum file lists the others, never itself
        by_folder.setdefault(folder_of(f, data_dir), []).append(f.resolve())
    for folder, fs in by_folder.items():
        recorded = read_sums(folder) if (folder / SUMS).is_file() else {}
        for f in fs:
            recorded[f.relative_to(folder.resolve()).as_posix()] = sha256_file(f)
        _write_sums(folder, recorded)
