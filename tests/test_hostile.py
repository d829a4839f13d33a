"""Issue 36: safe to publish and to schedule. Each test is a probe an attacker or a tired operator made:
formulas in the downloads, shell injection through make, a set published all at once, names that collide,
unbounded input, a full disk, double escaping, leftovers."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FROZEN_DATA
import yaml

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- make: arguments, not a shell


@pytest.fixture
def fake_bin(tmp_path):
    """A ``BIN`` whose magnet-build and magnet-import print the arguments they got (as JSON)."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").symlink_to(sys.executable)
    for tool in ("magnet-build", "magnet-import"):
        script = fake / tool
        script.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
        script.chmod(0o755)
    return fake


def _make(target: str, fake: Path, **variables) -> subprocess.CompletedProcess:
    # -o: the environment's stamp counts as up to date (never reinstalled by a test)
    cmd = ["make", "--no-print-directory", "-s", "-o", ".venv/.installed", target, f"BIN={fake}"]
    cmd += [f"{k}={v}" for k, v in variables.items()]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_make_passes_args_and_file_as_arguments_never_to_a_shell(fake_bin, tmp_path):
    pwned = tmp_path / "pwned"
    args = f"--only 'main latest'; id > {pwned} $(shell touch {pwned}-make) `touch {pwned}-tick`"
    proc = _make("reports", fake_bin, ARGS=args)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == shlex.split(args)
    file = f"{tmp_path}/my file; id > {pwned}.csv"
    proc = _make("import", fake_bin, FILE=file, ARGS=f"--check; touch {pwned}-import")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [file, "--check;", "touch", f"{pwned}-import"]
    assert not list(tmp_path.glob("pwned*")), "a value given to make ran as a command"


def test_make_import_without_file_is_one_line(fake_bin):
    proc = _make("import", fake_bin)
    assert proc.returncode != 0
    assert "error: make import needs FILE=" in proc.stderr


def test_the_workflow_passes_its_input_as_arguments_with_least_permissions():
    text = (ROOT / ".github" / "workflows" / "reports.yml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    for job in doc["jobs"].values():
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", ""), f"an expression is expanded into a shell script: {step}"
            assert "$BUILD_ARGS" not in step.get("run", "") and "ARGS=" not in step.get("run", "")
    assert doc["permissions"] == {}, "the workflow's default permissions must be none"
    build, deploy = doc["jobs"]["build"]["permissions"], doc["jobs"]["deploy"]["permissions"]
    assert "write" not in build.values(), f"the build job (which runs the input) can write: {build}"
    assert deploy == {"pages": "write", "id-token": "write"}


# --------------------------------------------------------------------------- formulas in the downloads

#: A cell for each prefix OWASP names, and numbers that must stay numbers.
PLANTED = ['=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def _cells(path: Path) -> list[str]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return [c for row in csv.reader(fh) for c in row]


def _safe(cell: str) -> bool:
    from pipeline.render.safecsv import NUMBER_RE

    return not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or bool(NUMBER_RE.match(cell))


def test_the_csv_beside_a_report_cannot_run_formulas(tmp_path):
    import pandas as pd

    from helpers.charts.figures import table_html
    from pipeline.render.preprocessors import data_parts
    from pipeline.render.safecsv import neutralise_csv

    df = pd.DataFrame({"claim": PLANTED, "change": [-3.5, 2.0, -0.25, 1e-3, 0, -7]})
    parts, files = data_parts(table_html(df), "x", {})
    body = "".join(p.get("html", "") for p in parts)
    text = neutralise_csv(files["table-1.csv"])
    (tmp_path / "t.csv").write_text(text, encoding="utf-8")
    cells = _cells(tmp_path / "t.csv")
    assert all(_safe(c) for c in cells), [c for c in cells if not _safe(c)]
    for planted in PLANTED[:5]:
        assert "'" + planted in cells   # kept, as text (a bare CR in a pandas CSV ends its row: "=1+1" then
    assert "'=1+1" in cells             # starts one, and is neutralised there)
    assert "-3.5" in cells and "-0.25" in cells   # numbers stay numbers
    assert "=HYPERLINK" in body and "&#x27;=HYPERLINK" not in body and "'=HYPERLINK" not in body  # the page as is


def test_the_render_step_writes_neutralised_csvs():
    src = (ROOT / "pipeline" / "render" / "convert.py").read_text(encoding="utf-8")
    assert "write_text(neutralise_csv(text)" in src


def test_the_data_package_cannot_run_formulas(tmp_path):
    import dataclasses

    from helpers.data.dataset import load_dataset
    from pipeline.publish.datapackage import write_data_package

    ds = load_dataset()
    sources = ds.sources.copy()
    for i, planted in enumerate(PLANTED):
        sources.loc[sources.index[i], "title"] = planted
        sources.loc[sources.index[i], "outlet"] = planted
    figures = ds.figures.copy()
    figures.loc[figures.index[: len(PLANTED)], "note"] = PLANTED
    events = ds.events.copy()
    events.loc[events.index[0], "description"] = "=1+1"
    ds = dataclasses.replace(ds, sources=sources, figures=figures, events=events, checksum="planted")
    write_data_package(ds, tmp_path)
    for name in ("figures.csv", "sources.csv", "events.csv", "monthly.csv"):
        cells = _cells(tmp_path / "data" / name)
        assert all(_safe(c) for c in cells), (name, [c for c in cells if not _safe(c)])
    assert "'" + PLANTED[0] in _cells(tmp_path / "data" / "sources.csv")
    assert "'\n=1+1" in _cells(tmp_path / "data" / "figures.csv")   # a CR is a quoted line feed
    desc = json.loads((tmp_path / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert all(_safe(s["title"]) for s in desc["sources"])


# --------------------------------------------------------------------------- names and paths

FIXTURE_NB = ROOT / "tests" / "fixtures" / "build" / "report.ipynb"


def _set(tmp_path: Path, *entries: str) -> Path:
    p = tmp_path / "set.yaml"
    p.write_text("reports:\n" + "".join(f"  - {{name: {n}, notebook: {FIXTURE_NB}}}\n" for n in entries))
    return p


@pytest.mark.parametrize("name", ["index", "technical", "feed", "data", "Index", "DATA"])
def test_a_name_the_site_takes_is_refused_at_pre_flight(tmp_path, capsys, name):
    from pipeline.build import cli as build

    assert build.main(["--config", str(_set(tmp_path, name)), "--output-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"report name '{name}' is reserved" in err, err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.html"))


def test_names_equal_but_for_case_and_overlong_names_are_refused(tmp_path):
    from helpers.errors import BuildError
    from pipeline.reports.reportset import load_report_set

    with pytest.raises(BuildError, match="'Dup' and 'dup' differ only by case"):
        load_report_set(_set(tmp_path, "Dup", "dup"))
    with pytest.raises(BuildError, match=r"is 300 characters long; at most 100") as info:
        load_report_set(_set(tmp_path, "x" * 300))
    assert len(str(info.value)) < 300


def test_sweep_values_that_collide_by_case_are_refused(tmp_path):
    from helpers.errors import BuildError
    from pipeline.reports.reportset import load_report_set
    from pipeline.reports.sweeps import expand_sweeps

    p = tmp_path / "set.yaml"
    p.write_text(f"reports:\n  - name: r-{{greeting}}\n    notebook: {FIXTURE_NB}\n"
                 "    sweep: {parameter: greeting, values: [Ab, aB]}\n")
    with pytest.raises(BuildError, match="two reports are named 'r-ab'|differ only by case"):
        expand_sweeps(load_report_set(p))


def test_a_claims_file_outside_data_is_an_input_of_its_report(tmp_path):
    from pipeline.reports.reportset import Report
    from pipeline.reports.staleness import input_hash

    claims = tmp_path / "mine.csv"
    claims.write_text("claim_id,claim\nC1,first\n", encoding="utf-8")
    nb = ROOT / "notebooks" / "03_claims_check.ipynb"
    r = Report(name="c", notebook=nb, parameters={"claims_file": str(claims)})
    before = input_hash(r, "shared")
    claims.write_text("claim_id,claim\nC1,edited\n", encoding="utf-8")
    assert input_hash(r, "shared") != before, "an edited claims file leaves its report 'up to date'"


# --------------------------------------------------------------------------- bounded input


def _bomb(depth: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, depth + 1):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines)


def test_a_yaml_anchor_bomb_is_refused_before_it_expands(tmp_path, capsys):
    import time

    from pipeline.build import cli as build

    p = tmp_path / "set.yaml"
    body = "\n".join("    " + line for line in _bomb(8).splitlines())
    p.write_text(f"reports:\n  - name: a\n    notebook: {FIXTURE_NB}\n    parameters:\n      greeting:\n{body}\n")
    t0 = time.perf_counter()
    assert build.main(["--config", str(p), "--output-dir", str(tmp_path / "out")]) == 1
    assert time.perf_counter() - t0 < 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 300 and "aliases" in err, err[:500]


def test_an_error_quotes_a_short_prefix_of_a_long_value():
    from helpers.errors import ParameterError

    msg = str(ParameterError("greeting", ["lol"] * 100_000, "text"))
    assert len(msg) < 200 and "characters)" in msg


def test_a_set_beyond_the_cap_is_refused_at_once(tmp_path):
    from helpers.errors import BuildError
    from pipeline.reports.reportset import MAX_REPORTS, load_report_set

    with pytest.raises(BuildError, match=f"at most {MAX_REPORTS:,}"):
        load_report_set(_set(tmp_path, *[f"r{i}" for i in range(MAX_REPORTS + 1)]))


def test_a_large_set_shows_its_pre_flight_progress(capsys):
    from pipeline.build.cli import PROGRESS_FROM, preflight_progress

    assert list(preflight_progress(list(range(PROGRESS_FROM)), "checking", True)) == list(range(PROGRESS_FROM))
    assert "pre-flight: checking" in capsys.readouterr().err
    assert preflight_progress([1, 2], "checking", True) == [1, 2]


# --------------------------------------------------------------------------- escaped exactly once


def test_a_title_with_ampersand_and_angle_brackets_is_escaped_exactly_once(tmp_path):
    import nbformat

    from helpers.text import escape
    from pipeline.publish.site import _render_index, write_feed
    from pipeline.render.convert import notebook_title

    name = "Bosnia & <Herzegovina> [x]"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# Exports to {escape(name)}")])
    title = notebook_title(nb, "d")
    assert title == f"Exports to {name}"
    entry = {"name": "r", "title": title, "edition": "Latest: A & B", "news": "", "parameters": {}, "built": "2026-01-01 00:00 UTC",
             "notebook": "n", "commit": "c", "data_checksum": "0" * 64, "headline": "", "audience": "", "as_of": "2026-01",
             "data": False, "package": False}
    for template in ("site-index.html.j2", "site-technical.html.j2"):
        page = _render_index([entry], template)
        assert "&amp;amp;" not in page and "&amp;lt;" not in page, template
    assert "Exports to Bosnia &amp; &lt;Herzegovina&gt; [x]" in _render_index([entry])
    (tmp_path / ".state").mkdir()
    feed = write_feed([entry], tmp_path).read_text(encoding="utf-8")
    assert "&amp;amp;" not in feed and "Bosnia &amp; &lt;Herzegovina&gt;" in feed


# --------------------------------------------------------------------------- full disk


def test_a_log_on_a_full_disk_prints_no_logging_tracebacks(tmp_path, capsys, monkeypatch):
    """A log handler on /dev/full (every write: ENOSPC), as the build's workers' logs on a full disk."""
    import logging

    from pipeline.build import cli as build

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    monkeypatch.setattr(logging, "raiseExceptions", True)
    assert build.main(["--config", str(tmp_path / "none.yaml"), "--output-dir", str(tmp_path / "out")]) == 1
    capsys.readouterr()
    handler = logging.FileHandler("/dev/full")
    log = logging.getLogger("magnet.test.full")
    log.addHandler(handler)
    try:
        for _ in range(50):
            log.error("a line")
    finally:
        log.removeHandler(handler)
        with contextlib.suppress(OSError):   # its last flush (the worker's too: pipeline.build.worker)
            handler.close()
    assert "Logging error" not in capsys.readouterr().err


def test_a_full_disk_while_building_is_one_line_naming_the_file_and_the_space_needed(tmp_path, capsys, monkeypatch):
    import errno

    from pipeline.build import cli as build

    target = tmp_path / "out" / "main-latest.pdf"

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(build, "build", full)
    p = _set(tmp_path, "a")
    assert build.main(["--config", str(p), "--output-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "main-latest.pdf" in err, err
    assert "no space left on device" in err and " free there" in err and "needs about" in err and "MB" in err


def test_a_full_disk_while_importing_names_the_file(tmp_path, capsys, monkeypatch):
    import errno

    from pipeline.intake import cli

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")   # as a failed write's close raises it

    monkeypatch.setattr(cli, "import_file", full)
    f = tmp_path / "x.csv"
    f.write_text("a\n")
    assert cli.main([str(f)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and not err.startswith("error: :"), err
    assert "data" in err and "no space left on device" in err and "free there" in err


def test_a_failed_write_that_names_no_file_is_given_the_staging_folder(tmp_path):
    import errno

    from pipeline.intake.batch import _named

    exc = _named(OSError(errno.ENOSPC, "No space left on device"), tmp_path / ".import-x")
    assert exc.filename == str(tmp_path / ".import-x") and exc.errno == errno.ENOSPC


# --------------------------------------------------------------------------- nothing left behind


@pytest.fixture
def data_project(tmp_path) -> Path:
    import shutil

    shutil.copytree(FROZEN_DATA, tmp_path / "project" / "data", ignore=shutil.ignore_patterns(".import-*"))
    return tmp_path / "project"


@pytest.mark.slow
def test_a_killed_import_leaves_nothing_in_the_temp_folder_and_the_check_only_reads(data_project, tmp_path):
    import hashlib
    import signal

    from conftest import run_command

    def tree(root):
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
                for p in sorted(root.rglob("*"))}

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"MAGNET_PROJECT_ROOT": str(data_project), "TMPDIR": str(temp)}
    fix = ROOT / "tests" / "fixtures" / "imports" / "news-2026-04.csv"
    proc = run_command("pipeline.intake.cli", fix, cwd=data_project, timeout=120,
                       env={**env, "MAGNET_IMPORT_KILL_AT": "checking"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert not [p for p in temp.iterdir() if p.name.startswith("magnet-import-check-")]
    left = [p for p in (data_project / "data").iterdir() if p.name.startswith(".import-")]
    assert left and (left[0] / "check" / "data").is_dir(), "the check copy is in the staging folder"
    # killed after the rename, before its staging folder was removed: the check passes and writes nothing
    proc = run_command("pipeline.intake.cli", fix, cwd=data_project, timeout=120,
                       env={**env, "MAGNET_IMPORT_KILL_AT": "moved"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    before = tree(data_project / "data")
    out = run_command("helpers.data.dataset", cwd=data_project, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert "--record" not in out.stderr and out.stdout.startswith("data OK") and "latest month 2026-04" in out.stdout
    assert tree(data_project / "data") == before, "the check changed data/"
    # (the second import swept the first one's leftover at its start; its own is still there)
    assert [p.name for p in (data_project / "data").iterdir() if p.name.startswith(".import-")] != [left[0].name]
    assert len([p for p in (data_project / "data").iterdir() if p.name.startswith(".import-")]) == 1
    # the next import sweeps what killed imports left, under its lock
    proc = run_command("pipeline.intake.cli", "--check", ROOT / "tests" / "fixtures" / "imports" / "customs-2026-04.csv",
                       "--published", "2026-05-15", "--flow", "export", cwd=data_project, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert not [p for p in (data_project / "data").iterdir() if p.name.startswith(".import-")]


def test_old_check_folders_in_the_temp_folder_are_swept(tmp_path, monkeypatch):
    import tempfile

    from pipeline.intake.batch import sweep_old_checks

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old, new = tmp_path / "magnet-import-check-old", tmp_path / "magnet-import-check-new"
    old.mkdir()
    new.mkdir()
    os.utime(old, (1, 1))
    assert sweep_old_checks() == ["magnet-import-check-old"]
    assert new.is_dir() and not old.exists()


# --------------------------------------------------------------------------- bounded imports


@pytest.mark.slow
def test_a_200_mb_import_is_refused_in_one_line_with_bounded_memory(tmp_path):
    """A 200 MB file (sparse: no disk used) is refused by its size before it is read; the process's peak
    memory stays far under 1 GB (ru_maxrss, measured in a process of its own)."""
    big = tmp_path / "comtrade.csv"
    with open(big, "wb") as fh:
        fh.write(b"typeCode,freqCode,refPeriodId\n")
        fh.truncate(200_000_000)
    code = ("import resource, sys\nfrom pipeline.intake import cli\nrc = cli.main(sys.argv[1:])\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, file=sys.stdout)\nsys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, str(big), "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "is 200 MB; magnet-import reads files up to 20 MB" in proc.stderr
    peak = int(proc.stdout.split()[-1])
    assert peak < 1_000_000_000, f"peak memory {peak / 1e6:.0f} MB"


def test_a_gzip_that_unpacks_beyond_the_limit_is_refused(tmp_path):
    import datetime as dt
    import gzip

    from helpers.errors import DataError
    from pipeline.intake.upstream import MAX_IMPORT_BYTES, read_file
    from pipeline.intake.model import Options

    bomb = tmp_path / "bomb.csv.gz"
    with gzip.open(bomb, "wb") as gz:
        chunk = b"0" * 1_000_000
        for _ in range(MAX_IMPORT_BYTES // len(chunk) + 2):
            gz.write(chunk)
    with pytest.raises(DataError, match="unpacks to more than 20 MB"):
        read_file(bomb, None, {}, Options(), dt.date(2026, 1, 1))


def test_hundreds_of_warnings_are_one_summary_line(capsys):
    from types import SimpleNamespace

    from pipeline.intake.cli import WARNINGS_SHOWN, print_result

    result = SimpleNamespace(warnings=[f"row {i}: odd" for i in range(400)], batch=None, series=(),
                             figures=1, months=["2026-01"], resolutions=0)
    print_result(result, True, "source(s) S1")
    err = capsys.readouterr().err.splitlines()
    assert len(err) == WARNINGS_SHOWN + 1 and "395 more warnings" in err[-1]


# --------------------------------------------------------------------------- a set published all at once


@pytest.mark.slow
def test_another_sets_failed_build_changes_nothing_published(published, tmp_path):
    from conftest import run_build, write_report_set

    out, _config = published
    site = {p: (out / p).read_bytes() for p in ("index.html", "technical.html", "feed.xml")}
    current = os.readlink(out / "current")
    other = write_report_set(tmp_path, {"x": {"as_of": "2099-01"}}, name="other.yaml")   # fails pre-flight
    proc = run_build("--config", other, "--output-dir", out)
    assert proc.returncode == 1 and "report 'x'" in proc.stderr, proc.stderr
    assert {p: (out / p).read_bytes() for p in site} == site, "a failed build of another set rewrote the site"
    assert os.readlink(out / "current") == current
    note = next(line for line in proc.stderr.splitlines() if line.startswith("note:"))
    assert note.startswith("note: 2 published report(s)") and ": alpha, beta " in note, note   # x is not
    assert f"{out}/.state/x.failed.log" in proc.stderr and (out / ".state" / "x.failed.log").is_file()


@pytest.mark.slow
def test_the_published_set_is_one_release_behind_one_link(published):
    out, _config = published
    assert (out / "current").is_symlink() and os.readlink(out / "current").startswith("releases/")
    release = out / os.readlink(out / "current")
    for name in ("index.html", "technical.html", "feed.xml", "alpha.html", "alpha.pdf", "beta.html", "data"):
        assert (out / name).is_symlink() and os.readlink(out / name) == f"current/{name}", name
        assert (release / name).exists(), name
    assert (out / ".state" / "alpha.json").is_file()
