"""An edition knows only what was known: no fact, month or event published after its as_known_on date."""

from __future__ import annotations

import json

import nbformat
import pytest
import yaml

from conftest import run_build, shared_once
from helpers.story import facts, monthfacts
from helpers.data.dataset import known_dates, load_dataset
from pipeline.build import hindsight
from pipeline.render import inline
from pipeline.reports.reportset import load_report_set

DAY = "2025-07-21"


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


# --------------------------------------------------------------------------- what a text names


def test_dates_months_and_years_are_read_with_their_first_day():
    said = dict(hindsight.mentions("On 9 October 2025, in Oct 2025, on 2025-11-07, for 2025-12, in 2026."))
    assert said == {"9 October 2025": "2025-10-09", "Oct 2025": "2025-10-01", "2025-11-07": "2025-11-07",
                    "2025-12": "2025-12-01", "2026": "2026-01-01"}


def test_a_month_named_without_its_year_is_read_in_the_year_the_text_is_about():
    text = "Re-run this report to follow the July rebound, the October expansion and the November suspension."
    assert hindsight.later(text, DAY, default_year=2025) == ["October (read as October 2025)",
                                                             "November (read as November 2025)"]
    # the month of the edition itself may be named; "may" the verb is not a month
    assert hindsight.later("In July exports may rise.", DAY, default_year=2025) == []
    # a year named earlier in the text sets the year of the months after it
    assert hindsight.later("In 2024, exports peaked in August.", DAY, default_year=2025) == []


def test_numbers_that_are_not_years_are_not_read_as_years():
    assert hindsight.mentions("2,026 t and 12,2025 and 2026.5 t") == []


# --------------------------------------------------------------------------- the check of an executed notebook


def _evaluated(md_source: str, values: dict) -> tuple[list, dict]:
    """A Markdown cell as the build fills it (its ``user_expressions``), and the facts it stated."""
    md = nbformat.v4.new_markdown_cell(md_source)
    md.metadata["user_expressions"] = [
        {"expression": e, "result": {"status": "ok", "data": {"text/plain": repr(v["text"])}, "metadata": {}}}
        for e, v in values.items()]
    return [md], values


def test_a_hand_written_cell_naming_a_later_event_is_named_in_one_line():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## After the agreement\n\nWatch the October expansion of the controls.")]
    assert hindsight.check(nb, DAY) == [
        "the Markdown cell '## After the agreement' names October (read as October 2025)"]


def test_a_fact_released_after_the_date_is_named_with_its_release_day():
    nb = nbformat.v4.new_notebook()
    nb.cells, stated = _evaluated("## July\n\nJuly was {eval}`jul.tonnes`.", {
        "jul.tonnes": {"text": "5,577 t", "fact": {"key": "WLD 2025-07 tonnes", "published": "2025-08-20"}}})
    assert hindsight.check(nb, DAY, stated) == [
        "the Markdown cell '## July' states {eval}`jul.tonnes` (5,577 t), published 2025-08-20"]
    assert hindsight.check(nb, "2025-08-20", stated) == []


def test_a_table_or_caption_showing_a_later_month_is_named():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(table)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": '<figure><img alt="Exports to 2025-06" src="data:image/png;base64,MjAyNi0wMQ=="></figure>'
                     "<table><tr><td>Oct 2025</td><td>5,473</td></tr></table>"})]
    nb.cells = [cell]
    assert hindsight.check(nb, DAY) == ["the output of the code cell 'display(table)' shows Oct 2025"]


def test_a_notebook_that_names_only_what_was_known_passes():
    nb = nbformat.v4.new_notebook()
    nb.cells, stated = _evaluated("## June\n\nOn 19 June 2025 MOFCOM approved licences; June was {eval}`jun`.", {
        "jun": {"text": "3,188 t", "fact": {"key": "WLD 2025-06 tonnes", "published": "2025-07-20"}}})
    assert hindsight.check(nb, DAY, stated) == []


# --------------------------------------------------------------------------- known from the origin's release


def test_a_figure_is_known_from_its_origins_release_not_from_the_relaying_page(ds):
    known = known_dates(ds.sources)
    s1 = ds.source("S1")
    assert s1.published == "2025-07-21" and s1.origin_released == "2025-07-20"  # Trading Economics relays GAC
    assert known["S1"] == "2025-07-20"
    assert str(monthfacts.month(ds.known_on("2025-07-20"), "2025-06").tonnes) == "3,188 t"
    assert not monthfacts.month(ds.known_on("2025-07-19"), "2025-06").tonnes


def test_without_a_release_date_a_figure_is_known_from_its_earliest_relay():
    import pandas as pd

    sources = pd.DataFrame({"source_id": ["A", "B", "C"], "published": ["2025-07-22", "2025-07", "2025-08-01"],
                            "origin_id": ["O1", "O1", ""], "origin_released": ["", "", ""]})
    assert known_dates(sources) == {"A": "2025-07-22", "B": "2025-07-22", "C": "2025-08-01"}


def test_events_after_the_date_are_not_known(ds):
    known = ds.known_on(DAY)
    assert "E6" in set(known.events.event_id) and "E8" not in set(known.events.event_id)
    assert not monthfacts.event(known, "E8") and "not yet happened" in str(monthfacts.event(known, "E8"))


def test_facts_carry_the_release_day_of_what_they_rest_on(ds):
    june = monthfacts.month(ds, "2025-06")
    assert june.tonnes.published == "2025-07-20" and june.mom.published == "2025-07-20"
    assert june.tonnes.record()["published"] == "2025-07-20"


# --------------------------------------------------------------------------- the build


def _notebook_with(tmp_path, markdown: str):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('as_of: "month" = "2025-06"  # month\nas_known_on: "date" = ""  # date')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Hindsight fixture"), params, nbformat.v4.new_markdown_cell(markdown)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "hindsight.ipynb"
    nbformat.write(nb, str(path))
    return path


def _report_set(tmp_path, notebook, parameters):
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump({"reports": [{"name": "edition", "notebook": str(notebook),
                                                 "parameters": parameters}]}), encoding="utf-8")
    return path


@pytest.mark.slow
def test_the_build_fails_a_report_as_known_on_a_date_that_names_a_later_event(tmp_path):
    notebook = _notebook_with(tmp_path, "## After the agreement\n\nRe-run this report to follow the "
                                        "October expansion of the controls.")
    out = tmp_path / "out"
    ok = run_build("--config", _report_set(tmp_path, notebook, {}), "--output-dir", out)
    assert ok.returncode == 0, ok.stderr  # without as_known_on the edition may look back
    failed = run_build("--config", _report_set(tmp_path, notebook, {"as_known_on": DAY}), "--output-dir", out)
    assert failed.returncode != 0
    errors = [ln for ln in failed.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, failed.stderr
    assert ("report 'edition' is as known on 2025-07-21 but the Markdown cell '## After the agreement' names "
            "October (read as October 2025)") in errors[0]
    assert (out / "edition.html").exists()  # the published edition is kept


def _as_known(name: str, folder, kernel_name: str) -> dict:
    """Report ``name`` of reports.yaml executed as known on DAY the way the build executes it: what the
    build's hindsight check finds in it, the facts it stated and its text."""
    from pipeline.build.execute import execute_report

    report = next(r for r in load_report_set() if r.name == name)
    nb = execute_report(report.notebook, folder / f"{name}.ipynb", {**report.parameters, "as_known_on": DAY},
                        kernel_name=kernel_name)
    stated = nb.metadata.get("magnet", {}).pop("stated", {})
    found = hindsight.check(nb, DAY, stated)
    inline.rendered_markdown(nb)
    text = "\n".join([c.source for c in nb.cells if c.cell_type == "markdown"]
                     + [hindsight.readable(o.get("data", {}).get("text/html", "")) for c in nb.cells
                        for o in c.get("outputs", [])])
    return {"found": found, "stated": {k: v.get("fact") or {} for k, v in stated.items()}, "text": text}


def test_latest_as_known_on_a_date_is_the_latest_month_known_that_day(ds):
    """main-latest as known on 21 July 2025 resolves to main-2025-06's parameters: June 2025, GAC's release
    of the 20th, the latest month known that day (not the latest on file). Executed, it is main-2025-06
    (the same notebook, the same resolved values), which the next test checks in the session's build."""
    from pipeline.build import checks

    reports = {r.name: r for r in load_report_set()}

    def resolved(name, **extra):  # as the build resolves a report's parameters before any kernel starts
        return checks.report(reports[name], {**reports[name].parameters, **extra}, ds)

    assert ds.latest_month > "2025-06"
    assert reports["main-latest"].notebook == reports["main-2025-06"].notebook
    assert resolved("main-latest", as_known_on=DAY) == resolved("main-2025-06")
    assert resolved("main-latest", as_known_on="2025-07-19")["as_of"] == "2025-05"  # June not yet released


@pytest.mark.slow
# the reports run here first, the longest first (conftest orders the readers of the default build so)
@pytest.mark.parametrize("name", ["outlook", "destinations-us", "europe", "main-2025-06", "claims-check"])
def test_every_report_as_known_on_a_date_states_nothing_published_later(name, built_default_reports, warm_kernel,
                                                                          tmp_path_factory, worker_id):
    """Every report of reports.yaml as known on 21 July 2025 passes the build's hindsight check, and every
    fact it states was released by then. main-2025-06 (as known on that day) and the claims check (on the
    article's day, the 20th) are so in the session's default build, which ran that check; main-latest as
    known on that day is main-2025-06 (the test above); the others (the outlook too: by default it sets its
    scenarios against what came after) are executed here as the build executes them with --as-known-on,
    and checked as it checks them (destinations-de is destinations-us's notebook)."""
    assert sorted(r.name for r in load_report_set()) == sorted(
        ["main-2025-06", "claims-check", "main-latest", "destinations-us", "destinations-de", "europe", "outlook"])
    if name in ("main-2025-06", "claims-check"):
        out = built_default_reports.out
        stated = json.loads((out / f"{name}.facts.json").read_text(encoding="utf-8"))["facts"]
        text = (out / f"{name}.html").read_text(encoding="utf-8").split("<footer")[0].split("Sources</h2>")[0]
    else:
        _, run = shared_once(tmp_path_factory, worker_id, f"as-known-{name}",
                             lambda folder: _as_known(name, folder, warm_kernel.name()))
        assert run["found"] == [], run["found"]
        stated, text = run["stated"], run["text"]
    assert stated or name == "claims-check", name  # the claims check states verdicts in words
    late = {k: f["published"] for k, f in stated.items() if f.get("published", "") > DAY}
    assert not late, late
    if name.startswith("main-"):
        for later in ("October expansion", "November suspension", "Busan", "Re-run", "later as_of", "2025-10", "2026"):
            assert later not in text, later
