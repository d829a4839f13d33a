"""The monthly series: reported values kept, derived values with their method and range, gaps left missing."""

from __future__ import annotations

import math

import pytest

from helpers.data.dataset import load_dataset
from helpers.months import add_months, month_range
from helpers.analysis.series import build_monthly_series, estimate


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


def test_month_arithmetic():
    assert add_months("2025-01", -1) == "2024-12"
    assert add_months("2024-05", 12) == "2025-05"
    assert month_range("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_series_runs_from_january_2024_to_the_latest_month(ds):
    s = build_monthly_series(ds)
    assert s.month.iloc[0] == "2024-01" and s.month.iloc[-1] == ds.latest_month
    assert len(s) == len(month_range("2024-01", ds.latest_month))


def test_every_value_names_its_source_or_derivation(ds):
    for partner in ("WLD", "US", "DE", "JP"):
        s = build_monthly_series(ds, partner)
        known = s[s.status != "missing"]
        assert (known.sources != "").all()
        derived = known[known.status == "derived"]
        assert derived.method.str.len().gt(0).all() and derived.formula.str.contains("=").all()
        assert ((known.low <= known.tonnes) & (known.tonnes <= known.high)).all()


def test_reported_values_are_kept_as_reported(ds):
    s = build_monthly_series(ds).set_index("month")
    assert s.loc["2025-06", "tonnes"] == 3188 and s.loc["2025-06", "status"] == "reported"
    assert s.loc["2025-06", "low"] == 3187.5 and s.loc["2025-06", "high"] == 3188.5
    # two sources, one more precise: the precise one gives the value, both are cited
    assert s.loc["2025-05", "tonnes"] == 1238.47 and s.loc["2025-05", "sources"].startswith("S3;S4")
    assert set(s.loc["2025-05", "sources"].split(";")) >= {"S3", "S4", "S1", "S50", "S72"}


#: The data as known before the pages on GAC's 2026 releases (January-February 2026, published in March 2026;
#: March 2026, 20 April 2026), whose y/y changes now give January-February and March 2025.
BEFORE_MARCH_2026 = "2026-02-28"


def test_march_2025_is_derived_from_march_2026s_year_on_year_change_within_aprils_range(ds):
    march = build_monthly_series(ds).set_index("month").loc["2025-03"]
    assert march.status == "derived" and march.tonnes == pytest.approx(5238 / 0.984)
    assert "5,238 t" in march.method and "−1.6% y/y" in march.method
    before = build_monthly_series(ds.known_on(BEFORE_MARCH_2026)).set_index("month").loc["2025-03"]
    assert before.low <= march.low and march.high <= before.high   # narrower, and within April's range


def test_march_2025_is_derived_from_aprils_month_on_month_change(ds):
    march = build_monthly_series(ds.known_on(BEFORE_MARCH_2026)).set_index("month").loc["2025-03"]
    assert march.status == "derived"
    assert march.tonnes == pytest.approx(2627 / 0.49)
    # "−51%" means [−51.5, −50.5); 2,627 t means [2,626.5, 2,627.5): about 5,310 to 5,420 t
    assert 5300 < march.low < 5310 and 5415 < march.high < 5420
    assert "2,627 t" in march.method and "−51% m/m" in march.method
    assert march.formula == "X[2025-03] = X[2025-04] / (1 + mom[2025-04])"


def test_february_2025_follows_from_january_to_may(ds):
    feb = build_monthly_series(ds.known_on(BEFORE_MARCH_2026)).set_index("month").loc["2025-02"]
    assert feb.status == "derived"
    assert feb.tonnes == pytest.approx(19132 - 6357 - 2627 / 0.49 - 2627 - 1238.47)
    assert "19,132 t" in feb.method
    # now: January-February 2026's +8.2% y/y (S87) gives January-February 2025, narrower
    now = build_monthly_series(ds).set_index("month").loc["2025-02"]
    assert now.status == "derived" and now.high - now.low < feb.high - feb.low
    assert feb.low <= now.tonnes <= feb.high


def test_2024_months_follow_from_2025_year_on_year_changes(ds):
    s = build_monthly_series(ds).set_index("month")
    assert s.loc["2024-04", "tonnes"] == pytest.approx(2627 / 0.55)
    assert s.loc["2024-06", "tonnes"] == pytest.approx(3188 / (1 - 0.381))
    assert s.loc["2024-06", "status"] == "derived"


def test_what_cannot_be_derived_stays_missing(ds):
    s = build_monthly_series(ds).set_index("month")
    for m in ("2024-01", "2024-03"):
        assert s.loc[m, "status"] == "missing" and math.isnan(s.loc[m, "tonnes"])
    # December 2024 became derivable with the 2026-11-coverage batch (the 2024 total, S65)
    assert s.loc["2024-12", "status"] == "derived"
    us = build_monthly_series(ds, "US").set_index("month")
    # never interpolated between 2024 and May 2025: with March 2026's US change (S88) and January-February
    # 2026 (S87), March 2025 and so April 2025 follow from H1 2025 (S51), not from neighbouring months
    assert us.loc["2025-04", "status"] == "derived" and us.loc["2025-04", "method"].startswith("2025-03..2025-06")
    assert build_monthly_series(ds.known_on(BEFORE_MARCH_2026), "US").set_index("month").loc["2025-04", "status"] \
        == "missing"
    for m in ("2025-01", "2025-02"):
        assert us.loc[m, "status"] == "missing"


def test_h1_2024_comes_from_the_reported_cumulative_change(ds):
    e = estimate(ds, "WLD", "2024-01", "2024-06")
    # the narrowest derivation wins: with the 2026-11-coverage batch, Jan-Jul 2024 (S46) minus
    # July 2024 is narrower than H1 2025 / (1 - 18.9%), and lies within that one's range
    assert e.status == "derived"
    assert 22318.5 / (1 - 0.1885) <= e.value <= 22319.5 / (1 - 0.1895)


def test_a_span_of_known_months_is_their_sum(ds):
    e = estimate(ds, "WLD", "2025-07", "2025-08")
    assert e.value == pytest.approx(5577.13 + 6146)  # July: SMM's 5,577.13 t is the most precise report
    assert estimate(ds, "WLD", "2024-01", "2024-02") is None  # January 2024 unknown


def test_derivation_is_deterministic(ds):
    a = build_monthly_series(ds)
    b = build_monthly_series(ds)
    assert a.equals(b)


def test_figure_refs_read_as_before_and_carry_their_parts(ds):
    from helpers.analysis.series import FigureRef

    ref = FigureRef("WLD", "2025-01", "2025-06", "tonnes", "S1")
    assert str(ref) == "WLD:2025-01..2025-06:tonnes:S1" and ref.key == ("WLD", "2025-01", "2025-06")
    assert str(FigureRef("US", "2025-06", "2025-06", "mom_pct", "S7")) == "US:2025-06:mom_pct:S7"
    march = estimate(ds.known_on(BEFORE_MARCH_2026), "WLD", "2025-03")
    assert {(i.first, i.measure) for i in march.inputs} == {("2025-04", "tonnes"), ("2025-04", "mom_pct")}
    march = estimate(ds, "WLD", "2025-03")
    assert {(i.first, i.measure) for i in march.inputs} == {("2026-03", "tonnes"), ("2026-03", "yoy_pct")}


def test_month_only_publication_dates_count_as_the_months_last_day():
    from helpers.analysis.series import published_date

    assert published_date("2025-07") == "2025-07-31"
    assert published_date("2024-02") == "2024-02-29" and published_date("2025-02") == "2025-02-28"
    assert published_date("2025-07-21") == "2025-07-21"


def test_every_estimate_carries_the_latest_publication_date_of_what_it_rests_on(ds):
    from helpers.data.dataset import known_dates
    from helpers.analysis.series import derive

    pub = known_dates(ds.sources)  # a figure is known from its origin's release, not its relay
    k = derive(ds)
    for e in k.estimates.values():
        if e.status == "reported":   # known from the first page that reported it
            assert e.published == min(pub[s] for s in e.sources), e.key
        else:                        # derived: known once the last of its inputs was
            inputs = [k.estimates[i.key].published if i.measure == "tonnes" and i.key in k.estimates
                      else pub[i.source_id] for i in e.inputs]
            assert e.published <= max(inputs) or e.published == max(inputs), e.key
    june = estimate(ds, "WLD", "2025-06")
    # GAC released June on 20 July 2025; the first page relaying it is dated 21 July
    assert june.published == min(pub[s] for s in june.sources) == "2025-07-20"
    # June 2025's German figure follows from July's tonnage and "+46%" (S7, 20 August 2025)
    assert estimate(ds, "DE", "2025-06").published == "2025-08-20"
    s = build_monthly_series(ds).set_index("month")
    assert s.loc["2025-03", "published"] == estimate(ds, "WLD", "2025-03").published
    assert s.loc["2024-01", "published"] == ""  # missing


def test_derivations_of_a_reported_month_leave_that_month_out(ds):
    from helpers.analysis.series import derivations_of, reported

    k = reported(ds)
    aug = derivations_of(k, ("WLD", "2024-08", "2024-08"))
    # no derivation of August's tonnage uses August's own tonnage (its reported change may be used)
    assert aug and all(("WLD", "2024-08", "2024-08") not in {i.key for i in c.inputs if i.measure == "tonnes"}
                       for c in aug)
    assert ("WLD", "2024-08", "2024-08") in k.estimates  # a view, nothing removed
