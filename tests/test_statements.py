"""Every sentence a report prints is a statement the data support: the judge, page 1, and the sweep over
every destination, every month and every release date on file.

The sweep reads the live data (an invariant: it must hold for whatever months arrive); the examples of
issue 32 are pinned on the frozen copy of the data (``tests/fixtures/data``), each in a test named for it.
"""

from __future__ import annotations

import hashlib
import time

import pytest

from helpers.story import facts, monthfacts
from helpers.analysis import judge, statements, values
from helpers.data.partners import TOTAL
from helpers.data.dataset import load_dataset
from helpers.analysis.judge import CONSISTENT, INCONSISTENT
from helpers.months import month_range
from pipeline.render.bulletin import cite_sources, note_label, report_card


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


def _problems(bulletin: dict, dataset) -> list[str]:
    out = []
    for f in [bulletin["headline"], *bulletin["points"]]:
        out += judge.problems(f.record(), dataset, page_one=True)
    return out


def _month_statements(dataset, month: str, partner: str) -> list:
    m = monthfacts.month(dataset, month, partner)
    return [f for f in (*m.facts(), m.streak, m.record) if f]


def _states(dataset, partner: str) -> dict[str, str]:
    """``{month: fingerprint}``: what a page 1 for ``partner`` up to each month can rest on (the monthly values
    of the partner and the total, the rankings and the events up to that month). The same state, the same
    sentences: a state already judged is not judged again."""
    items: dict[str, list] = {}
    for p in dict.fromkeys((partner, TOTAL)):
        for m, e in statements.monthly(dataset, p).items():
            items.setdefault(m, []).append((p, round(e.value, 3), round(e.low, 3), round(e.high, 3), e.status))
    for r in dataset.rankings[["month", "rank", "partner"]].astype(str).itertuples(index=False):
        items.setdefault(r.month, []).append(tuple(r))
    for e in dataset.events.itertuples():
        items.setdefault(str(e.date)[:7], []).append(e.event_id)
    h, out = hashlib.sha1(), {}
    for m in sorted(items):
        h.update(repr(sorted(map(repr, items[m]))).encode())
        out[m] = h.hexdigest()
    return out


def test_every_statement_of_every_destination_month_and_release_holds():
    """Every destination on file, at every month on file, as known on every release date on file: the month's
    statements (tonnage, changes, share, rank, record, streak) and page 1 (headline and main points) are all
    judged consistent, page 1 says nothing about missing data, and no label is cut short. Statements are
    functions of the data: no kernel, no rendering. A state of the data already judged is not judged again."""
    started = time.perf_counter()
    live = load_dataset()
    seen, judged, wrong = set(), 0, []
    for day in statements.release_dates(live):
        known = live.known_on(day)
        latest = known.latest_month
        if latest in ("", "nan"):
            continue
        # the EU (as reported for the bloc) too: the Europe report's page 1
        partners = [TOTAL] + sorted({p for (p, a, b) in statements.compare.derive(known).estimates
                                     if a == b and p != TOTAL})
        # the freshness line and every price the data support, as known that day
        for f in [facts.freshness(known)] + [x for p in (TOTAL, "EU", "US") for x in values.price_statements(known, p)]:
            judged += 1
            wrong += [f"{day} {f.key}: {x}" for x in judge.problems(f.record(), known,
                                                                     page_one=f.key.endswith("freshness"))]
        for p in partners:
            months = sorted(m for m in statements.monthly(known, p) if m <= latest)
            states = _states(known, p)
            for m in months:
                key = (p, m, states[m])
                if key in seen:
                    continue
                seen.add(key)
                for f in _month_statements(known, m, p):
                    judged += 1
                    wrong += [f"{day} {p} {m}: {x}" for x in judge.problems(f.record(), known)]
                if p == TOTAL:
                    bulletin = facts.main_points(known, m, "US")
                else:
                    bulletin = facts.destination_points(known, p, month_range(months[0], m)[0], m)
                judged += 1 + len(bulletin["points"])
                wrong += [f"{day} {p} {m} page 1: {x}" for x in _problems(bulletin, known)]
    seconds = time.perf_counter() - started
    print(f"\n{judged} statements in {len(seen)} states of the data judged in {seconds:.1f} s")
    assert not wrong, f"{len(wrong)} statement(s) the data do not support, first: " + "\n".join(wrong[:10])
    assert judged > 1000


# --------------------------------------------------------------------------- issue 32's examples, each gone


def test_the_largest_destination_is_stated_only_where_a_ranking_or_the_tonnages_settle_it(ds):
    """destinations-us said "the largest is the United States (406 t)" for March 2026, when the published
    ranking put Germany first and the United States fourth."""
    words = monthfacts.largest(ds, "2026-03").text
    assert "the largest destination was Germany, first in the published ranking (" in words
    assert "United States" not in words
    assert judge.judge(statements.rank_claim("US", "2026-03", 1), ds).verdict == INCONSISTENT
    assert judge.judge(statements.rank_claim("US", "2026-03", 4), ds).verdict == CONSISTENT
    assert judge.judge(statements.rank_claim("DE", "2026-03", 1), ds).verdict == CONSISTENT


def test_a_rank_without_a_ranking_needs_tonnages_that_leave_no_room(ds):
    month = next(m for m in sorted(statements.monthly(ds, "US")) if ds.rankings_in(m).empty
                 and statements.compare.known_rank(ds, m, "US") is None)
    v = judge.judge(statements.rank_claim("US", month, 1), ds)
    assert v.verdict == INCONSISTENT and "leave room for another order" in v.why
    assert "first" not in monthfacts.largest(ds, month).text or "ranking" in monthfacts.largest(ds, month).text


def test_figure_2_names_a_first_only_where_first_place_is_known(ds):
    from helpers.analysis import compare
    from helpers.charts import plotting

    top = compare.top_destinations(ds, "2026-03", 10)
    fig = plotting.plot_top_destinations(top, "March 2026", highlight="US", dataset=ds, month="2026-03")
    title = fig.axes[0].get_title(loc="left")
    assert "United States first" not in title and "Germany first" not in title  # Germany has no tonnage on file
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_a_destination_without_the_latest_month_leads_with_its_latest_known_month(ds):
    """destinations-de's headline, card and feed entry said "No figure … in March 2026 is on file"."""
    b = facts.destination_points(ds, "DE", "2024-01", "2026-03")
    assert "December 2025" in b["headline"].text and "1,106 t" in b["headline"].text
    assert not _problems(b, ds)
    for f in [b["headline"], *b["points"]]:
        assert not judge.MISSING_WORDS_RE.search(f.text), f.text


def test_page_one_refuses_a_sentence_about_missing_data(ds):
    gap = statements.Fact(key="x", text="No figure for exports to Germany in March 2026 is on file.",
                          claim=statements.gap_claim("DE", "2026-03"))
    assert judge.judge(gap.claim, ds).verdict == CONSISTENT         # true, and allowed inside the report…
    assert any("page 1 states what is missing" in p for p in judge.problems(gap.record(), ds, page_one=True))
    assert not judge.problems(gap.record(), ds, page_one=False)     # …but never on page 1


def test_no_revision_is_said_only_when_no_value_changed_between_vintages(ds):
    """main-latest said "No figure on file has been revised by a later publication", though March 2025 read
    5,361 t in the June 2025 edition and 5,323 t now (a derived value worked out again)."""
    rows = {r["month"]: r for r in statements.revisions(ds, "2024-01", "2026-03")}
    assert round(rows["2025-03"]["first_value"]) == 5361 and round(rows["2025-03"]["value"]) == 5323
    said = facts.revised(ds, "2024-01", "2026-03")
    assert said.text.startswith("4 monthly values of January 2024–March 2026 had changed since first known")
    assert "March 2025" in said.text
    none = dict(said.claim, count=0, months=[])
    assert judge.judge(none, ds).verdict == INCONSISTENT
    june = facts.revised(ds.known_on("2025-07-21"), "2024-01", "2025-06")   # the June edition compares its own vintages
    assert june.text.startswith("As known on 21 July 2025, 1 monthly value")
    table = facts.revision_table(ds, "2024-01", "2026-03").set_index("Month")
    assert table.loc["March 2025", "First known"].startswith("5,361 t (derived)")


def test_a_derived_value_is_said_to_be_derived_wherever_it_is_stated(ds):
    """main-2025-06's page 1 said "high point March 2025 (5,361 t)": a derived value, in a year with months
    not on file."""
    june = ds.known_on("2025-07-21")
    low = facts.low_point(june, "2025-06")
    assert "March 2025 (about 5,360 t, derived)" in low.text and low.text.startswith("Of the known months")
    bare = statements.Fact(key="x", text="5,361 t", status="derived", unit="t", value=5361.2,
                           claim=statements.value_claim(statements.compare.estimate(june, TOTAL, "2025-03")))
    assert any("stated as if reported" in p for p in judge.problems(bare.record(), june))
    assert not judge.problems(monthfacts.month(june, "2025-03").tonnes.record(), june)


def test_a_value_stated_as_reported_when_it_is_derived_is_inconsistent(ds):
    e = statements.compare.estimate(ds, TOTAL, "2025-03")
    claim = dict(statements.value_claim(e), status="reported")
    v = judge.judge(claim, ds)
    assert v.verdict == INCONSISTENT and "stated as reported" in v.why


def test_a_record_over_months_not_on_file_says_of_the_months_on_file(ds):
    """"The lowest of the months on file since July 2023" when the file starts later: a record's since-month
    is checked against the months on file, and a gap must be said."""
    first = statements.first_month_on_file(ds)
    claim = {"kind": "record", "partner": TOTAL, "first": "2025-05", "last": "2025-05", "word": "lowest",
             "since": statements.add_months(first, -1), "inclusive": True, "qualified": True}
    v = judge.judge(claim, ds)
    assert v.verdict == INCONSISTENT and f"begin in {first}" in v.why
    real = statements.record(ds, "2025-05")
    assert real["word"] == "lowest" and judge.judge(real, ds).verdict == CONSISTENT
    assert judge.judge(dict(real, qualified=False), ds).verdict == (INCONSISTENT if real["qualified"] else CONSISTENT)


def test_a_streak_is_judged_by_its_length_and_what_came_before(ds):
    st = statements.streak(ds, "2026-03", "US")
    assert st and st["direction"] == "fall" and st["n"] >= 2
    assert judge.judge(st, ds).verdict == CONSISTENT
    assert judge.judge(dict(st, n=st["n"] + 1), ds).verdict == INCONSISTENT
    assert judge.judge(dict(st, direction="rise"), ds).verdict == INCONSISTENT
    if not st["at_least"]:
        assert judge.judge(dict(st, n=st["n"] - 1), ds).verdict == INCONSISTENT   # the run was longer


def test_a_share_shift_is_judged_period_by_period(ds):
    from helpers.story import lead

    shift = lead.share_shift(ds, "US", "2026-03")
    assert [p[0][:4] for p in shift["periods"]] == ["2024", "2025", "2026"]
    assert shift["values"][0] > shift["values"][-1]
    assert judge.judge(shift, ds).verdict == CONSISTENT
    assert judge.judge(dict(shift, values=[v + 2 for v in shift["values"]]), ds).verdict == INCONSISTENT


def test_method_note_labels_are_not_cut_at_a_thousands_comma():
    """Method notes were labelled "about 3:" and "about 5:" (the label cut at the thousands comma)."""
    assert note_label("about 3,550 t, worked out from the January–May 2025 total") == "about 3,550 t"
    assert note_label("about 5,360 t, derived") == "about 5,360 t"
    assert judge.TRUNCATED_RE.search("about 3:") and not judge.TRUNCATED_RE.search("about 3,550 t")


def test_provenance_markers_become_one_citation_not_nested_brackets():
    """Provenance cells showed "[[1]]": a bracketed list of source ids is one marker."""
    body = "<main><table><td>reported by Reuters, 20 Jul 2025, on 2 pages [S29, S48]</td></table></main>"
    out, cited = cite_sources(body, [{"source_id": "S29", "title": "a"}, {"source_id": "S48", "title": "b"}])
    assert "[[" not in out and '<sup class="cites">' in out and len(cited) == 2


def test_the_june_chapter_is_not_titled_with_may_events():
    """A chapter titled "June: Geneva, the call, London…" (Geneva was in May)."""
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[1] / "notebooks/01_controls_to_agreement.ipynb").read_text())
    june = [line for c in nb["cells"] for line in "".join(c["source"]).splitlines() if line.startswith("## June")]
    assert june and all("Geneva" not in line for line in june)
    prose = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "said that {eval}`approvals`" not in prose                     # "said that MOFCOM: …"
    assert "same template" not in prose                                   # process talk shown to readers


def test_editions_of_one_notebook_have_different_titles_and_each_card_says_what_it_answers():
    """main-latest and main-2025-06 had the same title; every card said "For: Anyone following…"."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    body = ('<div class="report-headline"><p>H.</p></div><p><strong>The question:</strong> how far did exports '
            'fall?</p>')
    june = report_card(nb, {"name": "a", "title": "T", "edition": "June 2025 edition"}, body, {})
    latest = report_card(nb, {"name": "b", "title": "T", "edition": "Latest: March 2026"}, body, {})
    assert june["title"] != latest["title"]
    assert june["audience"] == "how far did exports fall?"


def test_the_page_one_of_every_month_of_the_frozen_data_leads_with_a_judged_statement(ds):
    """Golden headlines: the June 2025 edition leads with the rebound; March 2026 with the shift in the US share."""
    june = facts.main_points(ds.known_on("2025-07-21"), "2025-06", "US")
    assert june["headline"].text == "China's rare-earth magnet exports rose to 3,188 t in June 2025, +157.4% on May 2025."
    march = facts.main_points(ds, "2026-03", "US")
    assert march["headline"].text.startswith("The share of China's magnet exports going to the United States fell "
                                             "from about 12.8% in 2024 to 10.3% in 2025")
    for b, d in ((june, ds.known_on("2025-07-21")), (march, ds)):
        assert not _problems(b, d)


def test_a_derived_share_is_drawn_hollow_like_every_derived_value(ds):
    """Derived shares were drawn as solid dots like reported ones."""
    import matplotlib.pyplot as plt

    from helpers.charts import plotting

    plotting.use_house_style()
    fig = plotting.plot_partner_vs_total(ds, "US", "2024-01", "2026-03")
    share_axis = fig.axes[1]
    dots = {round(line.get_xdata()[0].toordinal() if hasattr(line.get_xdata()[0], "toordinal") else 0):
            line.get_markerfacecolor() for line in share_axis.lines if line.get_marker() == "o"}
    total = statements.monthly(ds, TOTAL)
    us = statements.monthly(ds, "US")
    derived = [m for m in us if m in total and "2024-01" <= m <= "2026-03"
               and "derived" in (us[m].status, total[m].status)]
    assert derived and "white" in dots.values()          # some share rests on a derived value: hollow
    assert sum(1 for c in dots.values() if c == "white") == len(derived)
    plt.close(fig)


def test_the_destinations_grid_marks_derived_values_in_whole_tonnes(ds):
    """The "Against the other destinations" table did not mark derived values, and showed 420.5 where the
    next table said 420."""
    from helpers.analysis import compare

    grid = compare.destinations_grid(ds, [TOTAL, "US", "DE", "JP"], "2024-01", "2026-03")
    cells = [c for col in grid.columns for c in grid[col]]
    assert any(c.startswith("about ") and c.endswith(" (derived)") for c in cells)
    assert not any("." in c for c in cells if c != "not reported")        # whole tonnes, as every sentence
    assert "about 735 (derived)" in list(grid["United States"])           # June 2024, derived


def test_the_outlook_shows_the_history_it_projected_from(ds):
    """The outlook, labelled "June 2025 edition", plotted March 2025 as 5,323 t, a value worked out from
    data released in April 2026."""
    from helpers.analysis import outlook

    then = ds.known_on("2025-07-21")
    actual = outlook.actual_series(ds, "2025-06", 6, known_then=then).set_index("month")
    assert round(actual.loc["2025-03", "tonnes"]) == 5361          # as known when the projections were made
    assert round(outlook.actual_series(ds, "2025-06", 6).set_index("month").loc["2025-03", "tonnes"]) == 5323
    assert actual.loc["2025-07", "tonnes"] > 0                      # what came after: today's data


# --------------------------------------------------------------------------- issue 35: freshness, Europe, prices


def test_gac_calendar_has_each_month_due_around_the_20th_of_the_next_and_january_with_february():
    from helpers.analysis import freshness

    assert freshness.due_date("2026-03") == "2026-04-20"
    assert freshness.due_date("2026-01") == "2026-03-20"     # released with February
    assert freshness.due_through("2026-12-07") == "2026-10"
    assert freshness.due_through("2026-03-19") == "2025-12"  # January 2026 not yet due on its own
    assert freshness.due_through("2026-03-20") == "2026-02"


def test_the_build_date_is_the_editions_date_else_source_date_epoch(ds, monkeypatch):
    from helpers.analysis import freshness

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796601600")   # 2026-12-07 00:00 UTC
    assert freshness.build_date(ds) == "2026-12-07"
    assert freshness.build_date(ds.known_on("2025-07-21")) == "2025-07-21"


def test_the_freshness_line_says_how_many_months_behind_and_is_judged(ds):
    f = facts.freshness(ds, "2026-12-07")
    assert f.text.startswith("Latest month on file: March 2026, released on 20 April 2026.")
    assert "the releases for April–October 2026 were due by 7 December 2026" in f.text
    assert f.text.endswith("the data on file are 7 months behind.")
    assert not judge.problems(f.record(), ds, page_one=True)
    for wrong, why in (({"behind": 6}, "7 month(s) behind"), ({"first": "2026-02"}, "the data as known give 2026-03"),
                       ({"released": "2026-04-21"}, "the data give 2026-04-20"),
                       ({"build_date": "2026-04-01"}, "before 2026-03 was released")):
        v = judge.judge({**f.claim, **wrong}, ds)
        assert v.verdict == INCONSISTENT and why in v.why, (wrong, v)
    # on the release day of the month it covers, nothing is behind, and no later date is named
    k = ds.known_on("2025-07-21")
    g = facts.freshness(k)
    assert g.claim["behind"] == 0 and judge.judge(g.claim, k).verdict == CONSISTENT
    assert g.text == ("Latest month on file: June 2025, released on 20 July 2025, the latest release GAC's calendar "
                      "had due by 21 July 2025.")
    # an edition as known on a day states freshness on that day, not on another
    assert judge.judge({**g.claim, "build_date": "2026-12-07", "behind": 16, "due_through": "2026-10"},
                       k).verdict == INCONSISTENT


def test_page_one_of_main_latest_states_the_share_shift_and_the_freshness_line(ds, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796601600")
    b = facts.main_points(ds, "2026-03", "US")
    assert b["headline"].text.startswith("The share of China's magnet exports going to the United States fell from "
                                         "about 12.8% in 2024 to 10.3% in 2025")
    assert b["points"][-1].key == "2026-03 freshness" and "7 months behind" in b["points"][-1].text
    assert not _problems(b, ds)
    # an edition of an earlier month is not the latest: no freshness line
    assert all(p.claim.get("kind") != "freshness" for p in facts.main_points(ds, "2025-11", "US")["points"])
    html_ = facts.points_html(b)
    card = report_card(type("NB", (), {"metadata": {}})(), {"name": "main-latest"},
                       f'<div class="report-headline"><p>x</p></div>{html_}', None)
    assert card["freshness"] == b["points"][-1].text


def test_the_eu_share_shift_leads_the_europe_page_and_the_bloc_is_never_ranked(ds, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796601600")
    b = facts.destination_points(ds, "EU", "2024-01", "2026-03")
    assert b["headline"].text == ("The share of China's magnet exports going to the European Union rose from about "
                                  "33.6% in November 2024 to 41.8% in November 2025.")
    assert b["headline"].claim["kind"] == "share_shift"
    assert not _problems(b, ds)
    assert "top" not in b["points"][0].text          # no place among countries for a bloc
    v = judge.judge(statements.rank_claim("EU", "2025-11", None, 5), ds)
    assert v.verdict == INCONSISTENT and "never ranked" in v.why


def test_a_price_is_stated_only_where_value_and_volume_are_both_known(ds):
    from helpers.analysis import values

    got = {f.key: f for f in values.price_statements(ds, TOTAL)}
    h1 = got["WLD 2025-01..2025-06 unit value"]
    assert h1.text == "January–June 2025: $1.02 bn for 22,319 t, about $45.7 per kg" and h1.status == "derived"
    assert judge.judge(h1.claim, ds).verdict == CONSISTENT
    assert judge.judge({**h1.claim, "value": 50.0, "low": 50.0, "high": 50.0}, ds).verdict == INCONSISTENT
    assert judge.judge({**h1.claim, "usd_m": 1100.0}, ds).verdict == INCONSISTENT
    # June 2025 has a tonnage but no value: no price
    assert values.unit_value(ds, TOTAL, "2025-06", "2025-06") is None
    v = judge.judge({"kind": "unit_value", "partner": TOTAL, "first": "2025-06", "last": "2025-06", "value": 45.0}, ds)
    assert v.verdict == INCONSISTENT and "no price is on file" in v.why
    # a reported price is kept as reported
    assert got["WLD 2024-08..2024-08 unit value"].text == "August 2024: $47.0 per kg as reported"
