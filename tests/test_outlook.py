"""Scenario projections and their backtest: straight line to the 2024 level, set against what came after."""

from __future__ import annotations

import math

import pytest

from helpers.analysis import outlook
from helpers.data.dataset import load_dataset

SCENARIOS = {"fast": 2, "gradual": 6, "stalled": None}


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


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


# --------------------------------------------------------------------------- an edition knows only what was known


def test_the_june_edition_uses_a_2024_level_computable_on_its_release_day(ds):
    day = outlook.release_day(ds, "2025-06")
    assert day == "2025-07-20"  # GAC's June release (relayed from 21 July)
    then = outlook.baseline_level(ds.known_on(day), 2024)
    assert then["months_known"] == 7 and round(then["tonnes"]) == 4797
    assert outlook.baseline_level(ds, 2024)["months_known"] == 10  # what is known today: not the edition's


def test_a_scenario_can_overshoot_to_the_highest_month_on_file_or_a_multiple_of_the_level(ds):
    then = ds.known_on("2025-07-20")
    p = outlook.project(then, "2025-06", 3, {"restocking": [1, "peak"], "above": [3, 1.2]}).set_index(
        ["scenario", "month"])
    month, peak = outlook.highest_month(then, "2025-06")
    assert month == "2025-03" and p.loc[("restocking", "2025-07"), "tonnes"] == pytest.approx(peak)
    level = outlook.baseline_level(then, 2024)["tonnes"]
    assert p.loc[("above", "2025-09"), "tonnes"] == pytest.approx(1.2 * level) and 1.2 * level > level


def test_benchmarks_have_intervals_that_widen_with_the_horizon(ds):
    b = outlook.benchmarks(ds.known_on("2025-07-20"), "2025-06", 6)
    naive = b[b.method == "naive"].set_index("step")
    assert list(naive.tonnes) == pytest.approx([3188] * 6) and set(b.method) == {"naive", "drift"}
    assert (naive.low95 < naive.low80).all() and (naive.low80 < naive.tonnes).all()
    assert (naive.tonnes < naive.high80).all() and (naive.high80 < naive.high95).all()
    assert (naive.high80.diff().dropna() > 0).all()  # less is known the further ahead
    # July 2025's 5,577 t was above the naive 80% interval made on 20 July
    assert naive.loc[1, "high80"] < 5577.13 < naive.loc[1, "high95"]


def test_no_benchmark_from_too_few_known_months(ds):
    assert outlook.benchmarks(ds, "2017-02", 3).empty   # 2016-12 and two derived months only


def test_rolling_backtest_refits_each_origin_on_the_data_known_on_its_release_day(ds):
    bt = outlook.rolling_backtest(ds, 2)
    assert {"2025-06", "2025-07"} <= set(bt.origin)
    assert "2024-06" not in set(bt.origin)  # June 2024 is only derived from 2025's figures: no real-time origin
    june = bt[(bt.origin == "2025-06") & (bt.method == "naive") & (bt.step == 1)].iloc[0]
    assert june.released == "2025-07-20" and june.forecast == pytest.approx(3188) and june.actual == 5577.13
    assert not june.inside80 and june.inside95
    summary = outlook.rolling_summary(bt)
    assert set(summary.method) == {"naive", "drift"} and set(summary.step) == {1, 2}
    assert summary.inside80_pct.between(0, 100).all()
