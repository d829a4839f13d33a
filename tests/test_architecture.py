"""The code stays simple to work on: no import cycle, the library never imports the pipeline, every
module at most 500 lines and opening with a docstring that states its job."""

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


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_each_module_is_at_most_500_lines_and_states_its_job(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= 500, f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines"
    assert ast.get_docstring(ast.parse(text)), f"{path.relative_to(ROOT)} has no opening docstring"
