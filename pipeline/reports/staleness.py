"""Which reports are out of date: a hash of exactly what each report depends on, from content.

A report depends on its notebook, its parameters (and the month ``latest`` stands for, and the
content of a file a parameter names: a claims file anywhere), the data (not their ``*.md``
documentation), the analysis library the notebook imports (``helpers/``), the code that executes
and renders it (``pipeline/build/worker.py`` and every pipeline module it imports, found by reading
their imports), the render templates, and the locked versions of every library
(``requirements/lock-pyXY.txt`` of the running Python). These are hashed, as owid/etl hashes a
step's code and dependencies: no hand-bumped version. The rest of the pipeline (the build
command, the importer, the report-set reader) is not an input: editing it rebuilds nothing.
``reports/.state/NAME.json`` holds the hash a published report was built from. Nothing heavy is
imported, so a no-op build takes a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

import helpers
from helpers import paths

from pipeline.render.convert import TEMPLATES
from pipeline.reports.reportset import Report, uses_latest

#: The analysis library the notebooks import.
LIBRARY = Path(helpers.__file__).resolve().parent
#: The folder holding the pipeline package, and the module of it that executes and renders one report.
PIPELINE = Path(__file__).resolve().parents[2]
RENDERER = "pipeline.build.worker"


def _files(root: Path, skip_suffixes: tuple[str, ...]) -> list[tuple[Path, Path]]:
    """The files under ``root``; not in ``__pycache__``, nor in a dot-folder (``data/.import-*``: an import's
    staging folder, which no read looks at)."""
    return [(root, p) for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in skip_suffixes
            and not any(part.startswith(".") for part in p.relative_to(root).parent.parts)]


def _module_file(name: str) -> Path | None:
    """The source file of a pipeline module (``pipeline.build.worker``), or None if ``name`` is not one."""
    base = PIPELINE / name.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


#: ``from pipeline.x import y, (z, …)`` and ``import pipeline.x``, at any indentation (imports made inside a
#: function count: the worker imports what only a build needs when it builds).
_IMPORT_RE = re.compile(r"^[ \t]*(?:from[ \t]+(pipeline(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)"
                        r"|import[ \t]+(pipeline(?:\.\w+)*))", re.M)


@lru_cache(maxsize=256)
def _imports(path: str, _mtime: int, _size: int) -> frozenset[str]:
    """The pipeline modules one pipeline module imports (``from pipeline.x import y``, ``import pipeline.x``),
    read from its source with one regular expression (a no-op build reads them all, so no parsing):
    ``y`` counts when it is a module itself."""
    out = set()
    for m in _IMPORT_RE.finditer(Path(path).read_text(encoding="utf-8")):
        if m.group(3):
            out.add(m.group(3))
            continue
        module = m.group(1)
        out.add(module)
        names = (n.split(" as ")[0].strip() for n in m.group(2).strip("() \n").replace("\n", " ").split(","))
        out |= {f"{module}.{n}" for n in names if n.isidentifier() and _module_file(f"{module}.{n}")}
    return frozenset(out)


def rendering_code() -> list[tuple[Path, Path]]:
    """``pipeline/build/worker.py`` and every pipeline module it imports, directly or not, as (root, file)."""
    seen, files, todo = set(), set(), [RENDERER]
    while todo:
        name = todo.pop()
        path = _module_file(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        files.add(path)
        todo += _imports(str(path), *_stamp(path))
    return [(PIPELINE / "pipeline", p) for p in sorted(files)]   # hashed as pipeline/<path>: where the project is does not count


def locked_versions() -> list[tuple[Path, Path]]:
    """The lock of the running Python (``requirements/lock-py311.txt``): every library's exact version."""
    lock = paths.ROOT / "requirements" / f"lock-py{sys.version_info.major}{sys.version_info.minor}.txt"
    return [(lock.parent, lock)] if lock.is_file() else []


def shared_inputs() -> list[tuple[Path, Path]]:
    """What every report depends on, as (root, file): the data files (not their ``*.md``
    documentation), the analysis library (``helpers/``), the code that executes and renders a report,
    the render templates and the locked versions."""
    return (_files(paths.DATA, (".md",)) + _files(LIBRARY, (".pyc",)) + rendering_code()
            + _files(TEMPLATES, (".pyc",)) + locked_versions())


def shared_inputs_hash() -> str:
    """Hash of :func:`shared_inputs`, names and bytes."""
    h = hashlib.sha256(b"magnet-build inputs\0")
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
    from helpers.notebook import contract

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
