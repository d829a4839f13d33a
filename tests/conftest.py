"""Shared fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- build and browser tests

BUILD_FIXTURES = ROOT / "tests" / "fixtures" / "build"
MAGNET_BUILD = [sys.executable, "-m", "pipeline.build"]


def write_report_set(folder: Path, reports: dict[str, dict], name: str = "set.yaml") -> Path:
    """A report set of the fixture notebook: ``{report name: parameters}``."""
    import yaml

    doc = {"reports": [{"name": n, "notebook": str(BUILD_FIXTURES / "report.ipynb"), "parameters": p}
                       for n, p in reports.items()]}
    path = Path(folder) / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def run_build(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    """``magnet-build ARGS`` in a fresh process (as a user runs it)."""
    return subprocess.run(MAGNET_BUILD + ["--no-progress", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ, PYTHONWARNINGS="ignore"))


#: Two fixture reports; ``alpha``'s greeting carries markup that must render as text.
FIXTURE_SET = {"alpha": {"greeting": "hi <script>alert(1)</script>", "as_of": "latest"}, "beta": {}}


@pytest.fixture(scope="session")
def built_fixture_reports(tmp_path_factory):
    """The fixture report set, built once per session: ``out``, ``config``, ``proc``."""
    folder = tmp_path_factory.mktemp("fixture-reports")
    config = write_report_set(folder, FIXTURE_SET)
    proc = run_build("--config", config, "--output-dir", folder / "out")
    assert proc.returncode == 0, proc.stderr
    return SimpleNamespace(out=folder / "out", config=config, proc=proc, names=list(FIXTURE_SET))


@pytest.fixture(scope="session")
def built_default_reports(tmp_path_factory):
    """The default report set (reports.yaml), built once per session into a temporary folder."""
    import yaml

    doc = yaml.safe_load((ROOT / "reports.yaml").read_text(encoding="utf-8"))
    missing = sorted({r["notebook"] for r in doc["reports"] if not (ROOT / r["notebook"]).is_file()})
    if missing:
        pytest.skip(f"the real notebooks are not all written yet (missing: {', '.join(missing)})")
    out = tmp_path_factory.mktemp("default-reports") / "out"
    proc = run_build("--output-dir", out, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return SimpleNamespace(out=out, proc=proc, names=[r["name"] for r in doc["reports"]])


@pytest.fixture
def published(built_fixture_reports, tmp_path):
    """A private copy of the built fixture reports (with their state), brought up to date, to build over:
    ``(out, config)``."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built_fixture_reports.out, out)
    (out / ".build.lock").unlink(missing_ok=True)
    config = write_report_set(tmp_path, FIXTURE_SET)
    # a no-op unless helpers/ or data/ changed since the session build
    proc = run_build("--config", config, "--output-dir", out)
    assert proc.returncode == 0, proc.stderr
    return out, config
