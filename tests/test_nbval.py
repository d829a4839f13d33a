"""nbval over the committed notebooks: they run top to bottom with their defaults, and the cells marked
``# NBVAL_CHECK_OUTPUT`` (the key numbers) still show what is committed.

Runs nbval in a subprocess so that plain ``pytest`` covers the notebooks too. After a deliberate change to
the data or the helpers, refresh the committed outputs with ``make execute-notebooks``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import paths

pytestmark = pytest.mark.slow


def test_committed_notebooks_pass_nbval_lax():
    notebooks = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) == 4
    checked = [nb.name for nb in notebooks if "NBVAL_CHECK_OUTPUT" in nb.read_text(encoding="utf-8")]
    assert checked == ["01_controls_to_agreement.ipynb", "03_claims_check.ipynb"]  # summary box, verdict table
    proc = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                           *map(str, notebooks)], cwd=paths.ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
