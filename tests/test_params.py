"""Notebook parameters: a bad value stops with one line naming the parameter and what is allowed."""

from __future__ import annotations

import pytest

from helpers.notebook import params
from helpers.data.dataset import load_dataset
from helpers.errors import ParameterError


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


@pytest.mark.parametrize("value", ["2025-13", "2025-6", "June 2025", 202506, None, "2031-01", "2015-12"])
def test_bad_months_name_the_parameter_and_the_allowed_range(ds, value):
    with pytest.raises(ParameterError) as err:
        params.check_month("as_of", value, ds)
    msg = str(err.value)
    assert "'as_of'" in msg and f"{params.first_month(ds)} to {ds.latest_month}" in msg and "\n" not in msg
    assert "2024-01 to 2026-03" in msg   # the frozen data's range


def test_good_month_passes(ds):
    assert params.check_month("as_of", "2025-06", ds) == "2025-06"


def test_start_after_as_of_is_rejected():
    with pytest.raises(ParameterError, match="'start'"):
        params.check_month_order("start", "2025-07", "as_of", "2025-06")


@pytest.mark.parametrize("value, code", [("US", "US"), ("us", "US"), ("Germany", "DE"), ("DE", "DE"),
                                         ("Japan", "JP"), ("United States of America", "US"),
                                         ("Viet Nam", "VN"), ("Korea, Republic of", "KR")])
def test_partner_codes_names_and_aliases_resolve(ds, value, code):
    assert params.check_partner("partner", value, ds) == code


@pytest.mark.parametrize("value", ["XX", "FR", "", 42, "<script>"])
def test_unknown_partner_lists_the_partners_with_data(ds, value):
    with pytest.raises(ParameterError) as err:
        params.check_partner("partner", value, ds)
    assert "'partner'" in str(err.value) and "DE (Germany)" in str(err.value)


@pytest.mark.parametrize("value", ["six", 6.0, True, 0, 37])
def test_bad_ints(value):
    with pytest.raises(ParameterError, match="'horizon'.*whole number from 1 to 36"):
        params.check_int("horizon", value, 1, 36)


def test_claims_file_missing_or_malformed(tmp_path):
    with pytest.raises(ParameterError, match="'claims_file'.*existing .csv file"):
        params.check_claims_file("claims_file", "../data/claims/nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("claim_id,claim,kind\n1,x,guess\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="'claims_file'.*row 2, column 'kind'"):
        params.check_claims_file("claims_file", str(bad))
    assert len(params.check_claims_file("claims_file", "../data/claims/S29-2025-07-20.csv")) == 12


@pytest.mark.parametrize("value", [{"fast": 0}, {"fast": "2"}, {"": 2}, "fast", {}, {"x": True}])
def test_bad_scenarios(value):
    with pytest.raises(ParameterError, match="'scenarios'"):
        params.check_scenarios("scenarios", value)


def test_scenarios_accept_dict_and_list():
    assert params.check_scenarios("scenarios", {"fast": 2, "stalled": None}) == {"fast": 2, "stalled": None}
    assert params.check_scenarios("scenarios", [3, None]) == {"3 months": 3, "stalled": None}
    assert params.check_scenarios("scenarios", {"restocking": [2, "peak"], "above": (4, 1.2)}) == {
        "restocking": [2, "peak"], "above": [4, 1.2]}
    for bad in ({"x": [2, "moon"]}, {"x": [0, "peak"]}, {"x": [2, 9]}, {"x": [None, "peak"]}):
        with pytest.raises(ParameterError):
            params.check_scenarios("scenarios", bad)


def test_latest_stands_for_the_latest_month(ds):
    assert params.check_month("as_of", "latest", ds) == ds.latest_month


def test_ranked_only_partner_is_refused_with_a_reason(ds):
    assert "MX" in params.partners_with_data(ds) and "MX" not in params.partners_with_tonnage(ds)
    with pytest.raises(ParameterError, match="only ever ranked, with no tonnage"):
        params.check_partner("partner", "MX", ds)


def test_refusal_names_the_nearest_partners(ds):
    with pytest.raises(ParameterError, match=r"nearest: DE \(Germany\)"):
        params.check_partner("partner", "Germny", ds)


def test_many_partners_name_only_the_nearest(ds, monkeypatch):
    monkeypatch.setattr(params, "LIST_ALL_UP_TO", 2)
    with pytest.raises(ParameterError) as err:
        params.check_partner("partner", "Japn", ds)
    assert "nearest: JP (Japan)" in str(err.value) and "US (United States)" not in str(err.value)
