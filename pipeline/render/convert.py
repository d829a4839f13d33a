"""An executed notebook as a report: offline HTML through the ``magnet`` nbconvert template, then PDF.

The HTML shows no code, has a table of contents after the introduction, captioned
figures with alt text, the sources the report cites and a footer saying how it was
built; it loads nothing from outside. WeasyPrint prints it to PDF.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from helpers.errors import BuildError
from pipeline.render.bulletin import data_dir_name, report_card, data_index_html

#: The render templates (nbconvert's ``magnet`` template and the index page).
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The nbconvert template (``pipeline/render/templates/magnet``).
TEMPLATE = "magnet"
#: Cells that never appear in a report.
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell", "hide-cell"}
#: A maximal run of word characters and '-' (a source id is cited when it is one: :func:`cited_sources`).
WORD_RUN_RE = re.compile(r"[\w-]+")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EXTERNAL_RE = re.compile(r"""<script[^>]*\ssrc=|<link[^>]*\shref=["']?(https?:)?//|<img[^>]*\ssrc=["']?(https?:)?//"""
                         r"""|@import\s+url\(\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//""", re.I)

_EXPORTER = None


def exporter():
    """The HTML exporter with the ``magnet`` template, made once per process."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        from pipeline.render.preprocessors import ReportCitations, ReportData, ReportLayout, markdown_filter

        # no code is shown, so no syntax-highlighting stylesheet either
        config = Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}})
        ex = HTMLExporter(config=config, template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)])
        ex.exclude_input = True
        ex.exclude_input_prompt = True
        ex.exclude_output_prompt = True
        ex.embed_images = True
        ex.require_js_url = ""
        ex.mathjax_url = ""
        ex.mermaid_js_url = ""
        # the page's layout decided on the notebook (pipeline/render/preprocessors.py), laid out by the template
        ex.register_preprocessor(ReportLayout, enabled=True)
        ex.register_preprocessor(ReportData, enabled=True)
        ex.register_preprocessor(ReportCitations, enabled=True)
        ex.register_filter("markdown2html", markdown_filter(ex))
        _EXPORTER = ex
    return _EXPORTER


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on one line (no colour codes); whole by default, else cut at a word boundary.

    Messages that list many names summarise them where they are made
    (:func:`helpers.errors.listing`), so an error line is never cut mid-word.
    """
    text = " ".join(ANSI_RE.sub("", str(text)).split())
    if limit is None or len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip(" ,;:") + " …"


def notebook_title(nb, default: str) -> str:
    """The text of the first markdown cell's ``# Title`` line, as plain text: a value filled in from data
    arrives escaped for Markdown and HTML (:func:`helpers.text.escape`: ``Trinidad &amp; Tobago``), and
    every page, the feed and the PDF's metadata escape the title once themselves."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.match(r"^\s*#\s+(.+)$", cell.source, re.M)
            return plain_text(m.group(1).strip()) if m else default
    return default


def plain_text(markdown: str) -> str:
    """Markdown text as a reader reads it: backslash escapes and HTML entities undone."""
    return html.unescape(re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", markdown))


def _has_sources_section(nb) -> bool:
    """True when the notebook has its own sources: an element ``id="sources"`` or a "Sources" heading."""
    pattern = re.compile(r"""id\s*=\s*["']sources["']""", re.I)
    heading = re.compile(r"^\s{0,3}#{1,3}\s+Sources\s*#*\s*$", re.I | re.M)
    for cell in nb.cells:
        if pattern.search(cell.source) or (cell.cell_type == "markdown" and heading.search(cell.source)):
            return True
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if any(pattern.search(str(data.get(m, ""))) for m in ("text/html", "text/markdown")):
                return True
    return False


def cited_sources(nb, sources: list[dict]) -> list[dict]:
    """The sources whose ids the report's text or outputs mention (all of them when none is found)."""
    text = "\n".join([c.source for c in nb.cells] + [
        str(o.get("data", {}).get(m, "")) + str(o.get("text", ""))
        for c in nb.cells for o in c.get("outputs", []) for m in ("text/html", "text/markdown", "text/plain")])
    # An id made of word characters and '-' is cited when it is a whole run of them in the text (what
    # the pattern below matches): one pass over the text for every such id, not one search per source
    # (the outputs hold the figures' base64 PNGs: a few hundred kB per report).
    runs = None
    cited = []
    for s in sources:
        sid = s["source_id"]
        if WORD_RUN_RE.fullmatch(sid):
            if runs is None:
                runs = set(WORD_RUN_RE.findall(text))
            found = sid in runs
        else:
            found = re.search(rf"(?<![\w-]){re.escape(sid)}(?![\w-])", text) is not None
        if found:
            cited.append(s)
    return cited or sources


def _prepare(nb):
    """Drop what a reader must not see: parameter cells, tagged cells, stderr, empty code cells."""
    cells = []
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def render_html(nb, meta: dict, sources: list[dict]) -> str:
    """The report's HTML: the template with its layout (:class:`~pipeline.render.preprocessors.ReportLayout`),
    checked to fetch nothing."""
    return _export(nb, meta, sources)[0]


def _export(nb, meta: dict, sources: list[dict]) -> tuple[str, dict]:
    """:func:`render_html`'s page, and nbconvert's resources: ``magnet_data`` holds the CSV of each
    figure and table (:class:`~pipeline.render.preprocessors.ReportData`)."""
    title = meta["title"]
    edition = meta.get("edition", "")
    nb = _prepare(nb)
    nb.metadata["title"] = f"{title} — {edition}" if edition else title
    magnet = dict(meta, sources=[] if meta.get("no_sources") or _has_sources_section(nb) else cited_sources(nb, sources))
    # the layout (heading ids, the edition and what's new, the contents, headings kept with their
    # section) is the template's, from what the ReportLayout preprocessor reads in the notebook
    body, resources = exporter().from_notebook_node(nb, resources={"magnet": magnet})
    bad = EXTERNAL_RE.search(body)
    if bad:
        raise BuildError(f"report '{meta['name']}': the HTML would load an external resource "
                         f"({one_line(body[bad.start():bad.start() + 80])})")
    return body, resources


_FONT_CONFIG: tuple | None = None


def _font_config(body: str):
    """WeasyPrint's font configuration (fontconfig and Pango's font map), one per process for every
    report that declares no font of its own (``@font-face``, which would stay in it for the next
    reports); the others get a fresh one, as WeasyPrint gives every document by default.

    Shared, the fonts stay loaded and their shaping caches warm from one report to the next: about
    an eighth of a report's PDF time, for byte-identical PDFs."""
    global _FONT_CONFIG
    from weasyprint.text.fonts import FontConfiguration

    if "@font-face" in body.lower():
        return FontConfiguration()
    if _FONT_CONFIG is None or _FONT_CONFIG[0] != os.getpid():  # never one inherited through fork
        _FONT_CONFIG = (os.getpid(), FontConfiguration())
    return _FONT_CONFIG[1]


#: SVG names with capitals that an HTML parser lower-cases (what matplotlib's SVG uses).
SVG_CAMEL_CASE = ("viewBox", "clipPath", "patternUnits", "preserveAspectRatio", "clipPathUnits", "gradientUnits")
#: The text width of a printed page (A4, 16 mm margins in report.css), in mm.
PRINT_WIDTH_MM = 178.0
SVG_CHART_RE = re.compile(r'<svg\b[^>]*class="report-chart"[^>]*>.*?</svg>', re.S)


def charts_as_images(body: str) -> str:
    """Inline SVG charts as SVG images (``data:image/svg+xml``) for print: still vector in the PDF, and
    WeasyPrint draws them without computing CSS for each of their hundreds of elements (a quarter
    faster); the hover titles only matter on screen."""
    import base64

    def img(m):
        svg = m.group(0)
        label = re.search(r'aria-label="([^"]*)"', svg)
        # the size in print: the page's text width at most (A4 less the margins of report.css), the
        # chart's own proportions (WeasyPrint keeps an image's intrinsic height under width: 100%)
        # as XML again: the HTML round trip lower-cased SVG's camel-case names (viewBox, clipPath, ...)
        for name in SVG_CAMEL_CASE:
            svg = re.sub(rf"(?<=[<\s/]){name.lower()}(?=[\s=>/])", name, svg)
        head = svg[: svg.find(">")]
        width, height = (re.search(rf'\s{a}="([\d.]+)pt"', head) for a in ("width", "height"))
        style = ""
        if width and height:
            w, h = (float(x.group(1)) * 25.4 / 72 for x in (width, height))
            scale = min(1.0, PRINT_WIDTH_MM / w)
            style = f' style="width:{w * scale:.1f}mm;height:{h * scale:.1f}mm;max-width:none"'
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return (f'<img class="report-chart" src="data:image/svg+xml;base64,{data}"{style} '
                f'alt="{label.group(1) if label else ""}">')

    return SVG_CHART_RE.sub(img, body)


def render_pdf(body: str, target: Path) -> None:
    """Print the HTML to PDF with WeasyPrint, fetching nothing beyond data: and file: URLs."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data", "file"})
    body = charts_as_images(body)
    # no base URL: the report carries its styles, fonts and charts inside it, and its links to the data
    # beside it ("NAME.data/figure-1.csv") stay relative, so they work wherever the PDF is published and
    # the PDF does not depend on the folder it was printed in
    HTML(string=body, base_url=None, url_fetcher=fetcher).write_pdf(str(target), font_config=_font_config(body))


# --------------------------------------------------------------------------- the bulletin layer
# What a reader meets: the headline and main points on page 1 (then what's new), sources as compact
# numbered markers linking to a list of only the sources the report cites (originals before relays),
# each derived value linked to its method note, a "Data (CSV)" link under every figure and table
# (the values drawn, written beside the report), and the true minus sign in tables: all decided on
# the notebook by the preprocessors (ReportLayout, ReportData, ReportCitations), laid out by the template.


def render_report(nb, meta: dict, sources: list[dict], staging: Path, stated: dict | None = None) -> str:
    """The report's HTML (:func:`render_html` with the bulletin layer), its figures' and tables' CSVs
    written into ``staging/NAME.data/``."""
    import shutil

    from pipeline.render.safecsv import neutralise_csv

    # cited sources, method notes and their sections by the ReportCitations preprocessor and the template
    body, resources = _export(nb, dict(meta, no_sources=True, cite={"sources": sources, "stated": stated}), sources)
    files = resources["magnet_data"]
    folder = Path(staging) / data_dir_name(meta["name"])
    shutil.rmtree(folder, ignore_errors=True)
    if files:
        folder.mkdir(parents=True)
        for fname, text in files.items():
            (folder / fname).write_text(neutralise_csv(text), encoding="utf-8")   # no formulas (OWASP)
        (folder / "index.html").write_text(data_index_html(meta, body, files), encoding="utf-8")
    (Path(staging) / f"{meta['name']}.card.json").write_text(
        json.dumps(report_card(nb, meta, body, stated), ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return body


