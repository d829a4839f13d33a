"""The monthly refresh end to end: a new month is a data change, not a code change.

On a private copy of the project (the frozen data of tests/fixtures/data, notebooks/, and main-latest
and destinations-us of reports.yaml, built there first): import April 2026 from a
news release and UN Comtrade's HS 8505.11 for June 2025 with ``magnet-import``, rebuild with
``magnet-build`` — the main report now tells the story up to April 2026 (and says what is new
since the edition before), the destinations report sets the wider scope beside the rare-earth
line. A refused import in between leaves the published reports byte-identical. The refresh runs
once per session (conftest.shared_once); each test reads what it needs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FROZEN_DATA, run_command, shared_once

from helpers import paths

pytestmark = pytest.mark.slow

FIX = Path(__file__).parent / "fixtures" / "imports"
NAMES = ("main-latest", "destinations-us")


def command(project: Path, name: str, *args: str) -> subprocess.CompletedProcess:
    """``magnet-build`` or ``magnet-import`` on the project copy, in a process of its own (conftest.run_command)."""
    module = {"magnet-build": "pipeline.build.cli", "magnet-import": "pipeline.intake.cli"}[name]
    return run_command(module, *args, env={"MAGNET_PROJECT_ROOT": str(project)}, cwd=project)


def build(project: Path) -> None:
    out = command(project, "magnet-build", "--config", str(project / "reports.yaml"), "--no-progress")
    assert out.returncode == 0, out.stderr


def built(project: Path) -> dict:
    """What the published reports say: each one's ``as_of`` and HTML."""
    reports = project / "reports"
    return {name: {"as_of": json.loads((reports / f"{name}.ipynb").read_text(encoding="utf-8"))
                   ["metadata"]["papermill"]["parameters"]["as_of"],
                   "html": (reports / f"{name}.html").read_text(encoding="utf-8")}
            for name in NAMES}


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _refresh(project: Path) -> dict:
    import yaml

    shutil.copytree(FROZEN_DATA, project / "data")   # the frozen data (March 2026): the fixture month is new to it
    shutil.copytree(paths.NOTEBOOKS, project / "notebooks")
    config = yaml.safe_load((paths.ROOT / "reports.yaml").read_text(encoding="utf-8"))
    config["reports"] = [r for r in config["reports"] if r["name"] in NAMES]
    (project / "reports.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    # the editions before: built here from the frozen data (the live data may already hold the fixture's month)
    build(project)
    before = built(project)

    # a bad file is refused and changes nothing, published reports included
    reports_before, data_before = tree_bytes(project / "reports"), tree_bytes(project / "data")
    bad = command(project, "magnet-import", str(FIX / "bad" / "implausible-kg-as-tonnes.csv"))
    refused = {"returncode": bad.returncode, "stderr": bad.stderr,
               "reports_unchanged": tree_bytes(project / "reports") == reports_before,
               "data_unchanged": tree_bytes(project / "data") == data_before}

    june = project / "comtrade-2025-06.csv"   # June 2025: the world 3,401 t of all metals, the US 400 t
    june.write_text((FIX / "comtrade-2026-04.csv").read_text(encoding="utf-8").replace("202604", "202506")
                    .replace(",2026,4,", ",2025,6,").replace("5812345,5812345", "3401000,3401000")
                    .replace("601234,601234", "400000,400000"), encoding="utf-8")
    comtrade = command(project, "magnet-import", str(june), "--published", "2026-03-15")
    assert comtrade.returncode == 0, comtrade.stderr
    added = command(project, "magnet-import", str(FIX / "news-2026-04.csv"))
    assert added.returncode == 0, added.stderr

    build(project)
    return {"before": before, "refused": refused, "added": added.stdout, "after": built(project),
            "log": (project / "reports" / "main-latest.log").read_text(encoding="utf-8")}


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory, worker_id) -> dict:
    return shared_once(tmp_path_factory, worker_id, "refresh-e2e",
                       lambda folder: _refresh(folder))[1]


def test_a_new_month_reaches_the_main_report_with_no_code_change(refreshed):
    assert refreshed["before"]["main-latest"]["as_of"] == "2026-03"
    html_before = refreshed["before"]["main-latest"]["html"]
    # no month after the data on file is told (a source published later may be listed among the sources)
    assert "Latest: April 2026" not in html_before and "### April 2026" not in html_before
    assert '<h3 id="april-2026"' not in html_before

    refused = refreshed["refused"]
    assert refused["returncode"] == 1 and refused["stderr"].startswith("error: ")
    assert refused["reports_unchanged"] and refused["data_unchanged"]
    assert "latest month is now 2026-04" in refreshed["added"]

    assert refreshed["after"]["main-latest"]["as_of"] == "2026-04"
    assert refreshed["after"]["destinations-us"]["as_of"] == "2026-04"
    html = refreshed["after"]["main-latest"]["html"]
    assert "April 2026" in html
    assert "example.org/news/2026-05-20" in html   # the new source is cited
    # the new month has its own chapter, written from its facts by the month template
    text = re.sub(r"<[^>]+>", "", html)
    chapter = text[text.index("The months since"):]
    assert "April 2026" in chapter and "5,812 t" in chapter and "+11.0%" in chapter
    assert "Exports to the United States were 601 t" in chapter
    # and the edition says so: what's new since the last edition
    assert "Latest: April 2026" in html and "New month: April 2026" in text
    assert "No anchor" not in refreshed["log"]


def test_a_comtrade_month_shows_as_a_scope_comparison_in_the_destinations_report(refreshed):
    """UN Comtrade's HS 8505.11 for a month on file: the destinations report sets it beside the
    rare-earth line ("other metal magnets: at most …"), and the story's figures do not move."""
    assert "no scope comparison to show" in refreshed["before"]["destinations-us"]["html"]
    html = refreshed["after"]["destinations-us"]["html"]
    assert "no scope comparison to show" not in html
    assert "All metal magnets, HS 8505.11 (t)" in html and "at most 214" in html      # 3,401 − 3,188 (world)
    assert "at most 48" in html                                                        # 400 − 353 (the US)
    prose = re.sub(r'<sup class="cites">.*?</sup>', "", html)   # sources are numbered markers: [n]
    assert ("In June 2025, exports to the United States were 400 t of all metal magnets against 353 t of "
            "rare-earth magnets: other metal magnets at most 48 t.") in prose
    assert 'id="source-S96"' in html   # the next id of the frozen data (S1-S95)
    # and it says it covers a month more than its edition before
    assert "New month: April 2026" in re.sub(r"<[^>]+>", "", html)
    for text in ("353", "3,188"):   # the rare-earth figures are unchanged
        assert text in html
