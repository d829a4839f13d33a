"""Deliberate changes to recorded checksums (each folder's ``SHA256SUMS``): split the old single manifest, re-record.

``python -m pipeline.intake.manifest --split`` moves the lines of the old single manifest
``data/checksums.sha256`` into each folder's ``SHA256SUMS`` (the recorded hashes as they are: nothing
is re-hashed) and deletes it; ``--record PATH...`` re-records the checksum of files under ``data/``
edited on purpose (or of every file of a folder: a batch made by hand). Then the data are checked, as
``python -m helpers.data.dataset`` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from helpers import paths
from helpers.data.checksums import SUMS, folder_of, read_sums, sha256_file, verify_checksums
from helpers.data.writing import atomic_write, record_checksums, record_folder
from helpers.errors import ChecksumError

#: The old single manifest, before each folder carried its own ``SHA256SUMS``.
OLD_MANIFEST = "checksums.sha256"


def split_manifest(data_dir: Path | None = None) -> list[Path]:
    """Move the lines of ``data/checksums.sha256`` into the ``SHA256SUMS`` of the folder each file is in
    (paths made relative to it), check every folder against its ``SHA256SUMS``, then delete the old
    manifest; return the ``SHA256SUMS`` files written. Nothing is re-hashed: a file whose bytes differ
    from its recorded line fails the check, and the old manifest stays.

    Re-runnable, e.g. after merging a branch that still added its batch's lines to the old manifest:
    lines are merged into a ``SHA256SUMS`` already there; where the two record different hashes for a
    file (the branch changed it), the one that matches the file is kept, and neither matching is an error."""
    data_dir = Path(data_dir or paths.DATA)
    old = data_dir / OLD_MANIFEST
    if not old.is_file():
        return []
    folders: dict[Path, dict[str, str]] = {}
    for rel, digest in read_sums(data_dir, name=OLD_MANIFEST).items():
        path = data_dir / rel
        folder = folder_of(path, data_dir)
        if folder not in folders:
            folders[folder] = read_sums(folder) if (folder / SUMS).is_file() else {}
        key = path.resolve().relative_to(folder).as_posix()
        have = folders[folder].get(key)
        if have and have != digest:
            matching = [h for h in (have, digest) if path.is_file() and sha256_file(path) == h]
            if not matching:
                raise ChecksumError(paths.relative(path), f"{paths.relative(old)} and {paths.relative(folder / SUMS)} "
                                    "record different checksums and the file matches neither")
            digest = matching[0]
        folders[folder][key] = digest
    written = []
    for folder, recorded in sorted(folders.items()):
        lines = [f"{h}  {p}" for p, h in sorted(recorded.items())]
        atomic_write(folder / SUMS, ("\n".join(lines) + "\n").encode("utf-8"))
        written.append(folder / SUMS)
    verify_checksums(data_dir)   # every folder, claims included: each file as its line records it
    old.unlink()
    return written


def record_paths(targets, data_dir: Path | None = None) -> None:
    """Re-record deliberately: a file's line in its folder's ``SHA256SUMS``, or a folder's whole
    ``SHA256SUMS`` (a batch made by hand). Paths are relative to ``data/`` (or absolute)."""
    data_dir = Path(data_dir or paths.DATA)
    files = []
    for t in targets:
        p = Path(t) if Path(t).is_absolute() else data_dir / t
        if not p.exists():
            raise ChecksumError(paths.relative(p), "does not exist (paths are relative to data/)")
        if p.is_dir():
            record_folder(folder_of(p / SUMS, data_dir))
        else:
            files.append(p)
    if files:
        record_checksums(files, data_dir)


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.intake.manifest``: ``--split`` or ``--record PATH...``."""
    import argparse

    from helpers.data import dataset as data
    from helpers.errors import MagnetError

    parser = argparse.ArgumentParser(prog="python -m pipeline.intake.manifest", description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="store_true",
                        help="move the lines of the old data/checksums.sha256 into each folder's SHA256SUMS "
                        "(as recorded, nothing re-hashed) and delete it")
    parser.add_argument("--record", nargs="+", metavar="PATH",
                        help="deliberately (re)record the checksum of these files under data/ (a folder: all its "
                        "files), for a transcription fix that shows in the commit")
    args = parser.parse_args(argv)
    if not (args.split or args.record):
        parser.error("nothing to do: --split or --record PATH... (python -m helpers.data.dataset checks the data)")
    try:
        if args.split:
            written = split_manifest()
            print(f"split data/{OLD_MANIFEST} into {len(written)} SHA256SUMS file(s)" if written
                  else f"nothing to split: no data/{OLD_MANIFEST}")
        if args.record:
            record_paths(args.record)
    except MagnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return data.main([])


if __name__ == "__main__":
    raise SystemExit(main())
