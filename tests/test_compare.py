"""Changes, cumulative totals, shares, rankings and reconciliation — and the June 2025 release recomputed."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.analysis.compare import change, month_change, monthly_table, partner_ranks, reported_ranking, share_of_total, span_change, year_to_date
from helpers.analysis.reconcile import cross_checks, reconcile
from helpers.story import facts, monthfacts
from helpers.data.tables import MAIN_SERIES
from helpers.data.dataset import load_dataset
from helpers.analysis.series import Estimate, estimate


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


class TestJune2025Release:
    """Every figure of the June 2025 release, recomputed from the cited data."""

    def test_total_3188_t(self, ds):
        assert round(estimate(ds, "WLD", "2025-06").value) == 3188

    def test_plus_157_percent_month_on_month(self, ds):
        c = month_change(ds, "2025-06", "WLD", 1)
        assert round(c.pct) == 157 and c.status == "reported"

    def test_minus_38_percent_year_on_year(self, ds):
        c = month_change(ds, "2025-06", "WLD", 12)
        assert round(c.pct) == -38

    def test_us_353_t_up_660_percent(self, ds):
        assert estimate(ds, "US", "2025-06").value == 353
        c = month_change(ds, "2025-06", "US", 1)
        # 353/46 − 1 = +667%; 46 is itself rounded, so +660% lies in the range
        assert c.low <= 660 <= c.high

    def test_h1_22319_t_about_minus_19_percent(self, ds):
        ytd = year_to_date(ds, "2025-06")
        assert ytd["current"].value == 22319
        assert round(ytd["change"].pct) == -19
        # H1 2024 is now derived independently of the -18.9% (from Jan-Jul 2024, S46): the
        # recomputed change agrees with the reported one within its rounding
        assert -18.95 <= span_change(ds, "2025-01", "2025-06").pct <= -18.85

    def test_june_top_five_order(self, ds):
        top = reported_ranking(ds, "2025-06")
        assert list(top.partner) == ["DE", "US", "VN", "KR", "TH"]
        assert list(top.name)[:2] == ["Germany", "United States"]


def test_change_carries_rounding_ranges():
    a = Estimate(("X", "2025-01", "2025-01"), 46, 45.5, 46.5, "reported", ("T",))
    b = Estimate(("X", "2025-02", "2025-02"), 353, 352.5, 353.5, "reported", ("T",))
    c = change(b, a)
    assert c.pct == pytest.approx(353 / 46 * 100 - 100)
    assert c.low == pytest.approx(352.5 / 46.5 * 100 - 100) and c.high == pytest.approx(353.5 / 45.5 * 100 - 100)
    assert change(b, None) is None


def test_monthly_table_has_computed_and_reported_changes(ds):
    t = monthly_table(ds, "WLD", "2025-01", "2025-06").set_index("month")
    assert t.loc["2025-06", "reported_mom"] == 157.5
    assert t.loc["2025-06", "mom_pct"] == pytest.approx((3188 / 1238.47 - 1) * 100)
    assert {"status", "sources", "method", "yoy_pct"} <= set(t.columns)


def test_share_of_total(ds):
    point, low, high = share_of_total(ds, "2025-06", "US")
    assert point == pytest.approx(353 / 3188 * 100)
    assert low < point < high
    assert share_of_total(ds, "2025-02", "US") is None  # not reported: no share, never zero


def test_partner_ranks(ds):
    r = partner_ranks(ds, "US").set_index("month")
    assert r.loc["2025-06", "rank"] == 2 and r.loc["2025-09", "rank"] == 4
    assert str(r.loc["2025-06", "rank"]) == "2"  # a whole number even beside an unranked month (never 2.0)
    assert pd.isna(r.loc["2025-05", "rank"]) and r.loc["2025-05", "of"] == 3  # S5's top 3 leaves the US out
    assert r.loc["2025-06", "source_id"] == "S29;S48" and r.loc["2025-07", "source_id"] == "S8;S44;S52;S54;S67"


def test_reconciliation_residuals(ds):
    r = reconcile(ds).set_index(["partner", "period"])
    h1 = r.loc[("WLD", "2025-01..2025-06")]
    assert h1.monthly_sum == pytest.approx(22320) and h1.residual == pytest.approx(-1)
    assert h1.consistent
    assert r.loc[("US", "2025-01..2025-12")].missing_months == 2   # January and February 2025
    assert r.consistent.dropna().all()


def test_cross_checks_agree(ds):
    c = cross_checks(ds)
    aug = c[(c.partner == "WLD") & (c.month == "2024-08")]
    assert (aug.derived - 4915 / 0.92).abs().min() < 0.01  # one of several derivations
    assert c.consistent.all()


def test_reader_views_of_reconciliation_and_cross_checks(ds):
    from helpers.analysis.reconcile import cross_checks_view, reconciliation_view

    rec = reconciliation_view(reconcile(ds), ds)
    rec = rec[rec.Destination == "All destinations"].set_index("Period")
    h1 = rec.loc["Jan–Jun 2025"]
    assert h1["Reported total (t)"] == "22,319" and h1["Sum of the months (t)"] == "22,320"
    assert h1["Residual (t), range"].startswith("−1.0") and h1.Consistent == "✓"
    assert rec.loc["Jan–May 2025", "Residual (t), range"].startswith("+0.0")
    us = reconciliation_view(reconcile(ds), ds).iloc[0]
    assert us["Consistent"] == "—" and us["Residual (t), range"] == "not computable"
    cc = cross_checks_view(cross_checks(ds), ds)
    assert list(cc.columns)[:2] == ["Destination", "Month"] and set(cc.Agree) == {"✓"}


def _with_figures(ds, rows):
    """The dataset plus some tonnage rows (partner, month, value) of source S1."""
    import dataclasses

    import pandas as pd

    extra = pd.DataFrame([dict(from_month=m, to_month=m, partner=p, measure="tonnes", value=float(v), approx=False,
                               series=MAIN_SERIES, source_id="S1", note="", row=900 + i, file="test",
                               half_width=0.5) for i, (p, m, v) in enumerate(rows)])
    return dataclasses.replace(ds, figures=pd.concat([ds.figures, extra], ignore_index=True))


def test_top_destinations_ranks_known_tonnages_and_keeps_the_rest_of_the_world(ds):
    from helpers.analysis.compare import REST_OF_WORLD, top_destinations

    top = top_destinations(ds, "2025-09", 3)
    assert list(top.name)[-1] == REST_OF_WORLD and list(top["rank"][:3]) == [1, 2, 3]
    assert (top.tonnes[:3].diff().dropna() <= 0).all()
    total = estimate(ds, "WLD", "2025-09")
    rest = top.iloc[-1]
    assert rest.tonnes == pytest.approx(total.value - top.tonnes[:3].sum())
    assert rest.low <= rest.tonnes <= rest.high
    assert top.share_pct.sum() == pytest.approx(100)
    assert (top.share_low <= top.share_pct).all() and (top.share_pct <= top.share_high).all()
    # September 2025 has a reported ranking (US 4th), and so has August (US 2nd, S90)
    us = top_destinations(ds, "2025-09", 10).set_index("partner").loc["US"]
    assert us["rank"] == 4 and us.previous_rank == 2 and us.rank_change == -2


def test_a_rank_and_its_change_only_from_reported_rankings_of_both_months(ds):
    from helpers.analysis.compare import known_rank, top_destinations, top_destinations_view

    # no ranking published for January 2026 or February 2026: February's ranks and moves are not known
    assert known_rank(ds, "2026-02", "US") is None
    view = top_destinations_view(top_destinations(ds, "2026-02", 10)).set_index("Destination")
    assert (view["Rank"].drop("Rest of world") == "not known").all()
    assert (view["Rank on the month before"].drop("Rest of world") == "not known").all()
    # without August's ranking, September's moves would not be known: never a place among the published
    import dataclasses

    no_august = dataclasses.replace(ds, rankings=ds.rankings[ds.rankings.month != "2025-08"])
    assert known_rank(no_august, "2025-08", "US") is None
    sept = top_destinations_view(top_destinations(no_august, "2025-09", 10)).set_index("Destination")
    assert sept.loc["United States", "Rank"] == "4" and sept.loc["United States", "Rank on the month before"] == "not known"
    # June and May 2025 both have a reported ranking: Germany 2nd in May, 1st in June
    june = top_destinations_view(top_destinations(ds, "2025-06", 10)).set_index("Destination")
    assert june.loc["Germany", "Rank"] == "1" and june.loc["Germany", "Rank on the month before"] == "up 1"
    assert june.loc["United States", "Rank on the month before"] == "up from outside the top 3"
    assert june.loc["India", "Rank"] == "outside the top 5"
    # outside December's top 3 after 4th of November's top 5: no move is known
    dec = top_destinations_view(top_destinations(ds, "2025-12", 10)).set_index("Destination")
    assert dec.loc["Vietnam", "Rank"] == "outside the top 3" and dec.loc["Vietnam", "Rank on the month before"] == "not known"
    # the text and the table agree: November's reported ranking puts the US 3rd of 5
    assert monthfacts.month(ds, "2025-11", "US").rank.text.startswith("number 3 of the top 5")


def test_a_rank_from_tonnages_only_when_no_unreported_destination_could_be_larger(ds):
    import dataclasses

    from helpers.analysis.compare import known_rank

    no_rankings = dataclasses.replace(ds, rankings=ds.rankings.iloc[0:0])
    # September 2025 without its ranking: the destinations on file leave thousands of tonnes unaccounted for
    assert known_rank(no_rankings, "2025-09", "US") is None
    # a destination larger than everything left unaccounted for is known to rank first
    big = _with_figures(no_rankings, [("XK", "2025-09", 4000)])
    assert known_rank(big, "2025-09", "XK") == dict(rank=1, of=None, basis="tonnages", sources="S1")


def test_top_destinations_never_count_aggregates(ds):
    from helpers.analysis.compare import top_destinations

    with_eu = _with_figures(ds, [("EU", "2025-09", 2000)])
    top = top_destinations(with_eu, "2025-09", 10)
    assert "EU" not in set(top.partner) and "WLD" not in set(top.partner)
    plain = top_destinations(ds, "2025-09", 10)
    assert top.iloc[-1].tonnes == pytest.approx(plain.iloc[-1].tonnes)


def test_top_destinations_of_a_month_without_a_total_has_no_rest_row(ds):
    from helpers.analysis.compare import top_destinations

    t = top_destinations(ds, "2023-01", 5)
    assert t.empty


def test_the_eu_is_never_listed_among_countries_and_values_never_enter_the_series(ds):
    from helpers.analysis.compare import partners_in_month, reported_change_lookup

    assert "EU" not in set(partners_in_month(ds, "2025-07").partner)
    assert estimate(ds, "EU", "2025-07").value == 2140  # the group itself is still known
    # November 2025 has a usd_m (301.8, S57) and July/August 2024 a usd_per_kg for the total: never changes
    assert {m for _, m in reported_change_lookup(ds)} == {"mom_pct", "yoy_pct"}
    assert reported_change_lookup(ds)[("2025-11", "mom_pct")] == 12.0
    assert estimate(ds, "WLD", "2025-11").value == 6149.95  # a tonnage, never the usd_m 301.8


def test_a_resolution_settles_which_reported_change_is_shown(ds):
    from helpers.analysis.compare import reported_change_lookup

    rep = reported_change_lookup(ds)
    # S74's +8.58% / -8.62% for October 2025 are more precise but contradict every other report: S13 wins
    assert rep[("2025-10", "mom_pct")] == -5.2 and rep[("2025-10", "yoy_pct")] == 15.8
    # July 2025: Reuters' 'nearly 75%' (S7) wins over SMM's +77.95% (S45)
    assert rep[("2025-07", "mom_pct")] == 75
    # unsettled: the most precise report (May 2025, -52.85%)
    assert rep[("2025-05", "mom_pct")] == -52.85


def _two_relays_of_one_story(tmp_path):
    """A copy of the data plus one story (origin OX) relayed by two pages that both report the
    US tonnage of August 2024, a month that also follows from September's reported change."""
    import shutil

    from helpers import paths
    from helpers.data.dataset import load_dataset
    from helpers.data.writing import record_checksums

    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    batch = data / "raw" / "2026-12-test-relays"
    batch.mkdir()
    (batch / "sources.csv").write_text(
        "source_id,outlet,agency,title,url,published,accessed\n"
        "T1,Wire copy one,Test Agency,Story,https://example.org/one,2025-10-21,2026-12-01\n"
        "T2,Wire copy two,Test Agency,Story,https://example.org/two,2025-10-22,2026-12-01\n", encoding="utf-8")
    (batch / "figures.csv").write_text(
        "from_month,to_month,partner,measure,value,source_id\n"
        "2025-09,2025-09,KR,mom_pct,10,T1\n2025-08,2025-08,KR,tonnes,776,T1\n2025-08,2025-08,KR,tonnes,776,T2\n",
        encoding="utf-8")
    (batch / "origins.csv").write_text("origin_id,publisher,kind,released,title,url,note\n"
                                       "OX,Test Agency,agency,2025-10-21,Story,,\n", encoding="utf-8")
    (batch / "relays.csv").write_text("source_id,origin_id\nT1,OX\nT2,OX\n", encoding="utf-8")
    record_checksums([batch / f for f in ("sources.csv", "figures.csv", "origins.csv", "relays.csv")], data_dir=data)
    return load_dataset(data)


def test_two_relays_of_one_story_count_one_origin_in_a_cross_check(tmp_path):
    from helpers.analysis.reconcile import cross_checks_view

    ds = _two_relays_of_one_story(tmp_path)
    c = cross_checks(ds)
    kr = c[(c.partner == "KR") & (c.month == "2025-08")]
    assert len(kr) and set(kr.sources) == {"T1;T2"}
    assert set(kr.origins) == {1}                      # two pages, one story
    # the derivation (September's reported 854 t / 1.10) rests on AsiaCity's figure: another origin
    assert kr.independent.any() and kr.consistent.all()
    view = cross_checks_view(c, ds)
    row = view[(view.Destination == "South Korea") & (view.Month == "2025-08")].iloc[0]
    assert "1 origin: Test Agency, 21 Oct 2025, on 2 pages [T1, T2]" in row["Reported (t)"]
    # September's own tonnage (AsiaCity and Tradium: two origins) against September derived from August and
    # the m/m change of the story: the derivation rests on another origin
    sep = c[(c.partner == "KR") & (c.month == "2025-09")]
    assert set(sep.origins) == {2} and sep.independent.all()


def test_eleven_pages_of_july_2025_are_four_origins(ds):
    from helpers.analysis.provenance import cite, count_origins

    pages = "S7;S43;S44;S45;S52;S53;S54;S67;S69;S70;S8"
    assert count_origins(ds, pages) == 4
    assert "Reuters, 20 Aug 2025, on 7 pages [S7, S52, S53, S54, S67, S69, S70]" in cite(ds, pages)
