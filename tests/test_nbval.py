"""nbval over the committed notebooks: they run top to bottom with their defaults, and the cells marked
``# NBVAL_CHECK_OUTPUT`` (the key numbers) still show what is committed.

Runs nbval in a subprocess so that plain ``pytest`` covers the notebooks too. After a deliberate change to
the data or the helpers, refresh the committed outputs with ``make execute-notebooks``.
"""

from __future__ import annotations

import pytest

from conftest import run_command
from helpers import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_the_key_numbers_are_marked_for_nbval():
    assert len(NOTEBOOKS) == 4
    checked = [nb.name for nb in NOTEBOOKS if "NBVAL_CHECK_OUTPUT" in nb.read_text(encoding="utf-8")]
    assert checked == ["01_controls_to_agreement.ipynb", "03_claims_check.ipynb"]  # summary box, verdict table


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_committed_notebooks_pass_nbval_lax(notebook, warm_kernel):
    """One notebook per test, so that parallel test workers share them out; the kernel is forked by the
    worker's zygote (conftest.warm_kernel), as in the build, and pytest is a command forked from the
    worker's command server (conftest.run_command)."""
    proc = run_command("pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                       "--nbval-kernel-name", warm_kernel.name(), notebook, cwd=paths.ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
