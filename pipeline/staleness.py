"""Which reports are out of date: a hash of exactly what each report depends on.

A report depends on its notebook, its parameters (and the month ``latest`` stands
for), the data (not their ``*.md`` documentation), the analysis library the
notebook imports (``helpers/``) and the render templates. The pipeline's own code
is not an input: editing the build command rebuilds nothing. ``reports/.state/NAME.json``
holds the hash a published report was built from. Nothing heavy is imported, so a
no-op build takes a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
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
    """Hash of everything a report's output depends on."""
    h = hashlib.sha256(shared.encode())
    h.update(report.notebook.read_bytes())
    # --as-of only matters to reports using `latest` (given here, or as the notebook's default)
    h.update(json.dumps({"parameters": report.parameters, "as_of": as_of if uses_latest(report) else None},
                        sort_keys=True).encode())
    return h.hexdigest()


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
