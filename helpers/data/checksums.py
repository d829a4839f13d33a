"""The checksum manifest, read: ``data/checksums.sha256`` (``sha256sum -c`` format) verified against the files.

Writing the manifest is :func:`helpers.data.staging.record_checksums` (an import, a deliberate re-record).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from helpers import paths
from helpers.errors import ChecksumError


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()

#: The folders the checksum manifest covers; the dataset is read from the first two. Claims
#: files are read one at a time (:func:`helpers.articles.claims.load_claims` checks the one it reads),
#: so an unrecorded draft claims file stops only the report that uses it.
TRACKED = ("raw", "reference", "claims")

DATASET_FOLDERS = ("raw", "reference")

def tracked_files(data_dir: Path | None = None, folders=TRACKED) -> list[Path]:
    """Every data file the checksum manifest must cover (documentation, ``*.md``, is not data)."""
    data_dir = data_dir or paths.DATA
    out = []
    for sub in folders:
        out += sorted(p for p in (data_dir / sub).rglob("*") if p.is_file() and p.suffix != ".md")
    return out

def read_checksums(manifest: Path | None = None) -> dict[str, str]:
    """The manifest as ``{path relative to data/: sha256}``."""
    manifest = manifest or paths.CHECKSUMS
    name = paths.relative(manifest)
    if not manifest.exists():
        raise ChecksumError(name, "is missing: every data file needs a recorded checksum")
    out: dict[str, str] = {}
    for i, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"^([0-9a-f]{64}) [ *](.+)$", line)
        if not m:
            raise ChecksumError(name, "is not a sha256sum line ('<64 hex>  <path>')", row=i)
        out[m.group(2)] = m.group(1)
    return out

def _verify_file(path: Path, data_dir: Path, recorded: dict[str, str]) -> None:
    rel = path.relative_to(data_dir).as_posix()
    if rel not in recorded:
        raise ChecksumError(paths.relative(path), "has no recorded checksum in data/checksums.sha256 "
                            "(add it deliberately: python -m pipeline.intake.manifest --record " + rel + ")")
    actual = sha256_file(path)
    if actual != recorded[rel]:
        raise ChecksumError(paths.relative(path), f"changed: sha256 {actual[:12]}… but "
                            f"data/checksums.sha256 records {recorded[rel][:12]}…; raw files are "
                            "immutable (add a new batch instead, or re-record deliberately)")

def verify_checksums(data_dir: Path | None = None, folders=TRACKED) -> str:
    """Check every data file (of ``folders``) against ``checksums.sha256``; return the manifest's own sha256.

    Fails on a file whose bytes changed, a listed file that is gone, and a file
    that is not listed.
    """
    data_dir = data_dir or paths.DATA
    manifest = data_dir / "checksums.sha256"
    recorded = read_checksums(manifest)
    for path in tracked_files(data_dir, folders):
        _verify_file(path, data_dir, recorded)
    for rel in recorded:
        if rel.split("/", 1)[0] in folders and not (data_dir / rel).is_file():
            raise ChecksumError(paths.relative(manifest), f"lists '{rel}', which does not exist")
    return sha256_file(manifest)

def verify_data_file(path: Path, data_dir: Path | None = None) -> None:
    """Check one file under ``data/`` against the manifest (files elsewhere are not checked)."""
    data_dir = Path(data_dir or paths.DATA).resolve()
    path = Path(path).resolve()
    if data_dir not in path.parents:
        return
    _verify_file(path, data_dir, read_checksums(data_dir / "checksums.sha256"))
