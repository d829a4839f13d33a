"""One way to execute a report: papermill's ``magnet`` engine, the same from the command line, the
build, ``make execute-notebooks`` and the tests; the same parameters, resolved once, give the same bytes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MAGNET_BUILD, ROOT

NB01 = ROOT / "notebooks" / "01_controls_to_agreement.ipynb"
pytestmark = pytest.mark.slow


def _expressions(nb: dict) -> list:
    return [(c.get("id"), c["metadata"].get("user_expressions")) for c in nb["cells"]
            if c["cell_type"] == "markdown" and c["metadata"].get("user_expressions")]


def _build(tmp_path: Path, name: str, parameters: dict, out: Path) -> Path:
    config = tmp_path / f"{out.name}.yaml"
    config.write_text(json.dumps({"reports": [{"name": name, "notebook": str(NB01), "parameters": parameters}]}),
                      encoding="utf-8")
    proc = subprocess.run([*MAGNET_BUILD, "--no-progress", "--config", str(config), "--output-dir", str(out)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"})
    assert proc.returncode == 0, proc.stderr
    return out


def test_papermill_with_the_magnet_engine_gives_the_notebook_the_build_publishes(tmp_path):
    out = tmp_path / "cli.ipynb"
    proc = subprocess.run([str(Path(sys.executable).with_name("papermill")), "--engine", "magnet", str(NB01),
                           str(out), "-p", "focus_partner", "DE", "--cwd", str(NB01.parent), "--no-progress-bar"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    cli = json.loads(out.read_text(encoding="utf-8"))
    built = json.loads((_build(tmp_path, "de", {"focus_partner": "DE"}, tmp_path / "out") / "de.ipynb")
                       .read_text(encoding="utf-8"))
    assert _expressions(cli) == _expressions(built)
    values = [u["result"]["data"]["text/plain"] for _, exprs in _expressions(cli) for u in exprs]
    assert "Germany" in values and "3,188 t" in values
    assert any(re.search(r"Exports to Germany in \w+ \d{4} were (about )?[\d,]+ t", v) for v in values), values
    # no evaluating cell is left behind, and the chapters after June 2025 are not in it
    assert not any("magnet-inline" in c["metadata"].get("tags", []) for c in cli["cells"])
    assert not any("### July" in "".join(c["source"]) for c in cli["cells"])


def test_a_focus_by_code_or_by_name_builds_the_same_bytes(tmp_path):
    """By code and by name (test_contract: every spelling, "us" too, resolves to the one value the build uses)."""
    outs = [_build(tmp_path, "focus", {"as_of": "2025-12", "focus_partner": v}, tmp_path / f"out{i}")
            for i, v in enumerate(("US", "United States"))]
    for ext in ("html", "pdf", "ipynb"):
        first = (outs[0] / f"focus.{ext}").read_bytes()
        assert all((o / f"focus.{ext}").read_bytes() == first for o in outs[1:]), ext
    html = (outs[0] / "focus.html").read_text(encoding="utf-8")
    assert "focus:" not in html.split("</title>")[0]  # the notebook's default focus is not an edition of its own
    assert html.count("Exports to the United States were 46 t") <= 1


def test_a_bad_parameter_on_the_command_line_is_one_line_before_any_kernel(tmp_path):
    proc = subprocess.run([str(Path(sys.executable).with_name("papermill")), "--engine", "magnet", str(NB01),
                           str(tmp_path / "x.ipynb"), "-p", "focus_partner", "Atlantis"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and not (tmp_path / "x.ipynb").exists()
    assert "ParameterError: parameter 'focus_partner' = 'Atlantis' is not allowed" in proc.stderr
    assert "Executing notebook with kernel" not in proc.stderr


def test_there_is_one_execution_function():
    """Only pipeline/execute.py calls papermill to execute (the bench's naive route runs papermill's CLI)."""
    callers = []
    for folder in ("pipeline", "helpers", "tests", "tools"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name in ("execute.py",) and path.parent.name == "pipeline":
                continue
            if path.name != "test_execution.py" and re.search(r"\bexecute_notebook\(|NotebookClient\(", path.read_text(encoding="utf-8")):
                callers.append(str(path.relative_to(ROOT)))
    assert callers == [], callers
