"""Scale: sweeps expanded into reports, the executor seam (local and Dask), and Comtrade-size data.

Timings are measured by ``make bench``, not here: these tests check behaviour only.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
import yaml

from helpers.data.dataset import load_dataset
from helpers.errors import BuildError
from helpers.analysis.series import build_monthly_series, derive
from pipeline.reports import reportset, sweeps
from pipeline.build.executors import ExecutorSpec, InlineExecutor, run_jobs

from conftest import BUILD_FIXTURES, FIXTURE_SET, run_build, write_report_set

FIXTURE_NB = str(BUILD_FIXTURES / "report.ipynb")


def _set(tmp_path, entries) -> list[reportset.Report]:
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump({"reports": entries}, sort_keys=False), encoding="utf-8")
    return reportset.load_report_set(path)


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


# --------------------------------------------------------------------------- sweeps


def test_sweep_over_top_destinations_gives_one_report_per_partner(tmp_path, ds):
    reports = _set(tmp_path, [
        {"name": "main", "notebook": FIXTURE_NB, "parameters": {}},
        {"name": "destinations-{greeting}", "notebook": FIXTURE_NB, "parameters": {"as_of": "latest"},
         "sweep": {"parameter": "greeting", "over": "top_destinations", "n": 3, "month": "2025-09"}}])
    assert reports[1].sweep["over"] == "top_destinations"
    out = sweeps.expand_sweeps(reports, ds)
    assert [r.name for r in out] == ["main", "destinations-de", "destinations-kr", "destinations-vn"]
    assert out[1].parameters == {"as_of": "latest", "greeting": "DE"} and out[1].sweep is None


def test_sweep_values_months_and_names_without_placeholder(tmp_path, ds):
    reports = _set(tmp_path, [
        {"name": "fixed", "notebook": FIXTURE_NB, "sweep": {"parameter": "greeting", "values": ["Hi", "Yo"]}},
        {"name": "monthly", "notebook": FIXTURE_NB,
         "sweep": {"parameter": "as_of", "over": "months", "from": "2025-10", "to": "latest"}}])
    out = sweeps.expand_sweeps(reports, ds, as_of="2025-11")
    assert [r.name for r in out] == ["fixed-hi", "fixed-yo", "monthly-2025-10", "monthly-2025-11"]
    assert out[3].parameters == {"as_of": "2025-11"}


@pytest.mark.slow
def test_a_sweep_over_the_data_rebuilds_nothing_and_lists_no_extra_report_when_nothing_changed(tmp_path):
    config = tmp_path / "set.yaml"
    config.write_text(yaml.safe_dump({"reports": [
        {"name": "d-{greeting}", "notebook": FIXTURE_NB, "parameters": {"as_of": "latest"},
         "sweep": {"parameter": "greeting", "over": "top_destinations", "n": 2, "month": "2025-09"}}]}))
    out = tmp_path / "out"
    first = run_build("--config", config, "--output-dir", out)
    assert first.returncode == 0 and " 2 built," in first.stdout, first.stderr
    again = run_build("--config", config, "--output-dir", out)
    assert again.returncode == 0 and " 0 built, 2 up to date," in again.stdout, again.stderr
    assert "note:" not in again.stderr  # nothing in the output folder is taken for an unlisted report


def test_a_set_without_sweeps_needs_no_data(tmp_path):
    reports = _set(tmp_path, [{"name": "a", "notebook": FIXTURE_NB}])
    assert sweeps.expand_sweeps(reports, dataset=None) == reports


@pytest.mark.parametrize("sweep, message", [
    ({"over": "top_destinations"}, "needs 'parameter'"),
    ({"parameter": "greeting"}, "either 'over'"),
    ({"parameter": "greeting", "over": "everything"}, "not one of top_destinations"),
    ({"parameter": "greeting", "over": "top_destinations", "n": 0}, "'n: 0'"),
    ({"parameter": "greeting", "over": "top_destinations", "month": "2025-13"}, "'month: 2025-13'"),
    ({"parameter": "greeting", "values": []}, "non-empty list"),
    ({"parameter": "greeting", "values": ["a"], "step": 2}, "unknown key 'step'"),
    ({"parameter": "greeting", "over": "months"}, "needs 'from"),
    ("partner", "must be a mapping"),
])
def test_bad_sweeps_are_one_line_naming_the_entry(tmp_path, sweep, message):
    with pytest.raises(BuildError, match=message) as err:
        _set(tmp_path, [{"name": "x-{greeting}", "notebook": FIXTURE_NB, "sweep": sweep}])
    assert "report #1" in str(err.value) and "\n" not in str(err.value)


def test_swept_names_must_not_collide(tmp_path, ds):
    reports = _set(tmp_path, [
        {"name": "x-de", "notebook": FIXTURE_NB},
        {"name": "x-{greeting}", "notebook": FIXTURE_NB, "sweep": {"parameter": "greeting", "values": ["DE"]}}])
    with pytest.raises(BuildError, match="two reports are named 'x-de'"):
        sweeps.expand_sweeps(reports, ds)


def test_swept_parameter_set_twice_is_refused(tmp_path):
    with pytest.raises(BuildError, match="both set and swept"):
        _set(tmp_path, [{"name": "x", "notebook": FIXTURE_NB, "parameters": {"greeting": "a"},
                         "sweep": {"parameter": "greeting", "values": ["b"]}}])


def test_the_default_report_set_expands(ds):
    reports = sweeps.expand_sweeps(reportset.load_report_set(), ds)
    assert len({r.name for r in reports}) == len(reports) and not any(r.sweep for r in reports)


# --------------------------------------------------------------------------- the executor seam


def _echo(job: dict) -> dict:
    return {"name": job["name"], "ok": True, "pid": os.getpid()}


def test_local_executor_runs_every_job_once():
    jobs = [{"name": f"r{i}", "staging": "."} for i in range(5)]
    inline = list(run_jobs(_echo, jobs, 1))
    assert sorted(r["name"] for r in inline) == [j["name"] for j in jobs]
    assert {r["pid"] for r in inline} == {os.getpid()}
    pooled = list(run_jobs(_echo, jobs, 2))
    assert sorted(r["name"] for r in pooled) == [j["name"] for j in jobs]
    assert os.getpid() not in {r["pid"] for r in pooled}


def test_inline_executor_is_a_concurrent_futures_executor():
    fut = InlineExecutor().submit(divmod, 7, 2)
    assert fut.done() and fut.result() == (3, 1)
    assert isinstance(InlineExecutor().submit(int, "x").exception(), ValueError)


def test_reports_run_with_one_numeric_thread_unless_the_user_chose(monkeypatch):
    from pipeline.build.executors import ONE_THREAD, one_thread_per_report

    for name in ONE_THREAD:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "4")   # the user's choice stands
    with one_thread_per_report():
        assert os.environ["OMP_NUM_THREADS"] == os.environ["OPENBLAS_NUM_THREADS"] == "1"
        assert os.environ["MKL_NUM_THREADS"] == "4"
    assert "OMP_NUM_THREADS" not in os.environ and "OPENBLAS_NUM_THREADS" not in os.environ
    assert os.environ["MKL_NUM_THREADS"] == "4"


def test_executor_spec_is_checked():
    with pytest.raises(BuildError, match="--scheduler needs --executor dask"):
        ExecutorSpec("local", "tcp://x:8786")
    with pytest.raises(BuildError, match="one of local, dask"):
        ExecutorSpec("slurm")


def _write_files(job: dict) -> dict:
    from pathlib import Path

    Path(job["staging"], job["name"] + ".html").write_text("<p>" + job["name"])
    return {"name": job["name"], "ok": True}


def test_dask_executor_ships_each_reports_files_back(tmp_path):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    from pipeline.build import executors

    jobs = [{"name": n, "staging": str(tmp_path)} for n in ("a", "b")]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        ex = client.get_executor()
        futures = [ex.submit(executors.build_shipped, _write_files, j) for j in jobs]
        results = [executors._land(f.result(), tmp_path) for f in futures]
    assert all(r["ok"] and "files" not in r for r in results)
    assert (tmp_path / "a.html").read_text() == "<p>a" and (tmp_path / "b.html").read_text() == "<p>b"


@pytest.mark.slow
def test_fixture_reports_build_on_a_local_dask_cluster(tmp_path):
    pytest.importorskip("distributed")
    config = write_report_set(tmp_path, FIXTURE_SET)
    proc = run_build("--config", config, "--output-dir", tmp_path / "out", "--executor", "dask", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in FIXTURE_SET:
        for suffix in (".html", ".pdf", ".ipynb"):
            assert (tmp_path / "out" / f"{name}{suffix}").stat().st_size > 0
    assert "hi &lt;script&gt;" in (tmp_path / "out" / "alpha.html").read_text(encoding="utf-8")
    state = json.loads((tmp_path / "out" / ".state" / "alpha.json").read_text())
    assert state["parameters"]["as_of"] == load_dataset().latest_month
    # nothing changed: a second build on the default executor builds nothing
    again = run_build("--config", config, "--output-dir", tmp_path / "out")
    assert again.returncode == 0 and " 0 built, 2 up to date" in again.stdout


@pytest.mark.slow
def test_unreachable_scheduler_is_one_line(tmp_path):
    pytest.importorskip("distributed")
    config = write_report_set(tmp_path, {"beta": {}})
    proc = run_build("--config", config, "--output-dir", tmp_path / "out", "--executor", "dask",
                     "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1", timeout=180)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: cannot reach the Dask scheduler tcp://127.0.0.1:9")
    assert proc.stderr.count("\n") == 1, proc.stderr[-2000:]


# --------------------------------------------------------------------------- Comtrade-size data


def test_a_generated_history_imports_and_leaves_the_project_series_unchanged(tmp_path, ds):
    """The bench's two generated files: UN Comtrade (HS-6, its own series) and China Customs (85051110)."""
    from pipeline.intake.batch import import_file
    from pipeline.intake.model import Options
    from tools.scale import comtrade_file, customs_file, project_copy

    root = project_copy(tmp_path / "project")
    today = dt.date(2026, 5, 31)   # after the latest month on file (March 2026, published 20 April 2026)
    path = comtrade_file(tmp_path / "comtrade.csv", partners=40, months=12)
    result = import_file(path, "comtrade", data_dir=root / "data", opts=Options(published="2025-01-15"),
                         accept_implausible=True, today=today)
    assert result.figures == 40 * 12 and result.months[0] == "2023-01" and result.months[-1] == "2023-12"
    assert result.series == ("hs:850511",)
    assert ("US", "2023-06", "2023-06") not in derive(load_dataset(root / "data", today=today)).estimates
    path = customs_file(tmp_path / "customs.csv", partners=40, months=12)
    result = import_file(path, "customs", data_dir=root / "data", opts=Options(published="2025-01-15", flow="export"),
                         accept_implausible=True, today=today)
    assert result.figures == 40 * 12 and result.series == ("cn:85051110",)
    big = load_dataset(root / "data", today=today)
    assert len(big.figures) == len(ds.figures) + 960
    k = derive(big)
    assert k.estimates[("US", "2023-06", "2023-06")].status == "reported"
    assert k.estimates[("US", "2023-06", "2023-06")].published == "2025-01-15"
    for partner in ("WLD", "US", "DE"):
        before = build_monthly_series(ds, partner).drop(columns="published")
        after = build_monthly_series(big, partner).drop(columns="published")
        assert after.equals(before)


def test_a_sweep_of_values_builds_without_loading_data(tmp_path):
    reports = _set(tmp_path, [{"name": "f-{greeting}", "notebook": FIXTURE_NB,
                               "sweep": {"parameter": "greeting", "values": ["A", 2]}}])
    assert [r.name for r in sweeps.expand_sweeps(reports)] == ["f-a", "f-2"]
