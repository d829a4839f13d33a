"""Every command data/claims/README.md documents runs as written: the first block from the project root, the
second from notebooks/, the third from another directory (with PROJECT set to the project's folder)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "data" / "claims" / "README.md"


def blocks() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    return [[line for line in b.splitlines() if line.strip() and not line.startswith("#")]
            for b in re.findall(r"```sh\n(.*?)```", text, re.S)]


def test_the_readme_documents_commands_for_the_root_notebooks_and_any_directory():
    b = blocks()
    assert len(b) == 3 and all(b)
    assert any("magnet-claims draft" in c for c in b[0]) and any("magnet-claims check" in c for c in b[0])
    assert all("--engine magnet" in c for bl in b for c in bl if "papermill" in c)


@pytest.mark.parametrize("where", ["root", "notebooks", "elsewhere"])
def test_documented_commands_run_as_written(where, tmp_path):
    cwd = {"root": ROOT, "notebooks": ROOT / "notebooks", "elsewhere": tmp_path}[where]
    commands = blocks()[{"root": 0, "notebooks": 1, "elsewhere": 2}[where]]
    env = {**os.environ, "PROJECT": str(ROOT), "PWD": str(cwd)}
    for command in commands:
        # each run writes into this test's own folder, not a shared /tmp file
        command = command.replace("/tmp/", f"{tmp_path}/")
        r = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"{where}: {command}\n{r.stderr[-2000:]}"
        if "magnet-claims check" in command:
            assert "claims were consistent" in r.stdout
