"""Reports a stakeholder would choose to read: the house rules for numbers and words on every built
report's prose, the headline and main points on page 1, SVG charts whose every mark is titled, the
data behind every figure and table, and sources cited by compact markers."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from pipeline.render import proofread, convert as render, bulletin

# --------------------------------------------------------------------------- the rules themselves


def _report(*sentences: str, edition: str = "June 2025 edition") -> str:
    body = "".join(f"<p>{html.escape(s)}</p>" for s in sentences)
    return (f'<h1>T</h1><p class="report-edition">{edition}</p>'
            f'<div class="jp-Cell jp-MarkdownCell report-prose">{body}</div>')


@pytest.mark.parametrize("sentence, rule", [
    ("May was the trough: 1,238.47 t.", "tonnage in a sentence is whole tonnes"),
    ("Everything is computed from the data on file; as_of sets the last month shown.", "no parameter name"),
    ("It follows from 2025-01..2025-05 (19,132 t) − 2025-01 (6,357 t).", "dates as readers write them"),
    ("March follows from April ÷ (1 −51% m/m).", "no formula in a sentence"),
    ("The backtest error was -12.5% in July.", "minus sign, not hyphen"),
    ("The change on May was +667.4% (range +658.1% to +676.9%).", "no range on a percentage"),
    ("February was 3,548 t (derived; 3,490 t to 3,605 t).", "a derived value said once, in words"),
    ("The sources noted “'from 1,238 tons in May'”.", "plain quotation, never nested"),
    ("Exports to the United States rose to 353 t ; the change on May was large.", "no space before punctuation"),
    ("On 4 April 2025: MOFCOM/GAC Announcement No. 18.", "an event is a sentence with a verb"),
    ("Over the 6 month(s) with actual values, fast was closest.", "no '(s)' plurals"),
    ("The claims are listed in data/claims/S29-2025-07-20.csv.", "no file path"),
    ("The ranking was reported by S65.", "no id in running text"),
    ("Exports rose +157.41% on May.", "change to one decimal"),
])
def test_each_house_rule_fails_a_sentence_that_breaks_it(sentence, rule):
    found = [v.rule for v in proofread.violations(_report(sentence))]
    assert rule in found, found


def test_year_to_date_is_refused_only_in_a_december_edition():
    assert not proofread.violations(_report("Year to date: 22,319 t."))
    found = [v.rule for v in proofread.violations(_report("Year to date: 57,392 t.", edition="Latest: December 2025"))]
    assert found == ["no 'year to date' in a December edition"]


def test_a_good_bulletin_sentence_passes():
    good = ("China's rare-earth magnet exports were 5,952 t in December 2025, down 3.2% on November 2025; "
            "2025 as a whole closed 1.3% below 2024. February was about 3,550 t, worked out from the "
            "January–May 2025 total. The change on May was about +667.4%.")
    assert proofread.violations(_report(good)) == []


def test_a_section_with_a_chart_must_say_what_it_shows():
    section = ('<div class="jp-Cell jp-MarkdownCell report-prose"><h2 id="a">Trade</h2></div>'
               '<figure class="report-figure"><svg></svg><figcaption>Figure 1.</figcaption></figure>')
    assert [v.rule for v in proofread.violations(_report("Intro.") + section)] == [
        "a section with a chart says what it shows"]
    said = section.replace("</h2></div>", "</h2><p>Figure 1 shows exports by month.</p></div>")
    assert proofread.violations(_report("Intro.") + said) == []


# --------------------------------------------------------------------------- every built report


def _pages(built):
    return {name: (built.out / f"{name}.html").read_text(encoding="utf-8") for name in built.names}


def test_every_built_report_keeps_the_house_rules(built_default_reports):
    problems = [f"{name}: {v}" for name, body in _pages(built_default_reports).items()
                for v in proofread.violations(body)]
    assert problems == []


def test_every_report_opens_with_its_headline_and_main_points_on_page_one(built_default_reports):
    from pypdf import PdfReader

    for name, body in _pages(built_default_reports).items():
        head = re.search(r'report-headline"[^>]*>\s*<p><strong>(.*?)</strong></p>', body, re.S)
        assert head, f"{name}: no headline"
        points = re.search(r'<section[^>]*class="report-points".*?</section>', body, re.S)
        assert points and 3 <= points.group(0).count("<li>") <= 5, name
        # headline, then main points, then what's new, then the question and the contents
        assert body.index("report-headline") < body.index("report-points") < body.index('class="report-toc"')
        first = " ".join(PdfReader(built_default_reports.out / f"{name}.pdf").pages[0].extract_text().split())
        words = html.unescape(re.sub(r"<[^>]+>", "", head.group(1))).split()
        assert " ".join(words[:8]) in first, f"{name}: the headline is not on page 1"
        assert "Main points" in first, f"{name}: the main points are not on page 1"


def test_a_destination_report_names_its_destination_in_its_title(built_default_reports):
    pages = _pages(built_default_reports)
    assert "<h1" in pages["destinations-de"] and re.search(r"<h1[^>]*>[^<]*Germany", pages["destinations-de"])
    assert not re.search(r"by default the United States", pages["destinations-de"])


def _title_of(row: dict, titles: list[str]) -> str | None:
    """The mark title that states a CSV row's month and value (whole tonnes, or a share to one decimal)."""
    from helpers.text import month_name, span_name

    value = float(row["value"])
    shown = (f"{round(value):,} t" if row["unit"] == "t" else f"${value:.1f} per kg" if row["unit"] == "USD/kg"
             else f"{value:.1f}%")
    span = re.fullmatch(r"(\d{4}-\d{2})\.\.(\d{4}-\d{2})", row["month"])   # a value over several months
    when = (month_name(row["month"]) if re.fullmatch(r"\d{4}-\d{2}", row["month"])
            else span_name(*span.groups()) if span else row["month"])
    return next((t for t in titles if shown.replace("-", "\u2212") in t and when in t), None)


def _figures(body: str) -> list[str]:
    return re.findall(r'<figure class="report-figure">.*?</figure>\s*(?:<p class="data-link">.*?</p>)?', body, re.S)


def test_figures_are_svg_with_a_titled_mark_per_value_and_a_csv_of_those_values(built_default_reports):
    out = built_default_reports.out
    for name, body in _pages(built_default_reports).items():
        assert "image/png" not in body, name
        for i, fig in enumerate(_figures(body), 1):
            assert "<svg" in fig and 'role="img"' in fig, (name, i)
            titles = [t for t in re.findall(r'class="mark"[^>]*>\s*<title>([^<]*)</title>', fig) if not t.startswith("Event ")]
            link = re.search(r'<a [^>]*href="([^"]+\.csv)"', fig)
            assert link, f"{name}: figure {i} has no Data (CSV) link"
            rows = list(csv.DictReader(io.StringIO((out / link.group(1)).read_text(encoding="utf-8"))))
            assert len(rows) == len(titles) > 0, (name, i, len(rows), len(titles))
            titles = [html.unescape(t) for t in titles]
            for row in rows:   # each value drawn has its own titled mark, naming its month and value
                assert _title_of(row, titles), (name, i, row)


def test_every_table_has_its_data_beside_the_report(built_default_reports):
    out = built_default_reports.out
    for name, body in _pages(built_default_reports).items():
        links = re.findall(r'<p class="data-link"><a [^>]*href="([^"]+)"', body)
        tables = len(re.findall(r'<table class="dataframe', body))
        assert len(links) >= tables + len(_figures(body)), name   # every figure and every table has its CSV
        for href in links:
            assert (out / href).is_file() and (out / href).read_text(encoding="utf-8").count("\n") >= 2, href


def raster_images(pdf) -> int:
    """How many raster images the PDF's pages draw: image XObjects in each page's resources, and in those of
    the forms (vector drawings) it draws, read without parsing the drawings themselves (WeasyPrint places
    every image as an XObject)."""
    from pypdf import PdfReader

    count = 0

    def walk(resources):
        nonlocal count
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        for ref in (xobjects.get_object().values() if xobjects else ()):
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                count += 1
            elif obj.get("/Subtype") == "/Form":
                walk(obj.get("/Resources"))

    for page in PdfReader(pdf).pages:
        walk(page.get("/Resources"))
    return count


def test_pdf_charts_are_vector_not_pictures(built_default_reports, built_fixture_reports):
    assert raster_images(built_fixture_reports.out / "alpha.pdf") == 2  # the fixture's two PNG squares are found
    for name in built_default_reports.names:
        assert raster_images(built_default_reports.out / f"{name}.pdf") == 0, f"{name}: a raster image in the PDF"


def test_sources_are_numbered_markers_to_a_list_of_cited_sources_only(built_default_reports):
    from helpers.data.dataset import load_dataset

    registered = len(load_dataset().sources)
    for name, body in _pages(built_default_reports).items():
        listed = re.findall(r'<li id="source-(S\d+)" value="(\d+)"', body)
        assert 0 < len(listed) < registered, name
        assert [int(n) for _, n in listed] == list(range(1, len(listed) + 1)), name
        for sid, n in listed:   # each listed source is cited in the report by its number
            assert (re.search(rf'href="#source-{sid}"[^>]*>\[?{n}', body)           # a marker in the text
                    or re.search(rf"<title>[^<]*\[{n}\][^<]*</title>", body)), (name, sid)   # or a chart's tooltip
        prose = " ".join(proofread.prose(body))
        assert not re.search(r"\bS\d+\b", prose), name


def test_derived_values_link_to_their_method_note(built_default_reports):
    body = _pages(built_default_reports)["main-latest"]
    # February 2025, stated in the sentence about the year's first months, is derived: said once, in words,
    # linked to the note with its formula, inputs as published and range
    links = re.findall(r'<a (?=[^>]*class="method-link")[^>]*href="#(method-[^"]+)"[^>]*>(about [\d,]+ t, worked out from [^<]+)</a>',
                       body)
    assert any("wld-2025-02" in anchor for anchor, _ in links), links
    for anchor, _ in links:
        note = re.search(rf'<li id="{anchor}">(.*?)</li>', body, re.S).group(1)
        assert "=" in note and "between" in note and re.search(r"\d[\d,]* t", note), note


def test_tables_use_the_true_minus_sign(built_default_reports):
    for name, body in _pages(built_default_reports).items():
        assert not re.search(r"<td[^>]*>\s*-\d", body), name


def test_table_minus_and_data_link_rewrites():
    import nbformat

    table = ('<table><tr><td>-5.0</td><td> -6</td><td>a -7</td><td>-x</td></tr></table>'
             '<script class="magnet-data" data-kind="table" type="text/csv">\na,b\n1,&lt;2&gt;\n</script>')
    out = nbformat.v4.new_output("display_data", data={"text/html": table, "text/plain": "t"})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"),
                                         nbformat.v4.new_code_cell("show()", outputs=[out])])
    meta = {"name": "r", "title": "T", "built": "now", "commit": "abc", "data_checksum": "0" * 64,
            "notebook": "x.ipynb", "parameters": {}}
    body, resources = render._export(nb, meta, [])
    assert resources["magnet_data"] == {"table-1.csv": "a,b\n1,<2>\n"} and "magnet-data" not in body
    assert ('</table><p class="data-link"><a download="" href="r.data/table-1.csv" type="text/csv">Data (CSV)'
            '<span class="visually-hidden"> for table 1</span></a></p>') in body
    assert "<td>\u22125.0</td><td> \u22126</td><td>a -7</td><td>-x</td>" in body



def test_citations_and_method_notes_are_decided_on_the_notebook(tmp_path):
    """ReportCitations: sources numbered in the order the page first cites them (what's new comes first;
    within one marker the original before its relay), a derived value linked once where the page first
    shows it, a notebook's own sources section left out, the notes and the cited sources written by the
    template before the footer."""
    import nbformat

    out = nbformat.v4.new_output("display_data", data={
        "text/html": '<table><tr><td>about 3,550 t [S29, S48]</td></tr></table>'
                     '<section id="sources" class="report-sources">own list S1</section>'})
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\nFebruary was about 3,550 t (S2). Again: about 3,550 t."),
        nbformat.v4.new_code_cell("show()", outputs=[out])])
    sources = [{"source_id": "S2", "outlet": "GAC", "title": "Release", "published": "2025-06-20"},
               {"source_id": "S29", "outlet": "Site", "agency": "Reuters", "title": "Relay", "published": "2025-07-21"},
               {"source_id": "S48", "outlet": "Reuters", "agency": "Reuters", "title": "Story", "published": "2025-07-20"},
               {"source_id": "S9", "outlet": "Uncited", "title": "x"}]
    stated = {"a": {"text": "about 3,550 t", "fact": {"key": "WLD 2025-02 tonnes", "status": "derived", "note": "a − b"}}}
    meta = {"name": "r", "title": "T", "built": "now", "commit": "abc", "data_checksum": "0" * 64,
            "notebook": "x.ipynb", "parameters": {}, "edition": "June 2025 edition",
            "news": {"since": "May 2025 edition", "lines": ["Revised: June: 1 t (S9) → 2 t (S2)."], "summary": "s"}}
    body = render.render_report(nb, meta, sources, tmp_path, stated)
    assert body.count('class="method-link"') == 1 and body.count('id="method-wld-2025-02-tonnes"') == 1
    assert "own list" not in body and body.count('id="sources"') == 1
    listed = re.findall(r'<li id="source-(S\d+)" value="(\d+)">', body)
    assert listed == [("S9", "1"), ("S2", "2"), ("S48", "3"), ("S29", "4")]  # S9: cited by what's new only
    assert re.search(r'\[<a [^>]*href="#source-S29"[^>]*>4</a>,<a [^>]*href="#source-S48"[^>]*>3</a>\]', body)
    assert re.search(r'<li>Revised: June: 1 t<sup class="cites">\[<a [^>]*>1</a>\]</sup>', body)
    assert body.index('id="method-notes"') < body.index('id="sources"') < body.index('<footer class="report-footer">')
    assert "S2" not in " ".join(proofread.prose(body))

# --------------------------------------------------------------------------- the index, the feed, the dataset


def test_the_index_is_a_readers_menu_newest_first(built_default_reports):
    out = built_default_reports.out
    index = (out / "index.html").read_text(encoding="utf-8")
    entries = re.findall(r'<li class="report"><h2><a href="([^"]+)\.html">', index)
    assert sorted(entries) == sorted(built_default_reports.names)
    # newest first: the month each edition covers, never going forward
    months = [__import__("json").loads((out / f"{n}.card.json").read_text())["as_of"] for n in entries]
    assert months == sorted(months, reverse=True) and entries[0] in ("main-latest", "destinations-us", "destinations-de")
    for name in entries:
        card = __import__("json").loads((out / f"{name}.card.json").read_text())
        assert card["headline"] and card["headline"] in html.unescape(index), name
        assert card["audience"] and "Answers: " in index
        for href in (f"{name}.html", f"{name}.pdf", f"{name}.data/index.html"):
            assert f'href="{href}"' in index and (out / href).is_file(), href
    # parameters, commits and checksums are on the technical page, not in the menu
    assert "commit" not in index and "checksum" not in index and "Parameters" not in index
    technical = (out / "technical.html").read_text(encoding="utf-8")
    assert all(f'href="{n}.log"' in technical and f'href="{n}.ipynb"' in technical for n in entries)
    assert "commit" in technical and "data checksum" in technical
    assert 'href="data/datapackage.json"' in index and 'href="feed.xml"' in index


def test_the_feed_is_atom_with_one_entry_per_edition(built_default_reports):
    import xml.etree.ElementTree as ET

    out = built_default_reports.out
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.parse(out / "feed.xml").getroot()
    assert root.tag == f"{atom}feed" and root.find(f"{atom}id").text and root.find(f"{atom}updated").text
    entries = root.findall(f"{atom}entry")
    assert len(entries) == len(built_default_reports.names)
    ids = [e.find(f"{atom}id").text for e in entries]
    assert len(set(ids)) == len(ids) and all(" " not in i for i in ids)
    links = sorted(e.find(f"{atom}link").get("href") for e in entries)
    assert links == sorted(f"{n}.html" for n in built_default_reports.names)
    for e in entries:
        name = e.find(f"{atom}link").get("href")[:-5]
        headline = __import__("json").loads((out / f"{name}.card.json").read_text())["headline"]
        summary = e.find(f"{atom}summary").text
        # the headline, then what's new (a first edition: its headline alone, never the same "First edition.")
        assert summary.startswith(headline) and "First edition." not in summary


def test_a_new_edition_adds_a_feed_entry_and_a_rebuild_does_not(tmp_path):
    from pipeline.publish import site as publish

    out = tmp_path / "out"
    (out / ".state").mkdir(parents=True)
    entry = {"name": "r", "title": "T", "edition": "Latest: June 2025", "built": "2025-07-21 10:00 UTC",
             "data_checksum": "abc123", "headline": "Exports rose.", "news": "First edition."}
    publish.write_feed([entry], out)
    publish.write_feed([entry], out)   # the same edition again: no new entry
    publish.write_feed([dict(entry, edition="Latest: July 2025", built="2025-08-20 10:00 UTC", data_checksum="def456",
                             headline="Exports rose again.", news="Since the previous edition: 1 new month.")], out)
    text = (out / "feed.xml").read_text(encoding="utf-8")
    assert text.count("<entry>") == 2 and text.index("Exports rose again.") < text.index("Exports rose.<")
    assert "First edition." not in text   # issue 32: every entry said it; a first edition's summary is its headline
    assert publish.recorded_names(out) == []   # the feed's history is not taken for a report


def test_the_data_package_validates_and_holds_the_dataset(built_default_reports):
    import json

    from frictionless import validate

    from helpers.data.dataset import load_dataset

    pkg = built_default_reports.out / "data" / "datapackage.json"
    report = validate(str(pkg))
    assert report.valid, report.flatten(["resource", "type", "note"])[:10]
    desc = json.loads(pkg.read_text(encoding="utf-8"))
    ds = load_dataset()
    assert desc["licenses"][0]["name"] == "CC-BY-4.0" and len(desc["sources"]) == len(ds.sources)
    names = {r["name"]: r for r in desc["resources"]}
    assert set(names) == {"figures", "monthly", "sources", "events"}
    assert names["monthly"]["scope"]["tariff"] == "China's tariff line 8505.11.10"
    figures = list(csv.DictReader(open(built_default_reports.out / "data" / "figures.csv", encoding="utf-8")))
    assert len(figures) == len(ds.figures)
    monthly = list(csv.DictReader(open(built_default_reports.out / "data" / "monthly.csv", encoding="utf-8")))
    feb = next(r for r in monthly if r["partner"] == "WLD" and r["month"] == "2025-02")
    assert feb["status"] == "derived" and float(feb["low"]) < float(feb["tonnes"]) < float(feb["high"])


def test_every_generated_month_chapter_keeps_the_house_rules():
    """The month template writes every chapter after the hand-written ones (new data, no code)."""
    from nbconvert.filters import markdown2html

    from helpers.story import monthfacts
    from helpers.data.dataset import load_dataset
    from helpers.months import month_range

    ds = load_dataset()
    sources = [{"source_id": s, "outlet": "", "agency": ""} for s in ds.sources.source_id]
    problems = []
    for m in month_range("2024-01", ds.latest_month):
        md = monthfacts.month_chapter(monthfacts.month(ds, m), monthfacts.month(ds, m, "DE"))
        body, _ = bulletin.cite_sources('<div class="jp-Cell jp-MarkdownCell report-prose">' + markdown2html(md)
                                      + "</div>", sources)
        problems += [f"{m}: {v}" for v in proofread.violations(body)]
    assert problems == []


def test_a_curators_note_is_never_quoted_as_the_sources_remark():
    from helpers.story import monthfacts

    assert monthfacts.is_remark("lowest since February 2020")
    for note in ("Reuters (S10) says 5,774 t; see resolutions.csv", "HS 85051110", "about 6,146 t",
                 "4,343.5 t: disagrees with GAC"):
        assert not monthfacts.is_remark(note), note
