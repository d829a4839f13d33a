"""Checksums, read: each folder of ``data/`` carries its own ``SHA256SUMS`` (``sha256sum -c`` format), verified here.

A batch ``raw/<batch>/``, ``reference/`` and ``claims/`` each list their files' sha256, paths relative to
the folder (``cd data/raw/<batch> && sha256sum -c SHA256SUMS``). Writing them is
:mod:`helpers.data.writing` (an import writes a batch's with the batch; a deliberate re-record).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from helpers import paths
from helpers.errors import ChecksumError

#: The checksum file each checksummed folder carries.
SUMS = "SHA256SUMS"

#: The folders whose files are checksummed; the dataset is read from the first two. Claims files are
#: read one at a time (:func:`helpers.articles.claims.load_claims` checks the one it reads), so an
#: unrecorded draft claims file stops only the report that uses it.
TRACKED = ("raw", "reference", "claims")

DATASET_FOLDERS = ("raw", "reference")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def checksum_folders(data_dir: Path | None = None, folders=TRACKED) -> list[Path]:
    """The folders that carry a ``SHA256SUMS``: every batch of ``raw/`` (not a dot-folder) and the other
    tracked folders themselves (``reference/``, ``claims/``)."""
    data_dir = Path(data_dir or paths.DATA)
    out = []
    for sub in folders:
        if sub == "raw":
            out += sorted(p for p in (data_dir / "raw").iterdir() if p.is_dir() and not p.name.startswith("."))
        elif (data_dir / sub).is_dir():
            out.append(data_dir / sub)
    return out


def folder_of(path: Path, data_dir: Path | None = None) -> Path:
    """The checksummed folder a file under ``data/`` belongs to (its batch, ``reference/`` or ``claims/``)."""
    data_dir = Path(data_dir or paths.DATA).resolve()
    parts = Path(path).resolve().relative_to(data_dir).parts
    if len(parts) < 2:
        raise ChecksumError(paths.relative(path), "is in no checksummed folder (data/raw/<batch>/, reference/, claims/)")
    if parts[0] == "raw":
        if len(parts) < 3:
            raise ChecksumError(paths.relative(path), "is not in a batch folder (data/raw/<batch>/)")
        return data_dir / "raw" / parts[1]
    return data_dir / parts[0]


def folder_files(folder: Path) -> list[Path]:
    """The data files of a checksummed folder: all but its ``SHA256SUMS`` and documentation (``*.md``)."""
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix != ".md"
                  and p.relative_to(folder).as_posix() != SUMS)


def read_sums(folder: Path, name: str = SUMS) -> dict[str, str]:
    """A folder's ``SHA256SUMS`` (or another file ``name`` of ``sha256sum`` lines) as ``{path relative to
    the folder: sha256}``."""
    sums = Path(folder) / name
    name = paths.relative(sums)
    if not sums.is_file():
        old = any((up / "checksums.sha256").is_file() for up in (sums.parent.parent, sums.parent.parent.parent))
        hint = (" (data/checksums.sha256 is the old single manifest: python -m pipeline.intake.manifest --split "
                "moves its lines into each folder)") if old else ""
        raise ChecksumError(name, "is missing: every batch (and reference/, claims/) carries the checksums of its "
                            "files" + hint)
    out: dict[str, str] = {}
    for i, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"^([0-9a-f]{64}) [ *](.+)$", line)
        if not m:
            raise ChecksumError(name, "is not a sha256sum line ('<64 hex>  <path>')", row=i)
        out[m.group(2)] = m.group(1)
    return out


def _verify_file(path: Path, folder: Path, recorded: dict[str, str]) -> None:
    rel, sums = path.relative_to(folder).as_posix(), paths.relative(folder / SUMS)
    if rel not in recorded:
        raise ChecksumError(paths.relative(path), f"has no recorded checksum in {sums} (a data file comes with "
                            "its checksum: data/README.md)")
    actual = sha256_file(path)
    if actual != recorded[rel]:
        raise ChecksumError(paths.relative(path), f"changed: sha256 {actual[:12]}… but {sums} records "
                            f"{recorded[rel][:12]}…; data files are immutable: a correction is a new batch "
                            "(data/README.md)")


def verify_folder(folder: Path) -> bytes:
    """Check every file of one folder against its ``SHA256SUMS``; return that file's bytes.

    Fails on a missing ``SHA256SUMS``, a file whose bytes changed, a listed file that is gone, and a file
    that is not listed."""
    folder = Path(folder)
    recorded = read_sums(folder)
    for path in folder_files(folder):
        _verify_file(path, folder, recorded)
    for rel in recorded:
        if not (folder / rel).is_file():
            raise ChecksumError(paths.relative(folder / SUMS), f"lists '{rel}', which does not exist")
    return (folder / SUMS).read_bytes()


def verify_checksums(data_dir: Path | None = None, folders=TRACKED) -> str:
    """Check every data file (of ``folders``) against its folder's ``SHA256SUMS``; return one sha256 of
    all those checksum files (names and bytes): an id for this state of the data.

    Dot-folders (a running or killed import's staging folder) are not data and are ignored; a file
    directly in ``raw/`` (in no batch) fails."""
    data_dir = Path(data_dir or paths.DATA)
    if "raw" in folders:
        stray = sorted(p for p in (data_dir / "raw").iterdir() if p.is_file())
        if stray:
            raise ChecksumError(paths.relative(stray[0]), "is not in a batch folder (data/raw/<batch>/)")
    h = hashlib.sha256()
    for folder in checksum_folders(data_dir, folders):
        h.update(folder.relative_to(data_dir).as_posix().encode() + b"\0" + verify_folder(folder) + b"\0")
    return h.hexdigest()


def verify_data_file(path: Path, data_dir: Path | None = None) -> None:
    """Check one file under ``data/`` against its folder's ``SHA256SUMS`` (files elsewhere are not checked)."""
    data_dir = Path(data_dir or paths.DATA).resolve()
    path = Path(path).resolve()
    if data_dir not in path.parents:
        return
    folder = folder_of(path, data_dir)
    _verify_file(path, folder, read_sums(folder))
