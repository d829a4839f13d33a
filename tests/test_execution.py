"""One way to execute a report: papermill's ``magnet`` engine, the same from the command line, the
build, ``make execute-notebooks`` and the tests; the same parameters, resolved once, give the same bytes
(compared with the session's default build: conftest.built_default_reports)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import EPOCH, ROOT, run_build, run_command

from pipeline.reports.reportset import load_report_set

NB01 = ROOT / "notebooks" / "01_controls_to_agreement.ipynb"
pytestmark = pytest.mark.slow


def _expressions(nb: dict) -> list:
    return [(c.get("id"), c["metadata"].get("user_expressions")) for c in nb["cells"]
            if c["cell_type"] == "markdown" and c["metadata"].get("user_expressions")]


#: main-2025-06 of reports.yaml (its focus "US"), as the session's default build has it.
MAIN_2025_06 = next(r.parameters for r in load_report_set() if r.name == "main-2025-06")


def test_papermill_with_the_magnet_engine_gives_the_notebook_the_build_publishes(built_default_reports, warm_kernel,
                                                                               tmp_path):
    """papermill's command line, the focus given by name: the values main-2025-06's published notebook shows
    (its kernel forked by a zygote, as the build's are: conftest.warm_kernel)."""
    out = tmp_path / "cli.ipynb"
    given = [a for k, v in dict(MAIN_2025_06, focus_partner="United States").items() if k != "start"
             for a in ("-p", k, v)]  # start: the notebook's default
    proc = run_command("papermill", "--engine", "magnet", NB01, out, *given, "--cwd", NB01.parent,
                       "--no-progress-bar", "--kernel", warm_kernel.name())
    assert proc.returncode == 0, proc.stderr[-2000:]
    cli = json.loads(out.read_text(encoding="utf-8"))
    built = json.loads((built_default_reports.out / "main-2025-06.ipynb").read_text(encoding="utf-8"))
    assert _expressions(cli) == _expressions(built)
    values = [u["result"]["data"]["text/plain"] for _, exprs in _expressions(cli) for u in exprs]
    assert "3,188 t" in values and "the United States" in values  # the focus, resolved from its name
    # no evaluating cell is left behind, and the chapters after June 2025 are not in it
    assert not any("magnet-inline" in c["metadata"].get("tags", []) for c in cli["cells"])
    assert not any("### July" in "".join(c["source"]) for c in cli["cells"])


def test_a_focus_by_name_builds_the_same_bytes_as_by_code(built_default_reports, tmp_path):
    """Reproducible builds: main-2025-06 built alone, its focus given by name ("United States"), with the
    session build's SOURCE_DATE_EPOCH, is the session build's main-2025-06 (focus "US") byte for byte:
    HTML, PDF, executed notebook and stated facts (test_contract: every spelling resolves to one value)."""
    config = tmp_path / "one.yaml"
    config.write_text(json.dumps({"reports": [{"name": "main-2025-06", "notebook": str(NB01), "parameters":
                                               dict(MAIN_2025_06, focus_partner="United States")}]}), encoding="utf-8")
    out = tmp_path / "out"
    proc = run_build("--config", config, "--output-dir", out, env={"SOURCE_DATE_EPOCH": EPOCH})
    assert proc.returncode == 0, proc.stderr
    for ext in ("html", "pdf", "ipynb", "facts.json"):
        assert (out / f"main-2025-06.{ext}").read_bytes() == \
            (built_default_reports.out / f"main-2025-06.{ext}").read_bytes(), ext
    html = (out / "main-2025-06.html").read_text(encoding="utf-8")
    assert "Built 2026-01-01 00:00 UTC" in html
    assert "focus:" not in html.split("</title>")[0]  # the notebook's default focus is not an edition of its own
    assert html.count("Exports to the United States were 46 t") <= 1
    # every report names its versions and the lock it was built from
    for name in ("python", "pandas", "matplotlib", "papermill", "nbconvert", "weasyprint", "lock"):
        assert f"{name} " in html.split("Versions:")[1].split("</p>")[0]


def test_a_bad_parameter_on_the_command_line_is_one_line_before_any_kernel(tmp_path):
    proc = run_command("papermill", "--engine", "magnet", NB01, tmp_path / "x.ipynb", "-p", "focus_partner", "Atlantis",
                       timeout=300)
    assert proc.returncode != 0 and not (tmp_path / "x.ipynb").exists()
    assert "ParameterError: parameter 'focus_partner' = 'Atlantis' is not allowed" in proc.stderr
    assert "Executing notebook with kernel" not in proc.stderr


def test_the_engine_module_can_be_imported_before_papermill():
    """papermill loads the engine's entry point while it is being imported: no circular import either way."""
    proc = subprocess.run([sys.executable, "-c", "from pipeline.build.execute import execute_report; import papermill; "
                           "print(papermill.engines.papermill_engines.get_engine('magnet').__name__)"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "MagnetEngine", proc.stderr[-1000:]


def test_there_is_one_execution_function():
    """Only pipeline/build/execute.py calls papermill to execute (the bench's naive route runs papermill's CLI)."""
    callers = []
    for folder in ("pipeline", "helpers", "tests", "tools"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.relative_to(ROOT).as_posix() == "pipeline/build/execute.py":
                continue
            if path.name != "test_execution.py" and re.search(r"\bexecute_notebook\(|NotebookClient\(", path.read_text(encoding="utf-8")):
                callers.append(str(path.relative_to(ROOT)))
    assert callers == [], callers
