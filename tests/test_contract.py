"""The parameter contract: each notebook declares its parameters once (name, kind, default, help),
and one function resolves them — for the build before any kernel starts, and in the notebook."""

from __future__ import annotations

import json

import pytest

from helpers.notebook import contract
from helpers import paths
from helpers.data.dataset import load_dataset
from helpers.errors import ParameterError

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_declares_each_parameter_once_with_a_kind_and_help(notebook):
    declared = contract.declared(notebook)
    assert declared, f"{notebook.name} declares no parameters"
    for p in declared.values():
        assert p.kind in contract.KINDS and p.help, p
    # and opens with one setup line that resolves them
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert sum("setup(globals())" in c for c in code) == 1
    assert not any("params.check_" in c for c in code), "a notebook checks its parameters only through setup"


def test_the_defaults_of_every_notebook_resolve(ds):
    for notebook in NOTEBOOKS:
        declared = contract.declared(notebook)
        contract.resolve(declared, {}, ds, base=paths.NOTEBOOKS)


def test_names_and_codes_resolve_to_one_value(ds):
    declared = contract.declared(paths.NOTEBOOKS / "01_controls_to_agreement.ipynb")
    values = [contract.resolve(declared, {"focus_partner": v, "as_of": "latest"}, ds)
              for v in ("US", "us", "United States", "United States of America")]
    assert all(v == values[0] for v in values) and values[0]["focus_partner"] == "US"
    assert values[0]["as_of"] == ds.latest_month and values[0]["start"] == "2024-01"


@pytest.mark.parametrize("given, parameter", [
    ({"as_of": "2025-13"}, "as_of"), ({"focus_partner": "Atlantis"}, "focus_partner"),
    ({"as_known_on": "yesterday"}, "as_known_on"), ({"start": "2025-07", "as_of": "2025-06"}, "start"),
    ({"nope": 1}, "nope"), ({"as_of": 202506}, "as_of"),
])
def test_a_bad_value_is_one_line_naming_the_parameter(ds, given, parameter):
    declared = contract.declared(paths.NOTEBOOKS / "01_controls_to_agreement.ipynb")
    with pytest.raises(ParameterError) as err:
        contract.resolve(declared, given, ds)
    assert f"parameter '{parameter}'" in str(err.value) and "\n" not in str(err.value)


def test_kinds_with_arguments(ds):
    declared = contract.declared(paths.NOTEBOOKS / "04_outlook.ipynb")
    assert declared["horizon"].kind == "integer" and declared["horizon"].args == ("1", "24")
    with pytest.raises(ParameterError, match="from 1 to 24"):
        contract.resolve(declared, {"horizon": 25}, ds)
    with pytest.raises(ParameterError, match="one of 'average', 'same_month'"):
        contract.resolve(declared, {"baseline": "median"}, ds)


def test_the_article_date_comes_from_the_claims_file(ds):
    declared = contract.declared(paths.NOTEBOOKS / "03_claims_check.ipynb")
    # notebook 03 declares date[article]: the word is its own to resolve (judged on the article's day)
    assert declared["as_known_on"].args == ("article",)
    assert contract.resolve(declared, {}, ds, base=paths.NOTEBOOKS)["as_known_on"] == "article"
    # a plain date with a claims file: 'article' is the article's publication day
    plain = contract.declarations('claims_file: "claims" = "../data/claims/S29-2025-07-20.csv"  # claims\n'
                                  'as_known_on: "date" = "article"  # date')
    out = contract.resolve(plain, {}, ds, base=paths.NOTEBOOKS)
    assert out["as_known_on"] == ds.sources.set_index("source_id").loc["S29", "published"]
    assert contract.resolve(plain, {"as_known_on": out["as_known_on"]}, ds, base=paths.NOTEBOOKS) == out
    with pytest.raises(ParameterError, match="as_known_on"):
        contract.resolve(declared, {"as_known_on": "someday"}, ds, base=paths.NOTEBOOKS)


def test_a_parameters_cell_without_kinds_is_refused_naming_the_line():
    with pytest.raises(ParameterError, match="parameter kind"):
        contract.declarations('as_of: str = "2025-06"  # month')
    with pytest.raises(ParameterError, match="one annotated line per parameter"):
        contract.declarations('as_of = "2025-06"')


def test_setup_normalises_the_notebooks_namespace_in_place(ds):
    ns = {"__annotations__": {"partner": "partner", "as_of": "month", "as_known_on": "date"},
          "partner": "Germany", "as_of": "latest", "as_known_on": ""}
    dataset = contract.setup(ns)   # setup reads the live data: "latest" is their latest month
    assert ns["partner"] == "DE" and ns["as_of"] == dataset.latest_month and dataset is not None


def test_setup_keeps_what_the_build_resolved_and_does_not_resolve_again():
    """Issue 34: parameters are resolved once. The engine's injected cell marks them resolved; setup keeps
    them as they are (a value resolution would turn into a code, or refuse, stays untouched)."""
    ns = {"__annotations__": {"partner": "partner", "as_of": "month"}, "partner": "Germany", "as_of": "latest",
          contract.RESOLVED_MARK: True}
    contract.setup(ns)
    assert ns["partner"] == "Germany" and ns["as_of"] == "latest" and contract.RESOLVED_MARK not in ns


def test_the_engine_hands_the_kernel_every_parameter_resolved(tmp_path):
    """The injected-parameters cell holds every declared parameter as the contract resolved it, with the mark."""
    import nbformat

    from pipeline.build.execute import check, injected_source

    nb = nbformat.read(paths.NOTEBOOKS / "02_destinations.ipynb", as_version=4)
    resolved = check(nb, {"partner": "Germany"})
    assert resolved["partner"] == "DE" and resolved["as_of"] != "latest"
    source = injected_source(resolved, "python3")
    assert 'partner = "DE"' in source and f"{contract.RESOLVED_MARK} = True" in source
    assert set(contract.declarations(contract.parameters_cell(nb)[1])) <= set(resolved)


def test_uses_latest_is_one_definition():
    declared = contract.declared(paths.NOTEBOOKS / "02_destinations.ipynb")
    assert contract.uses_latest({"as_of": "latest"}, declared)
    assert not contract.uses_latest({"as_of": "2025-06"}, declared)


def test_a_parameter_kind_is_one_registered_checker(ds):
    """Issue 34: parameter kinds sit behind a registry; a new kind is one function, and the parameters
    cell, the build's pre-flight and the notebook's setup line all accept it."""
    from helpers.errors import ParameterError

    @contract.parameter_kind("percent")
    def _percent(name, v, p, state):
        if not isinstance(v, (int, float)) or not 0 <= v <= 100:
            raise ParameterError(name, v, "a share between 0 and 100")
        return float(v)

    try:
        params = {"share": contract.Parameter("share", *contract.parse_kind("percent", "share"), default=10)}
        assert contract.resolve(params, {"share": 42}, ds) == {"share": 42.0}
        with pytest.raises(ParameterError, match="'share'.*between 0 and 100"):
            contract.resolve(params, {"share": 420}, ds)
    finally:
        contract.PARAMETER_KINDS.pop("percent")
    with pytest.raises(ParameterError, match="a parameter kind"):
        contract.parse_kind("percent", "share")
