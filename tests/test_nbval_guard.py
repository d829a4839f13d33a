"""nbval guards the key numbers: changing one data value (June 2025's 3,188 t) makes it fail.

Works on a copy of the project (notebooks/, helpers/, data/) in tmp_path, pointed to by
MAGNET_PROJECT_ROOT (honoured by helpers.paths, and inherited by the kernel nbval starts).
"""

from __future__ import annotations

import shutil

import pytest

from conftest import run_command
from helpers import paths
from helpers.data.writing import record_checksums

pytestmark = pytest.mark.slow

NOTEBOOK = "notebooks/01_controls_to_agreement.ipynb"
JUNE = "2025-06,2025-06,WLD,tonnes,3188,"


def copy_project(dest):
    for sub in ("notebooks", "helpers", "data"):
        shutil.copytree(paths.ROOT / sub, dest / sub, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return dest


def run_nbval(root):
    """nbval on the copy's notebook, from the copy (no pyproject.toml there: nbval is the one plugin)."""
    return run_command("pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider", "-p", "nbval", root / NOTEBOOK,
                       cwd=root, env={"MAGNET_PROJECT_ROOT": str(root), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})


def test_changing_june_2025_makes_nbval_fail_on_the_summary_box(tmp_path):
    """The copy differs from the project in June 2025's value only; the committed notebook passing nbval
    is test_nbval's. The failure must be the summary box's 3,188 t against the new 3,189 t."""
    changed = copy_project(tmp_path / "changed")
    figures = changed / "data/raw/2025-brief/figures.csv"
    text = figures.read_text(encoding="utf-8")
    assert text.count(JUNE) == 1
    figures.write_text(text.replace(JUNE, JUNE.replace("3188", "3189")), encoding="utf-8")
    record_checksums([figures], data_dir=changed / "data")

    bad = run_nbval(changed)
    assert bad.returncode != 0, "nbval passed although June 2025 changed from 3,188 t to 3,189 t"
    assert "3,189 t" in bad.stdout and "3,188 t" in bad.stdout  # the summary box's mismatch is what fails
