"""The story notebooks run top to bottom under papermill with their defaults and with other parameters,
and a bad parameter stops them in the first cells with a ParameterError naming it.

All executions run once, two at a time (one per core), in a module fixture; each test then checks one.
"""

from __future__ import annotations

import re
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from helpers import paths

pytestmark = pytest.mark.slow

NB01, NB02, NB03, NB04 = ("01_controls_to_agreement", "02_destinations", "03_claims_check", "04_outlook")

RUNS = {
    "01-defaults": (NB01, {}),
    "01-december-germany": (NB01, {"as_of": "2025-12", "focus_partner": "DE"}),
    "01-september-japan-by-name": (NB01, {"as_of": "2025-09", "start": "2025-01", "focus_partner": "Japan"}),
    "02-defaults": (NB02, {}),
    "02-germany": (NB02, {"partner": "DE"}),
    "02-japan-july": (NB02, {"partner": "JP", "as_of": "2025-07"}),
    "03-defaults": (NB03, {}),
    "03-june-all-data": (NB03, {"as_known_on": ""}),
    "03-december": (NB03, {"as_of": "2025-12", "as_known_on": ""}),
    "04-defaults": (NB04, {}),
    "04-september-same-month": (NB04, {"as_of": "2025-09", "horizon": 3, "baseline": "same_month",
                                       "scenarios": {"quick": 1, "stalled": None}}),
    "bad-month": (NB01, {"as_of": "2025-13"}),
    "bad-future-month": (NB01, {"as_of": "2031-01"}),
    "bad-partner": (NB02, {"partner": "XX"}),
    "bad-horizon": (NB04, {"horizon": "six"}),
    "bad-claims-file": (NB03, {"claims_file": "../data/claims/no-such-article.csv"}),
}


def _execute(name: str, notebook: str, parameters: dict, out_dir: str) -> dict:
    """Run one notebook with papermill; return its text outputs, or the error it stopped with."""
    import nbformat
    import papermill

    from pipeline import inline

    out = f"{out_dir}/{name}.ipynb"
    # as the build runs it: chapters by metadata, inline {eval} facts evaluated in the kernel
    source = nbformat.read(str(paths.NOTEBOOKS / f"{notebook}.ipynb"), as_version=4)
    inline.prepare(source, parameters)
    prepared = f"{out_dir}/{name}.input.ipynb"
    nbformat.write(source, prepared)
    result = {"ename": None, "evalue": None, "exec_count": None, "text": ""}
    from pipeline.kernels import ipc_kernel_manager

    for attempt in (1, 2):  # a kernel that dies while starting: retry once (ipc sockets: no port to race for)
        try:
            papermill.execute_notebook(prepared, out, parameters=parameters, cwd=str(paths.NOTEBOOKS),
                                       kernel_name="python3", progress_bar=False,
                                       kernel_manager_class=ipc_kernel_manager())
        except papermill.PapermillExecutionError as exc:
            result.update(ename=exc.ename, evalue=exc.evalue, exec_count=exc.exec_count)
        except RuntimeError as exc:
            if "Kernel died" in str(exc) and attempt == 1:
                continue
            raise
        break
    nb = nbformat.read(out, as_version=4)
    inline.fill(nb)
    inline.rendered_markdown(nb)
    prose = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    texts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            texts.append(data.get("text/markdown", "") + re.sub(r"base64,[^\"]+", "", data.get("text/html", "")))
    result["outputs"] = "\n".join(texts)
    result["text"] = "\n".join(prose + texts)
    return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp("executed"))
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {name: pool.submit(_execute, name, nb, p, out_dir) for name, (nb, p) in RUNS.items()}
        return {name: f.result() for name, f in futures.items()}


def ok(runs, name) -> str:
    r = runs[name]
    assert r["ename"] is None, f"{name} failed: {r['ename']}: {r['evalue']}"
    return r["text"]


def test_main_report_at_june_2025_shows_the_summary_and_nothing_after_june(runs):
    text = ok(runs, "01-defaults")
    assert "exports were 3,188 t in June 2025" in text and "**3,188 t**" in text and "−18.9%" in text
    assert "lowest since February 2020" in text and "seven medium and heavy rare earths" in text
    assert "not yet in the data as of this edition" in text
    assert "### July" not in text
    assert "one-year arrangement" not in text  # the Busan meeting (October) is not told


def test_main_report_at_december_tells_what_came_after(runs):
    text = ok(runs, "01-december-germany")
    for heading in ("### July", "### October", "### Busan", "### The year's end"):
        assert heading in text
    assert "57,392 t" in text and "Germany" in text
    # the focus destination's own sentences tell Germany's story, not the United States'
    assert "Exports to Germany in June 2025 were about 764 t" in text


def test_main_report_with_a_partner_given_by_name(runs):
    text = ok(runs, "01-september-japan-by-name")
    assert "in September 2025" in text and "Japan" in text and "### October" not in text


def test_destinations_show_missing_months_as_not_reported_never_zero(runs):
    text = ok(runs, "02-defaults")
    assert "United States" in text and "not reported" in text
    assert "<td>0</td>" not in text and "<td>0 t</td>" not in text


@pytest.mark.parametrize("name, partner", [("02-germany", "Germany"), ("02-japan-july", "Japan")])
def test_destinations_work_for_other_partners(runs, name, partner):
    text = ok(runs, name)
    assert f"Exports to **{partner}**" in text


def test_claims_check_at_june_leaves_the_july_claim_not_checkable_yet(runs):
    text = ok(runs, "03-june-all-data")
    assert "**10 consistent with the data**, 0 contradicted, 2 not checkable" in text
    assert "Not checkable yet: July 2025" in text


def test_claims_check_at_december_confirms_the_july_claim(runs):
    text = ok(runs, "03-december")
    assert "**11 consistent with the data**, 0 contradicted, 1 not checkable" in text


def test_claims_check_by_default_judges_the_article_on_what_was_known_that_day(runs):
    text = ok(runs, "03-defaults")
    assert "as known on 20 July 2025" in text
    # the June figures were relayed from 21 July: on the article's day they were not yet on file
    assert "Not checkable yet: June 2025" in text
    assert "claim 1 goes from not checkable to ✓" in text


def test_outlook_sets_july_2025_against_the_scenarios(runs):
    text = ok(runs, "04-defaults")
    # SMM's precise 5,577.13 t (S45) sets July's value, said in whole tonnes; Reuters' 5,577 t (S7) agrees
    assert "In July 2025 exports were actually 5,577 t" in text and "above every scenario" in text


def test_outlook_with_other_scenarios_and_baseline(runs):
    text = ok(runs, "04-september-same-month")
    # the parameters reach the story: only the two scenarios asked for, projected from September
    assert "same calendar month of 2024" in text and "stalled" in text
    assert "gradual" not in text  # a default scenario that was not asked for


@pytest.mark.parametrize("name, parameter", [
    ("bad-month", "as_of"), ("bad-future-month", "as_of"), ("bad-partner", "partner"),
    ("bad-horizon", "horizon"), ("bad-claims-file", "claims_file"),
])
def test_bad_parameters_stop_in_the_first_cells_naming_the_parameter(runs, name, parameter):
    r = runs[name]
    assert r["ename"] == "ParameterError", r
    assert f"parameter '{parameter}'" in r["evalue"] and "is not allowed" in r["evalue"]
    # nothing of the story ran: no figure, no table, no sentence before the error
    outputs = r["outputs"].split("papermill-error-cell")[-1]
    assert "<figure" not in outputs and "<table" not in outputs, outputs[:300]
