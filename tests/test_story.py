"""The story layer: facts, inline {eval} values, typed numbers, conditional chapters, editions."""

from __future__ import annotations

import pytest

from helpers.story import facts, monthfacts
from helpers.analysis import reconcile
from helpers.data.dataset import load_dataset
from pipeline.reports import editions
from pipeline.render import inline


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


def test_facts_of_june_2025_are_the_release(ds):
    jun, us = monthfacts.month(ds, "2025-06"), monthfacts.month(ds, "2025-06", "US")
    assert str(jun.tonnes) == "3,188 t" and jun.tonnes.status == "reported"
    assert str(jun.mom) == "+157.4%" and str(jun.yoy).startswith("−38")
    assert str(us.tonnes) == "353 t" and us.name.text == "the United States"
    assert monthfacts.span(ds, "2025-01", "2025-06")["tonnes"].text == "22,319 t"


def test_a_remark_several_pages_made_is_quoted_once_citing_them_all(ds):
    notes = monthfacts.month(ds, "2025-05").notes.text
    assert notes.count("lowest since February 2020") == 1 and "“lowest since February 2020” (S3, S72)" in notes


def test_a_country_rank_leaves_the_eu_out(ds):
    # July 2025: the EU (2,140 t) is on file but is a group: Germany (1,116 t) is first among the countries
    assert monthfacts.month(ds, "2025-07", "DE").rank.value == 1


def test_a_derived_month_says_how_from_its_derivation_record(ds):
    mar = monthfacts.month(ds, "2025-03")
    assert mar.tonnes.status == "derived"
    est = __import__("helpers.analysis.series", fromlist=["estimate"]).estimate(ds, "WLD", "2025-03")
    # said once, in words (March 2026's −1.6% y/y narrows it most); the formula, its inputs as published and
    # the range are the method note
    assert mar.tonnes.text == "about 5,323 t, worked out from March 2026 and its reported change on a year before"
    assert mar.provenance.text == ""
    assert "March 2026 (5,238 t) ÷ (1 −1.6% y/y)" in mar.tonnes.note and "S88" in mar.tonnes.note
    assert "between 5,320 t and 5,326 t" in mar.tonnes.note


def test_a_month_chapter_comes_from_the_template(ds):
    text = monthfacts.month_chapter(monthfacts.month(ds, "2025-06"), monthfacts.month(ds, "2025-06", "DE"))
    assert text.startswith("### June 2025")
    assert "3,188 t" in text and "Exports to Germany were" in text
    missing = monthfacts.month_chapter(monthfacts.month(ds, "2024-03"))
    assert "No figure for exports to all destinations in March 2024 is on file" in missing


def test_the_focus_partner_reaches_the_sentences(ds):
    de, us = monthfacts.partner_sentence(monthfacts.month(ds, "2025-06", "DE")), monthfacts.partner_sentence(monthfacts.month(ds, "2025-06", "US"))
    assert "Germany" in de.text and "United States" not in de.text
    assert de.text != us.text


def test_a_typed_number_is_caught_and_facts_years_days_ids_are_not():
    assert inline.typed_numbers("Exports fell 51% to 3,188 t in June.") == ["51%", "3,188"]
    ok = ("On 4 April 2025, Announcement No. 18 (S21); Nos. 55–58, 61; Figure 3; code 8505.11; "
          "the 3rd month; exports were **{eval}`jun.tonnes`**.")
    assert inline.typed_numbers(ok) == []


def test_inline_values_replace_the_roles_escaped_once():
    md = "Exports were **{eval}`x`** and {eval}`y`."
    out = inline.substitute(md, {"x": {"text": "3,188 t"}, "y": {"text": "a_b *c*"}})
    assert out == "Exports were **3,188 t** and a\\_b \\*c\\*."


def test_a_chapter_rule_shows_nothing_where_kept_and_its_reason_where_not():
    from helpers.notebook.contract import chapter

    kept = chapter("2025-07", since="2025-07")
    assert kept.shown and str(kept) == "" and kept._repr_html_() is None
    hidden = chapter("2025-06", since="2025-07")
    assert not hidden.shown and "shown from July 2025" in str(hidden) and "June 2025" in str(hidden)
    assert "shown from July 2025" in hidden._repr_html_() and hidden.record() == {"chapter": False, "rule": hidden.rule}
    assert chapter("2025-06", until="2025-06").shown and not chapter("2025-07", until="2025-06").shown
    focus = chapter("2025-06", since="2025-05", when="US" != "US", why="the focus is not the United States")
    assert not focus.shown and "shown only when the focus is not the United States" in str(focus)


def test_fill_moves_the_kernels_answers_into_user_expressions_and_drops_hidden_chapters():
    import nbformat

    def answers(cell_id, exprs, hidden=False):
        code = nbformat.v4.new_code_cell("")
        code.metadata["tags"] = [inline.TAG]
        code.outputs = [nbformat.v4.new_output("display_data", data={inline.MIME: {
            "hidden": hidden, "expressions": [{"expression": e, "result": {"status": "ok", "data": {"text/plain": t},
                                                                           "metadata": {}}, "fact": None}
                                              for e, t in exprs]}})]
        return code

    def build():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("Shown: {eval}`x`."), answers("a", [("x", "'3,188 t'")]),
                    nbformat.v4.new_markdown_cell("{eval}`chapter(as_of, since='2025-07')`\n\nLater: {eval}`y`."),
                    answers("b", [("chapter(as_of, since='2025-07')", "⟨Not in this report⟩")], hidden=True)]
        return nb

    nb = build()
    stated = inline.fill(nb)
    assert [c.cell_type for c in nb.cells] == ["markdown"] and stated == {"x": {"text": "3,188 t", "fact": None,
                                                                                    "page_one": False}}
    assert nb.cells[0].metadata.user_expressions == [
        {"expression": "x", "result": {"status": "ok", "data": {"text/plain": "'3,188 t'"}, "metadata": {}}}]
    inline.rendered_markdown(nb)
    assert nb.cells[0].source == "Shown: 3,188 t."
    kept = build()
    inline.fill(kept, drop_hidden=False)  # the committed notebooks: the chapter stays, with its reason
    assert len(kept.cells) == 2 and kept.cells[1].metadata.user_expressions[0]["result"]["data"]["text/plain"]


def test_whats_new_lists_new_months_and_revisions():
    old = {"edition": "Latest: June 2025", "facts": {
        "WLD 2025-06 tonnes": {"text": "3,188 t", "value": 3188, "status": "reported", "sources": ["S1"]},
        "WLD 2025-03 tonnes": {"text": "5,361 t (derived)", "value": 5361, "low": 5306, "high": 5418,
                               "status": "derived", "sources": ["S2"]}}}
    new = {"WLD 2025-06 tonnes": {"text": "3,190 t", "value": 3190, "status": "reported", "sources": ["S40"]},
           "WLD 2025-03 tonnes": {"text": "5,365 t", "value": 5365, "low": 5364.5, "high": 5365.5,
                                  "status": "reported", "sources": ["S41"]},
           "WLD 2025-07 tonnes": {"text": "5,577 t", "value": 5577, "status": "reported", "sources": ["S7"]}}
    news = editions.whats_new(old, new, "Latest: July 2025")
    assert "New month: July 2025." in news["lines"]
    assert any("3,188 t (S1) → 3,190 t (S40)" in x for x in news["lines"])
    assert any("is now reported" in x for x in news["lines"])
    assert news["summary"].startswith("Since the previous edition (Latest: June 2025): 1 new month, 1 value revised")
    assert any(x.startswith("Revised: exports (all destinations), June 2025: 3,188 t") for x in news["lines"])
    assert editions.whats_new(None, new, "x")["summary"] == "First edition."


def test_a_report_whose_facts_name_the_month_first_still_gets_its_new_month():
    """The destinations report states the month's largest destination ("2026-04 largest") and a span;
    its next month is a new month, not "no change"."""
    old = {"edition": "Latest: March 2026 · United States", "facts": {
        "2026-03 largest": {"text": "11 destinations have a known figure", "value": 1540.0},
        "US 2024-01..2026-03 known": {"text": "20 of the 27 months", "value": 20.0}}}
    new = {"2026-04 largest": {"text": "12 destinations have a known figure", "value": 1611.0},
           "US 2024-01..2026-04 known": {"text": "21 of the 28 months", "value": 21.0}}
    news = editions.whats_new(old, new, "Latest: April 2026 · United States")
    assert news["lines"] == ["New month: April 2026."]
    assert news["summary"] == "Since the previous edition (Latest: March 2026 · United States): 1 new month."


def test_editions_tell_reports_apart():
    names = {"DE": "Germany", "US": "United States"}.get
    assert editions.edition_label({"as_of": "2025-06"}, False) == "June 2025 edition"
    assert editions.edition_label({"as_of": "2025-12", "partner": "DE"}, True, names) == "Latest: December 2025 · Germany"
    # a focus destination is named only when it is not the notebook's default
    default = {"focus_partner": "US"}
    assert editions.edition_label({"as_of": "2025-06", "focus_partner": "US"}, False, names, default) == "June 2025 edition"
    assert (editions.edition_label({"as_of": "2025-06", "focus_partner": "DE"}, False, names, default)
            == "June 2025 edition · focus: Germany")


def test_as_known_on_uses_only_what_was_published_by_then(ds):
    known = ds.known_on("2025-07-21")
    assert known.latest_month == "2025-06"
    assert set(known.figures.source_id) <= {s for s, p in zip(ds.sources.source_id, ds.sources.published)
                                            if str(p) <= "2025-07-21"}
    # June 2025's German figure follows from July's "+46%", published in August: not derivable on 21 July
    assert str(monthfacts.month(known, "2025-06", "DE").tonnes) == "not reported"
    assert monthfacts.month(ds, "2025-06", "DE").tonnes.status == "derived"


def test_a_later_publication_is_a_revision_and_as_known_on_gives_the_earlier_vintage(tmp_path):
    import shutil

    from helpers.analysis import compare
    from helpers.data.dataset import load_dataset
    from helpers.data.writing import record_checksums
    from helpers.paths import DATA

    shutil.copytree(DATA, tmp_path / "data")
    batch = tmp_path / "data" / "raw" / "2099-revision"
    batch.mkdir()
    (batch / "sources.csv").write_text("source_id,outlet,agency,title,url,published,accessed\n"
                                       "S900,Test wire,GAC,June revised,https://example.org/r,2025-09-01,2026-11-28\n")
    (batch / "figures.csv").write_text("from_month,to_month,partner,measure,value,approx,series,source_id,note\n"
                                       "2025-06,2025-06,WLD,tonnes,3250,,cn:85051110,S900,\n")
    (batch / "origins.csv").write_text("origin_id,publisher,kind,released,title,url,note\n"
                                       "O900,Test wire,agency,2025-09-01,June revised,,\n")
    (batch / "relays.csv").write_text("source_id,origin_id\nS900,O900\n")
    record_checksums([batch / f for f in ("sources.csv", "figures.csv", "origins.csv", "relays.csv")],
                     data_dir=tmp_path / "data")
    revised = load_dataset(tmp_path / "data")
    assert str(monthfacts.month(revised, "2025-06").tonnes) == "3,250 t"                      # the latest vintage
    assert str(monthfacts.month(revised.known_on("2025-08-01"), "2025-06").tonnes) == "3,188 t"  # as it was known
    table = reconcile.revisions(revised)
    assert len(table) == 1 and "3,188 t (S1" in table.iloc[0]["First published"]
    assert "3,250 t (S900, 2025-09-01)" in table.iloc[0]["Latest"] and table.iloc[0]["Revision"] == "+62"
    month_table = compare.provenance_table(revised, "WLD", "2025-05", "2025-07").set_index("Month")
    assert month_table.loc["Jun 2025", "Provenance"].startswith("reported by 1 origin: Test wire, 1 Sep 2025 [S900]")
    assert "revised: first published as 3,188 t (S1" in month_table.loc["Jun 2025", "Provenance"]
    assert "revised" not in month_table.loc["May 2025", "Provenance"]
    assert "revised" not in compare.provenance_table(revised.known_on("2025-08-01"), "WLD", "2025-06", "2025-06"
                                                     ).iloc[0]["Provenance"]


def test_a_month_not_on_file_reads_as_a_sentence(ds):
    """Issue 32's example: "January 2025 was not published, and no published figure gives it" was false in
    the June 2025 edition: January and February together follow from the January–May total."""
    known = ds.known_on("2025-07-21")  # January and February 2025 were not yet known then
    brief = monthfacts.months_in_brief(*(monthfacts.month(known, f"2025-0{m}") for m in (1, 2, 3)))
    assert brief.text.startswith("January and February 2025 were not published on their own: together they were "
                                 "about 9,910 t, worked out from")
    assert "no published figure gives it" not in brief.text
    assert "March 2025 was about 5,360 t, worked out from April 2025" in brief.text
    assert "opened at not reported" not in brief.text
    full = monthfacts.months_in_brief(*(monthfacts.month(ds, f"2025-0{m}") for m in (1, 2, 3)))
    assert full.text.startswith("2025 opened at 6,357 t in January. February was ")


def test_the_claims_points_count_every_verdict_sources_that_disagree_included():
    """A claims check's main points add up to its claims: 'sources disagree' is a point of its own."""
    from helpers.story.facts import claims_points

    out = claims_points({"✓": 9, "sources disagree": 1, "not checkable": 2}, 12, "June 2025", 0, "the article")
    texts = [p.text for p in out["points"]]
    assert "1 claim on which sources disagree: both figures are shown, with their origins." in texts
    assert out["headline"].text.startswith("Of the 12 claims of the article, 9 agree")
    with pytest.raises(ValueError, match="do not add up to 13 claims"):
        claims_points({"✓": 9, "sources disagree": 1, "not checkable": 2}, 13, "June 2025", 0, "the article")
