"""Claims checking: rounding-aware verdicts, 'not checkable yet', and malformed claims files named by row."""

from __future__ import annotations

import pytest

from helpers.articles import claims
from helpers.articles import verdicts as shown
from helpers import paths
from helpers.data.dataset import load_dataset
from helpers.errors import DataError

HEADER = "claim_id,claim,kind,partner,from_month,to_month,measure,stated_value,approx,event_id,source_id\n"


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


@pytest.fixture(scope="module")
def s29():
    return claims.load_claims(paths.DEFAULT_CLAIMS)


def write(tmp_path, rows: str):
    p = tmp_path / "claims.csv"
    p.write_text(HEADER + rows, encoding="utf-8")
    return p


def verdicts(ds, table, as_of):
    out = claims.check_claims(ds, table, as_of)
    return dict(zip(out.claim_id, out.verdict)), out


def test_every_checkable_claim_of_the_july_2025_report_holds_at_june(ds, s29):
    v, _ = verdicts(ds, s29, "2025-06")
    assert v == {"1": "✓", "2": "✓", "3": "✓", "4": "✓", "5": "✓", "6": "✓", "7": "✓", "8": "✓",
                 "9": "not checkable", "10": "✓", "11": "✓", "12": "not checkable"}


def test_july_direction_claim_is_not_checkable_yet_then_true(ds, s29):
    _, june = verdicts(ds, s29, "2025-06")
    assert june.set_index("claim_id").loc["12", "why"].startswith("Not checkable yet")
    v, _ = verdicts(ds, s29, "2025-07")
    assert v["12"] == "✓"


def test_660_percent_for_46_to_353_tonnes_is_consistent_given_rounding(ds, s29):
    _, out = verdicts(ds, s29, "2025-06")
    why = out.set_index("claim_id").loc["6", "why"]
    assert "+667.4%" in why and "+658.1%" in why and "+676.9%" in why and "lies within" in why


def test_ranking_sourced_only_from_the_article_is_flagged_uncorroborated(ds, s29):
    import dataclasses

    # a second page (S48, VnNow) also reports June's ranking, but it repeats the article's own wording
    # and rounding: it relays the article (one origin), so the ranking is still the article's alone
    only_article = dataclasses.replace(ds, rankings=ds.rankings[ds.rankings.source_id != "S48"])
    _, out = verdicts(only_article, s29, "2025-06")
    assert "not independently corroborated" in out.set_index("claim_id").loc["3", "why"]
    _, out = verdicts(ds, s29, "2025-06")
    why = out.set_index("claim_id").loc["3", "why"]
    assert "(1 origin: The July 2025 news report (credited Ha Thu / Reuters), 20 Jul 2025, on 2 pages [S29, S48]) " \
           "is the same" in why
    assert "only origin is the article itself (S29, S48)" in why


def test_change_resting_on_the_same_reported_change_is_flagged_circular(ds, s29):
    _, out = verdicts(ds, s29, "2025-06")
    assert "not with independent data" in out.set_index("claim_id").loc["4", "why"]


def test_wrong_values_get_a_cross(ds, tmp_path):
    p = write(tmp_path, "a,June total,value,WLD,2025-06,2025-06,tonnes,3200,,,X\n"
                        "b,June up 150%,value,WLD,2025-06,2025-06,mom_pct,150,,,X\n"
                        "c,June down,direction,WLD,2025-06,2025-06,mom_pct,down,,,X\n"
                        "d,Controls in May,event,,,,,2025-05,,E2,X\n"
                        "e,US first,ranking,,2025-06,2025-06,rank,US;DE,,,X\n")
    v, _ = verdicts(ds, claims.load_claims(p), "2025-12")
    assert v == {"a": "✗", "b": "✗", "c": "✗", "d": "✗", "e": "✗"}


def test_approx_doubles_the_tolerance(ds, tmp_path):
    # H1 2025 y/y is −18.9 %: "−18" is outside [−18.5, −17.5] but "≈−18" reads as [−19, −17]
    p = write(tmp_path, "a,x,value,WLD,2025-01,2025-06,yoy_pct,-18,,,X\n"
                        "b,x,value,WLD,2025-01,2025-06,yoy_pct,-18,yes,,X\n")
    v, _ = verdicts(ds, claims.load_claims(p), "2025-06")
    assert v == {"a": "✗", "b": "✓"}


def test_value_without_data_is_not_checkable(ds, tmp_path):
    # January 2024's total is still on no page (Japan's June 2025, the earlier example, is now derived)
    p = write(tmp_path, "a,x,value,WLD,2024-01,2024-01,tonnes,3000,,,X\n")
    v, out = verdicts(ds, claims.load_claims(p), "2025-12")
    assert v == {"a": "not checkable"} and "No reported or derived value" in out.why[0]


@pytest.mark.parametrize("row, column", [
    ("1,x,guess,WLD,2025-06,2025-06,tonnes,1,,,X\n", "kind"),
    ("1,x,value,WLD,2025-13,2025-13,tonnes,1,,,X\n", "from_month"),
    ("1,x,value,WLD,2025-06,2025-06,kilos,1,,,X\n", "measure"),
    ("1,x,value,WLD,2025-06,2025-06,tonnes,1 000,,,X\n", "stated_value"),
    ("1,x,value,XX,2025-06,2025-06,tonnes,1,,,X\n", "partner"),
    ("1,x,direction,WLD,2025-07,2025-07,mom_pct,sideways,,,X\n", "stated_value"),
    ("1,x,event,,,,,2025-04,,,X\n", "event_id"),
    ("1,x,ranking,,2025-06,2025-06,rank,DE;XX,,,X\n", "stated_value"),
])
def test_malformed_rows_name_file_row_and_column(tmp_path, row, column):
    p = write(tmp_path, "0,fine,not_checkable,,,,,,,,X\n" + row)
    with pytest.raises(DataError) as err:
        claims.load_claims(p)
    assert err.value.row == 3 and err.value.column == column and "claims.csv" in str(err.value)


def test_missing_column_and_duplicate_id_are_rejected(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("claim_id,claim\n1,x\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        claims.load_claims(p)
    p = write(tmp_path, "1,x,not_checkable,,,,,,,,X\n1,y,not_checkable,,,,,,,,X\n")
    with pytest.raises(DataError, match="duplicate claim_id"):
        claims.load_claims(p)


# --------------------------------------------------------------------------- judged on the article's own day


@pytest.fixture(scope="module")
def on_article_day(ds, s29):
    independent, left_out = shown.independent_of(ds, s29)
    _, _, day = shown.article_line(ds, s29)
    return independent, independent.known_on(day), left_out, day


def test_the_article_is_judged_with_what_was_released_on_its_day_and_its_june_figures_hold(s29, on_article_day):
    _, then, _, day = on_article_day
    assert day == "2025-07-20"  # GAC released June that day; the relaying pages are dated from 21 July
    v, out = verdicts(then, s29, "2025-06")
    for claim in ("1", "2", "4", "5", "6", "7", "8"):  # 3,188 t, +157%, −38%, 353 t, +660%, 22,319 t, −19%
        assert v[claim] == "✓", out.set_index("claim_id").loc[claim, "why"]
    assert v["11"] == "✓" and v["10"] == "✓"  # event dates: MOFCOM's approvals on 19 June, April's controls
    assert v["12"] == "not checkable"
    assert out.set_index("claim_id").loc["12", "why"] == "Not checkable yet: July 2025 had not been published by 20 July 2025."
    assert shown.result_sentence(out, day, True).startswith(
        "On 20 July 2025, the day the article was published, 9 of its 12 claims were consistent")


def test_the_article_cannot_corroborate_itself(ds, s29, on_article_day):
    independent, _, left_out, _ = on_article_day
    assert left_out == ["S29", "S48"]  # the article and VnNow's relay of it
    assert not independent.figures.source_id.isin(left_out).any()
    assert not independent.rankings.source_id.str.contains("S29|S48").any()


def test_an_event_claim_is_judged_whatever_the_last_month_of_export_data(ds, s29):
    v, out = verdicts(ds.known_on("2025-07-20"), s29, "2025-05")
    assert v["11"] == "✓" and out.set_index("claim_id").loc["11", "computed"] == "2025-06-19"
    v, out = verdicts(ds.known_on("2025-06-18"), s29, "2025-05")
    assert v["11"] == "not checkable" and "not in the timeline as known on 18 June 2025" in \
        out.set_index("claim_id").loc["11", "why"]


def test_later_data_change_only_the_verdicts_they_can_and_the_july_claim_is_judged(s29, on_article_day):
    independent, then, _, _ = on_article_day
    checked = claims.check_claims(then, s29, "2025-06")
    later = shown.later_table(independent, checked,
                               claims.check_claims(independent, s29, independent.latest_month)).set_index("#")
    assert later.loc["12", "Then"] == "not checkable" and later.loc["12", "Now"] == "✓"
    assert "+74.9%" in later.loc["12", "Why (now)"]
    assert set(later.index) <= {"3", "12"}


def test_the_verdict_table_gives_each_figure_its_origin_and_a_link(s29, on_article_day):
    _, then, _, _ = on_article_day
    table = shown.verdict_table(then, claims.check_claims(then, s29, "2025-06")).set_index("#")
    assert list(table.columns) == ["Claim", "Verdict", "What the data say", "Origin", "Link"]
    assert table.loc["1", "Origin"] == "GAC release of 20 July 2025 (S1)"
    assert table.loc["1", "Link"].startswith("https://tradingeconomics.com/")
    assert table.loc["11", "What the data say"] == "19 June 2025"
    html = shown.table_html(table.reset_index(), "t")
    assert '<a href="https://tradingeconomics.com/china/exports/news/471367">tradingeconomics.com</a>' in html


def test_the_article_is_cited_with_a_link_or_once_as_having_none(ds, s29):
    import dataclasses

    words, link, _ = shown.article_line(ds, s29)
    assert link.startswith("https://vnnow.net/") and "no URL on file" not in words and "VnNow (S48)" in words
    no_relay = dataclasses.replace(ds, sources=ds.sources[ds.sources.source_id != "S48"])
    words, link, _ = shown.article_line(no_relay, s29)
    assert link == "" and words.count("no URL on file") == 1


def test_two_relays_of_one_story_count_one_origin_in_a_claim_verdict(tmp_path):
    from test_compare import _two_relays_of_one_story

    ds = _two_relays_of_one_story(tmp_path)
    table = claims.load_claims(write(tmp_path, "1,Korea took 776 t in August 2025.,value,KR,2025-08,2025-08,"
                                               "tonnes,776,,,\n"
                                               "2,Korea took 776 t in August 2025.,value,KR,2025-08,2025-08,"
                                               "tonnes,776,,,T1\n"))
    out = claims.check_claims(ds, table, "2025-12").set_index("claim_id")
    assert out.loc["1", "verdict"] == "✓"
    assert "reported by 1 origin: Test Agency, 21 Oct 2025, on 2 pages [T1, T2]" in out.loc["1", "why"]
    assert "only origin is the article" not in out.loc["1", "why"]
    # checked against the story itself (the claims' source is one of its relays): it says so
    assert "Its only origin is the article under check" in out.loc["2", "why"]


# --------------------------------------------------------------------------- the news vocabulary, judged by the report's judge

def _claims_file(tmp_path, rows: list[str]):
    from helpers.articles.claims import load_claims

    path = tmp_path / "claims.csv"
    path.write_text("claim_id,claim,kind,partner,from_month,to_month,measure,stated_value,approx,event_id,source_id\n"
                    + "\n".join(rows) + "\n", encoding="utf-8")
    return load_claims(path)


@pytest.mark.parametrize("row, verdict", [
    ("1,fell for a fifth straight month,streak,US,2026-03,2026-03,,fall 5,,,", "✓"),
    ("1,fell for a fourth straight month,streak,US,2026-03,2026-03,,fall 4,,,", "✗"),   # the run was longer
    ("1,rose for a second month,streak,US,2026-03,2026-03,,rise 2,,,", "✗"),
], ids=["streak-right", "streak-too-short", "streak-wrong-way"])
def test_a_streak_claim_is_judged(ds, tmp_path, row, verdict):
    from helpers.articles.claims import check_claims

    assert check_claims(ds, _claims_file(tmp_path, [row]), "2026-03").verdict.iloc[0] == verdict


@pytest.mark.parametrize("row, verdict", [
    ("1,lowest since June 2025,record,US,2026-03,2026-03,,lowest since 2025-06,,,", "✓"),
    ("1,lowest since May 2025,record,US,2026-03,2026-03,,lowest since 2025-05,,,", "✗"),
    ("1,a nine-month low,record,WLD,2025-05,2025-05,,lowest in 9 months,,,", "✓"),
    ("1,the highest on file,record,WLD,2025-11,2025-11,,highest on file,,,", "✗"),
], ids=["since-right", "since-wrong", "n-month-low", "on-file-wrong"])
def test_a_record_claim_is_judged_and_says_where_months_are_not_on_file(ds, tmp_path, row, verdict):
    from helpers.articles.claims import check_claims

    got = check_claims(ds, _claims_file(tmp_path, [row]), "2026-03").iloc[0]
    assert got.verdict == verdict, got.why
    if "in 9 months" in row:   # June and July 2024 are among the nine months; some are not on file
        assert "consistent with the months on file" in got.why or "consistent with the data on file" in got.why


@pytest.mark.parametrize("stated, verdict", [("7.8", "✓"), ("9", "✗")])
def test_a_share_claim_is_judged(ds, tmp_path, stated, verdict):
    from helpers.articles.claims import check_claims

    row = f"1,the US took {stated}% of the total,share,US,2026-03,2026-03,,{stated},,,"
    assert check_claims(ds, _claims_file(tmp_path, [row]), "2026-03").verdict.iloc[0] == verdict


def test_a_malformed_record_claim_names_its_row_and_column(tmp_path):
    from helpers.errors import DataError

    with pytest.raises(DataError, match=r"row 2.*stated_value.*highest since YYYY-MM"):
        _claims_file(tmp_path, ["1,a record,record,US,2026-03,2026-03,,best ever,,,"])
