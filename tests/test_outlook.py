"""Scenario projections and their backtest: straight line to the 2024 level, set against what came after."""

from __future__ import annotations

import math

import pytest

from helpers import outlook
from helpers.data import load_dataset

SCENARIOS = {"fast": 2, "gradual": 6, "stalled": None}


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def test_2024_level_is_the_average_of_known_months(ds):
    level = outlook.baseline_level(ds, 2024)
    assert level["months_known"] == 10 and level["months_reported"] == 5 and level["months_derived"] == 5
    assert 4700 < level["tonnes"] < 4900
    assert "2024-01" not in level["months"]  # missing months are left out, never counted as zero


def test_scenarios_move_in_a_straight_line_and_then_hold(ds):
    p = outlook.project(ds, "2025-06", 6, SCENARIOS).set_index(["scenario", "month"]).tonnes
    level = outlook.baseline_level(ds, 2024)["tonnes"]
    assert p["fast", "2025-07"] == pytest.approx(3188 + (level - 3188) / 2)
    assert p["fast", "2025-08"] == pytest.approx(level) and p["fast", "2025-12"] == pytest.approx(level)
    assert p["gradual", "2025-12"] == pytest.approx(level)
    assert all(p["stalled"] == 3188)


def test_same_month_baseline_falls_back_to_the_average_where_unknown(ds):
    p = outlook.project(ds, "2025-09", 6, {"fast": 1}, baseline="same_month").set_index("month")
    assert p.loc["2025-10", "tonnes"] == pytest.approx(4725)
    assert p.loc["2025-12", "target_basis"] == "December 2024 (derived)"
    level = outlook.baseline_level(ds, 2024)["tonnes"]
    assert p.loc["2026-01", "tonnes"] == pytest.approx(level)
    assert "January 2024 is not known" in p.loc["2026-01", "target_basis"]


def test_backtest_sets_july_2025_against_each_scenario(ds):
    actual = outlook.actual_series(ds, "2025-06", 6)
    bt = outlook.backtest(actual, outlook.project(ds, "2025-06", 6, SCENARIOS), "2025-06")
    july = bt[bt.month == "2025-07"].set_index("scenario")
    assert (july.actual == 5577.13).all() and (july.error_t < 0).all()  # the rebound beat every scenario
    summary = outlook.backtest_summary(bt).set_index("scenario")
    assert summary.loc["fast", "months"] == 6 and summary.mean_abs_error_t.idxmin() == "fast"


def test_no_backtest_when_no_month_after_as_of_is_known(ds):
    last = ds.latest_month   # March 2026: nothing after it is on file
    actual = outlook.actual_series(ds, last, 6)
    assert outlook.backtest(actual, outlook.project(ds, last, 6, SCENARIOS), last).empty
    assert outlook.backtest_summary(outlook.backtest(actual, outlook.project(ds, last, 1, SCENARIOS),
                                                     last)).empty


def test_start_falls_back_to_the_last_known_month(ds):
    month, value = outlook.starting_point(ds, "2024-03")  # March 2024 is not known
    assert month == "2024-02" and value == 3326 and not math.isnan(value)
