"""The story notebooks run top to bottom under papermill with their defaults and with other parameters,
and a bad parameter stops them before any kernel starts (the engine's contract check), or at the
setup line when it reaches a kernel, with a ParameterError naming it.

Each execution runs once per session, on whichever test worker first asks for it (shared with the
others through conftest.shared_once); each test then checks one. A notebook with the parameters of a
report of reports.yaml is read from the session's default build (conftest.built_default_reports)
instead of being run again: ``runs["built:NAME"]``.
"""

from __future__ import annotations

import re

import pytest
from conftest import shared_once

from helpers import paths

pytestmark = pytest.mark.slow

NB01, NB02, NB03, NB04 = ("01_controls_to_agreement", "02_destinations", "03_claims_check", "04_outlook")

RUNS = {
    "01-december-germany-by-name": (NB01, {"as_of": "2025-12", "start": "2025-01", "focus_partner": "Germany"}),
    "02-japan-july": (NB02, {"partner": "JP", "as_of": "2025-07"}),
    "03-june-all-data": (NB03, {"as_known_on": ""}),
    "03-december": (NB03, {"as_of": "2025-12", "as_known_on": ""}),
    "04-september-same-month": (NB04, {"as_of": "2025-09", "horizon": 3, "baseline": "same_month",
                                       "scenarios": {"quick": 1, "stalled": None}}),
    "bad-month": (NB01, {"as_of": "2025-13"}),
    "bad-future-month": (NB01, {"as_of": "2031-01"}),
    "bad-partner": (NB02, {"partner": "XX"}),
    "bad-horizon": (NB04, {"horizon": "six"}),
    "bad-claims-file": (NB03, {"claims_file": "../data/claims/no-such-article.csv"}),
    "in-kernel-bad-partner": (NB02, {"partner": "XX"}),
}


def _execute(name: str, notebook: str, parameters: dict, out_dir: str, kernel_name: str) -> dict:
    """Run one notebook the one way every report runs (papermill's magnet engine, a warm kernel as in
    the build); return its text outputs, or the error it stopped with."""
    import nbformat
    import papermill

    from helpers.errors import ParameterError
    from pipeline.build.execute import execute_report

    out = f"{out_dir}/{name}.ipynb"
    result = {"ename": None, "evalue": None, "exec_count": None, "text": "", "outputs": ""}
    for attempt in (1, 2):  # a kernel that dies while starting: retry once (ipc sockets: no port to race for)
        try:
            execute_report(paths.NOTEBOOKS / f"{notebook}.ipynb", out, parameters, cwd=paths.NOTEBOOKS,
                           kernel_name=kernel_name, check_parameters=not name.startswith("in-kernel-"))
        except ParameterError as exc:  # the contract, before any kernel started: nothing was written
            result.update(ename="ParameterError", evalue=str(exc), before_kernel=True)
            return result
        except papermill.PapermillExecutionError as exc:
            result.update(ename=exc.ename, evalue=exc.evalue, exec_count=exc.exec_count)
        except RuntimeError as exc:
            if "Kernel died" in str(exc) and attempt == 1:
                continue
            raise
        break
    result.update(_text(nbformat.read(out, as_version=4)))
    return result


def _text(nb) -> dict:
    """What an executed notebook says: its Markdown with the values filled in, and its outputs."""
    from pipeline.render import inline

    inline.rendered_markdown(nb)
    prose = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    texts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            texts.append(data.get("text/markdown", "") + re.sub(r"base64,[^\"]+", "", data.get("text/html", "")))
    return {"outputs": "\n".join(texts), "text": "\n".join(prose + texts)}


class _Runs:
    """``runs[name]``: the result of run ``name``, executed on first use by any test worker (its kernel
    forked by the worker's zygote: conftest.warm_kernel)."""

    def __init__(self, tmp_path_factory, worker_id, request):
        self._args, self._seen, self._request = (tmp_path_factory, worker_id), {}, request

    def __getitem__(self, name: str) -> dict:
        if name.startswith("built:"):  # a report of the default build
            import nbformat

            out = self._request.getfixturevalue("built_default_reports").out
            nb = nbformat.read(out / f"{name.removeprefix('built:')}.ipynb", as_version=4)
            return {"ename": None, "evalue": None, **_text(nb)}
        if name not in self._seen:
            notebook, parameters = RUNS[name]
            kernel = self._request.getfixturevalue("warm_kernel")
            _, self._seen[name] = shared_once(*self._args, f"notebook-run-{name}",
                                              lambda folder: _execute(name, notebook, parameters, str(folder),
                                                                      kernel.name()))
        return self._seen[name]


@pytest.fixture(scope="session")
def runs(tmp_path_factory, worker_id, request):
    return _Runs(tmp_path_factory, worker_id, request)


def ok(runs, name) -> str:
    r = runs[name]
    assert r["ename"] is None, f"{name} failed: {r['ename']}: {r['evalue']}"
    return r["text"]


def test_main_report_at_june_2025_shows_the_summary_and_nothing_after_june(runs):
    text = ok(runs, "built:main-2025-06")
    assert "exports rose to 3,188 t in June 2025" in text and "**3,188 t**" in text and "−18.9%" in text
    assert "lowest since February 2020" in text and "seven medium and heavy rare earths" in text
    assert "### July" not in text
    assert "one-year arrangement" not in text  # the Busan meeting (October) is not told
    # no hindsight and no instructions to a reader who cannot re-run anything
    assert "October expansion" not in text and "Re-run" not in text and "as_of" not in text.split("**The question:**")[1]
    # as known on 21 July 2025 (main-2025-06), January 2025 was not yet published on its own: it is said with
    # the months it was published with (issue 32: "no published figure gives it" was false)
    assert "January and February 2025 were not published on their own: together they were about" in text
    assert "no published figure gives it" not in text


def test_main_report_at_december_tells_what_came_after(runs):
    """The focus given by name (test_execution gives "United States"); the story up to December 2025 and
    nothing after it (main-2025-06, in the default build, stops at June)."""
    text = ok(runs, "01-december-germany-by-name")
    for heading in ("### July", "### October", "### Busan", "### The year's end"):
        assert heading in text
    assert "The months since" not in text and "January 2026" not in text
    assert "57,392 t" in text and "Germany" in text
    assert "2025 opened at 6,357 t in January" in text
    # the focus destination's own sentences tell Germany's story, not the United States'
    assert "Exports to Germany in June 2025 were about 764 t" in text


def test_destinations_show_missing_months_as_not_reported_never_zero(runs):
    text = ok(runs, "built:destinations-us")
    assert "United States" in text and "not reported" in text
    assert "<td>0</td>" not in text and "<td>0 t</td>" not in text


@pytest.mark.parametrize("name, partner", [("built:destinations-de", "Germany"), ("02-japan-july", "Japan")])
def test_destinations_work_for_other_partners(runs, name, partner):
    text = ok(runs, name)
    assert f"Exports to **{partner}**" in text


def test_claims_check_at_june_leaves_the_july_claim_not_checkable_yet(runs):
    text = ok(runs, "03-june-all-data")
    assert "With every figure on file, 10 of its 12 claims were consistent" in text
    assert "Not checkable yet: July 2025" in text


def test_claims_check_at_december_confirms_the_july_claim(runs):
    text = ok(runs, "03-december")
    assert "With every figure on file, 11 of its 12 claims were consistent" in text


def test_claims_check_by_default_judges_the_article_on_what_was_released_that_day(runs):
    text = ok(runs, "built:claims-check")
    # GAC released June on 20 July, the article's day: its June figures are judged as the day's release
    # (relayed that day by Reuters' story, which the article and S1 repeat), and hold
    assert ("On 20 July 2025, the day the article was published, 10 of its 12 claims were consistent with "
            "what had been released; none was contradicted") in text
    assert "Reuters story of 20 July 2025 (S1" in text and "vnnow.net" in text
    assert "no URL on file" not in text
    # the July claim is judged once July is known, in the second table
    assert "1 verdict change" in text and "+74.9%" in text


def test_outlook_sets_july_2025_against_the_scenarios_and_benchmarks(runs):
    text = ok(runs, "built:outlook")
    # the June edition is made with the data as known on 20 July 2025, GAC's June release: its 2024 level
    # is the average of the 7 months of 2024 known then (never the 10 known today)
    assert "as known on **20 July 2025**" in text
    assert "the average of the 7 months of 2024 known on 20 July 2025: 4,797 t a month" in text
    # SMM's precise 5,577.13 t (S45) sets July's value; the headline says how the actual months compared
    assert "Exports rose from 3,188 t in June 2025 to 5,577 t in July 2025" in text
    assert "above every scenario in 6 of 6" in text and "naive benchmark's 80% interval held 5 of them" in text
    # a benchmark with an interval, and the rolling-origin backtest
    assert "naive (80% interval)" in text and "1,872–5,429" in text
    assert "Rolling-origin backtest" in text and "Inside the 80% interval (%)" in text


def test_outlook_with_other_scenarios_and_baseline(runs):
    text = ok(runs, "04-september-same-month")
    # the parameters reach the story: only the two scenarios asked for, projected from September
    assert "same calendar month of 2024" in text and "stalled" in text
    assert "gradual" not in text  # a default scenario that was not asked for


@pytest.mark.parametrize("name, parameter", [
    ("bad-month", "as_of"), ("bad-future-month", "as_of"), ("bad-partner", "partner"),
    ("bad-horizon", "horizon"), ("bad-claims-file", "claims_file"),
])
def test_bad_parameters_stop_before_any_kernel_starts_naming_the_parameter(runs, name, parameter):
    r = runs[name]
    assert r["ename"] == "ParameterError" and r.get("before_kernel"), r
    assert f"parameter '{parameter}'" in r["evalue"] and "is not allowed" in r["evalue"]


def test_a_bad_parameter_reaching_the_kernel_stops_at_the_setup_line(runs):
    """Without the engine's check (JupyterLab, another engine), the notebook's setup line stops it."""
    r = runs["in-kernel-bad-partner"]
    assert r["ename"] == "ParameterError" and "parameter 'partner'" in r["evalue"], r
    # nothing of the story ran: no figure, no table, no sentence before the error
    outputs = r["outputs"].split("papermill-error-cell")[-1]
    assert "<figure" not in outputs and "<table" not in outputs, outputs[:300]
