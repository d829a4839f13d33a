"""The code stays simple to work on: the architecture's contracts hold (import-linter, ``pyproject.toml``:
the pipeline builds on the library and never the reverse; each library module above the modules it
uses), no import cycle, and every module opens with a docstring that states its job. Modules are cut
at their seams, not at a line count."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("helpers", "pipeline")
MODULES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*PACKAGES)


def test_no_import_cycle(graph):
    cycles = sorted({tuple(sorted((a, b))) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
                     if b.split(".")[0] in PACKAGES and a != b and graph.chain_exists(importer=b, imported=a)})
    assert cycles == [], cycles


def test_the_library_never_imports_the_pipeline(graph):
    assert not graph.chain_exists(importer="helpers", imported="pipeline", as_packages=True)


def test_the_import_contracts_hold():
    """``lint-imports`` over the contracts in pyproject.toml (a broken layer names the import that breaks it)."""
    import subprocess
    import sys

    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert "0 broken" in proc.stdout and f"{len(contracts)} kept" in proc.stdout


SUBPACKAGES = sorted(p.parent for p in MODULES if p.name == "__init__.py" and p.parent.parent != ROOT)


@pytest.mark.parametrize("package", SUBPACKAGES, ids=[str(p.relative_to(ROOT)) for p in SUBPACKAGES])
def test_each_package_states_its_job_in_two_lines_and_re_exports_nothing(package):
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc and len(doc.splitlines()) <= 2, f"{package.relative_to(ROOT)}: a job in at most two lines"
    assert len(tree.body) == 1, f"{package.relative_to(ROOT)}/__init__.py holds code or imports: import the module"


def test_no_module_re_exports_names_it_does_not_use():
    """No shims: a name imported only to be importable from here is imported where it is defined."""
    shims = [f"{p.relative_to(ROOT)}:{n}" for p in MODULES for n, line in enumerate(p.read_text().splitlines(), 1)
             if line.lstrip().startswith("from ") and "F401" in line]
    assert shims == []


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_each_module_states_its_job(path):
    text = path.read_text(encoding="utf-8")
    assert ast.get_docstring(ast.parse(text)), f"{path.relative_to(ROOT)} has no opening docstring"
