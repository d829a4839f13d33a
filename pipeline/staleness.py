"""Which reports are out of date: a hash of exactly what each report depends on.

A report depends on its notebook, its parameters (and the month ``latest`` stands
for, and the content of a file a parameter names: a claims file anywhere), the data (not their ``*.md`` documentation), the analysis library the
notebook imports (``helpers/``) and the render templates. The pipeline's own code
is not an input: editing the build command rebuilds nothing. ``reports/.state/NAME.json``
holds the hash a published report was built from. Nothing heavy is imported, so a
no-op build takes a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import helpers
from helpers import paths

from .render import TEMPLATES
from .reportset import Report, uses_latest

#: Bumped when the build itself changes what it writes for the same inputs.
STATE_VERSION = 2
#: The analysis library the notebooks import.
LIBRARY = Path(helpers.__file__).resolve().parent


def _files(root: Path, skip_suffixes: tuple[str, ...]) -> list[tuple[Path, Path]]:
    return [(root, p) for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in skip_suffixes]


def shared_inputs() -> list[tuple[Path, Path]]:
    """What every report depends on, as (root, file): the data files (not their ``*.md``
    documentation), the analysis library (``helpers/``) and the render templates."""
    return (_files(paths.DATA, (".md",)) + _files(LIBRARY, (".pyc",)) + _files(TEMPLATES, (".pyc",)))


def shared_inputs_hash() -> str:
    """Hash of :func:`shared_inputs`, names and bytes."""
    h = hashlib.sha256(f"magnet-build state {STATE_VERSION}\0".encode())
    for root, p in shared_inputs():
        h.update(root.name.encode() + b"/" + p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def input_hash(report: Report, shared: str, as_of: str | None = None) -> str:
    """Hash of everything a report's output depends on: with the shared inputs, its notebook, its
    parameters, and the content of every file a parameter names (a claims file outside ``data/``)."""
    h = hashlib.sha256(shared.encode())
    h.update(_notebook_digest(str(report.notebook), *_stamp(report.notebook)))
    for name, path in parameter_files(report):
        h.update(b"\0file " + name.encode() + b"\0")
        try:
            h.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            h.update(b"unreadable")   # pre-flight names it
    # --as-of only matters to reports using `latest` (given here, or as the notebook's default)
    h.update(json.dumps({"parameters": report.parameters, "as_of": as_of if uses_latest(report) else None},
                        sort_keys=True).encode())
    return h.hexdigest()


#: Parameter kinds whose value is a file the notebook reads.
FILE_KINDS = ("claims",)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return 0, 0


@lru_cache(maxsize=64)
def _notebook_digest(path: str, _mtime: int, _size: int) -> bytes:
    return hashlib.sha256(Path(path).read_bytes()).digest()


def parameter_files(report: Report) -> list[tuple[str, Path]]:
    """``(parameter, path)`` of every file a report's parameters name (given, or the notebook's default),
    relative paths taken from the notebook's folder as the notebook takes them."""
    from helpers import contract

    out = []
    for name, p in contract.declared(report.notebook).items():
        value = report.parameters.get(name, p.default)
        if p.kind in FILE_KINDS and isinstance(value, str) and value.strip():
            path = Path(value)
            out.append((name, path if path.is_absolute() else report.notebook.parent / path))
    return out


def read_state(out_dir: Path, name: str) -> dict | None:
    """The state of a published report (``.state/NAME.json``), or None."""
    try:
        return json.loads((out_dir / ".state" / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_up_to_date(report: Report, out_dir: Path, digest: str) -> bool:
    """True when the published report was built from exactly these inputs and is complete."""
    state = read_state(out_dir, report.name)
    return bool(state and state.get("hash") == digest
                and all((out_dir / f"{report.name}.{ext}").is_file() for ext in ("html", "pdf")))
