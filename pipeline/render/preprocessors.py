"""The report page decided on the notebook, before nbconvert exports it, and laid out by the
``magnet`` template (``pipeline/render/templates/magnet/index.html.j2``).

:class:`ReportLayout` is an nbconvert preprocessor: it reads the executed notebook's Markdown (cells and
Markdown outputs) and writes into the cells' and outputs' metadata (``magnet_layout``) what the template
needs to lay out the page:

- each heading's id, an ASCII slug unique in the page (nbconvert keeps em dashes and colons, which PDF
  links cannot resolve);
- the cell after whose title the edition goes, and the one after whose main points "what's new" goes;
- the table of contents (every h2 and h3 with an id) and the cell it goes before: the first section of
  the report itself, after the headline, the main points and what's new;
- a cell that is only a heading and the cell after it, which the template keeps on one page.

:class:`ReportData` takes each figure's and table's CSV out of its HTML output (the build writes it
beside the report; the template writes a "Data (CSV)" link in its place) and gives the outputs' table
cells the true minus sign.

:class:`ReportCitations` numbers the sources the report cites and finds where each derived value is first
shown: it rewrites the HTML outputs (source ids as numbered markers, derived values linked to their method
notes), records for each Markdown cell or output the notes to link (``magnet_layout.notes``, the filter
links them and writes the markers), drops a notebook's own sources section, and gives the template the
method notes and the sources list (``resources["magnet_cite"]``), written before the footer.

:func:`markdown_filter` is the exporter's ``markdown2html`` filter: nbconvert's own renderer, with the
headings given the ids the preprocessor chose (and the edition after the title).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from xml.etree import ElementTree

from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.filters.strings import html2text
from nbconvert.preprocessors import Preprocessor

from pipeline.render import bulletin
from pipeline.render.bulletin import data_dir_name

#: Where the layout is written, in a cell's or an output's metadata (on nbconvert's copy of the notebook).
KEY = "magnet_layout"
#: The mimetypes nbconvert's HTML exporter prefers to Markdown in an output (its display priority).
_BEFORE_MARKDOWN = ("application/vnd.jupyter.widget-view+json", "application/javascript", "text/html")


def _slug(text: str, seen: set) -> str:
    """An ASCII slug of ``text`` not in ``seen`` (``-2``, ``-3``, ... when it is), added to ``seen``."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    slug, i = base, 2
    while slug in seen:
        slug, i = f"{base}-{i}", i + 1
    seen.add(slug)
    return slug


class ReportRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer whose headings take the ids given (in order), not nbconvert's own.

    With ``record`` (a list), it records each heading as ``(level, text)`` instead (``text`` None where
    nbconvert gives the heading no id: it could not read it). ``after_h1`` goes right after the first
    level-1 heading.
    """

    def __init__(self, *args, ids=None, record=None, after_h1="", **kwargs):
        super().__init__(*args, **kwargs)
        self._ids = iter(ids or ())
        self._record = record
        self._after_h1 = after_h1

    def heading(self, text, level, **attrs):
        # the heading as mistune writes it, then the id and anchor link as nbconvert's add_anchor adds them
        html = super(IPythonRenderer, self).heading(text, level, **attrs)
        try:
            h = ElementTree.fromstring(html)
        except Exception:   # as nbconvert: a heading it cannot read keeps no id
            h = None
        if self._record is not None:
            self._record.append((level, None if h is None else html2text(h)))
        elif h is not None and not self.exclude_anchor_links:
            anchor = next(self._ids)
            h.set("id", anchor)
            link = ElementTree.SubElement(h, "a", {"class": "anchor-link", "href": "#" + anchor})
            link.text = self.anchor_link_text
            html = ElementTree.tostring(h).decode("utf-8")
        if level == 1 and self._after_h1:
            html, self._after_h1 = html + self._after_h1, ""
        return html


def headings(source: str) -> list[tuple[int, str | None]]:
    """The headings of a Markdown text as ``(level, text as a reader reads it)``, in order."""
    record: list = []
    MarkdownWithMath(renderer=ReportRenderer(escape=False, record=record)).render(source)
    return record


def heading_only(source: str) -> bool:
    """True when a Markdown text begins and ends with a heading of level 2 to 4 (a section's heading
    cell, which goes on the page of the cell after it)."""
    blocks = [t for t in MarkdownWithMath(renderer=None).parse(source)[0] if t["type"] != "blank_line"]
    return bool(blocks) and all(b["type"] == "heading" and 2 <= b["attrs"]["level"] <= 4
                                for b in (blocks[0], blocks[-1]))


def _markdown_outputs(cell) -> list:
    """The outputs of a code cell the HTML exporter shows as Markdown."""
    return [o for o in cell.get("outputs", []) if o.get("output_type") in ("display_data", "execute_result")
            and "text/markdown" in o.get("data", {}) and not any(m in o["data"] for m in _BEFORE_MARKDOWN)]


def _layout(node) -> dict:
    return node.setdefault("metadata", {}).setdefault(KEY, {})


class ReportLayout(Preprocessor):
    """Heading ids, the edition and what's new, the contents and the headings kept with their section,
    written into the metadata of nbconvert's copy of the notebook for the ``magnet`` template.

    ``resources["magnet"]`` gives the edition and what's new (``edition``, ``news``); the preprocessor
    adds ``resources["magnet_layout"]``: the contents (``toc``), and ``toc_at_main`` when they go at
    the top of the page (no section heading after what's new).
    """

    def preprocess(self, nb, resources):
        magnet = resources.get("magnet") or {}
        edition, news = magnet.get("edition") or "", magnet.get("news") or {}
        news_kind = "lines" if news.get("lines") else "summary" if news.get("summary") and news.get("since") else ""
        cells = nb.cells
        units = []   # (cell index, the cell or output whose metadata holds the ids, its Markdown)
        for i, cell in enumerate(cells):
            if cell.cell_type == "markdown":
                units.append((i, cell, cell.source))
            elif cell.cell_type == "code":
                units += [(i, out, out["data"]["text/markdown"]) for out in _markdown_outputs(cell)]
        found = [headings(source) for _, _, source in units]

        # the title: the first Markdown cell with a level-1 heading; the edition goes right after it
        title = next((i for (i, node, _), hs in zip(units, found)
                      if node is cells[i] and any(level == 1 for level, _ in hs)), None)
        # what's new goes after the main points (a cell tagged main-points), else after the title
        news_at = None
        if title is not None and (edition or news_kind):
            _layout(cells[title])["edition"] = edition
            if news_kind:
                news_at = self._points(cells)
                if news_at is None:
                    _layout(cells[title])["news"] = news_kind
                    news_at = (title, cells[title])
                else:
                    _layout(news_at[1])["news"] = news_kind
        resources["magnet_news"] = news_kind

        # heading ids, in the page's order, and the contents: every h2 and h3 with an id and a text; they go
        # before the first section of the report itself (a cell with an h2), after what's new
        seen: set = set()
        toc: list[dict] = []
        toc_at, started = None, news_at is None
        for i in range(len(cells)):
            for (_, node, _), hs in ((u, h) for u, h in zip(units, found) if u[0] == i):
                ids = []
                for level, text in hs:
                    if text is None:
                        continue
                    ids.append(_slug(text, seen))
                    if level in (2, 3) and text.strip():
                        toc.append({"level": level, "id": ids[-1], "text": text.strip()})
                    if level == 2 and started and toc_at is None:
                        toc_at = i
                _layout(node)["ids"] = ids
            if news_at is not None and i == news_at[0]:
                if news_kind == "lines":
                    heading = f"What's new since the previous edition ({news['since']})"
                    _layout(news_at[1])["news_id"] = _slug(heading, seen)
                    toc.append({"level": 2, "id": _layout(news_at[1])["news_id"], "text": heading})
                started = True
        resources["magnet_layout"] = {"toc": _nested(toc), "toc_at_main": toc_at is None}
        if toc_at is not None:
            _layout(cells[toc_at])["toc"] = True

        # a cell that is only a section's heading is kept on one page with the cell after it
        taken = -1
        for i, cell in enumerate(cells[:-1]):
            tags = cell.metadata.get("tags", [])
            if (i > taken and cell.cell_type == "markdown" and not {"headline", "main-points"} & set(tags)
                    and heading_only(cell.source) and i + 1 != toc_at):
                _layout(cell)["keep_open"] = True
                _layout(cells[i + 1])["keep_close"] = True
                taken = i + 1
        return nb, resources

    @staticmethod
    def _points(cells):
        """The main points: the first cell tagged ``main-points`` (a code cell: its first HTML output)."""
        for i, cell in enumerate(cells):
            if "main-points" in cell.metadata.get("tags", []):
                if cell.cell_type == "markdown":
                    return i, cell
                html = [o for o in cell.get("outputs", []) if "text/html" in o.get("data", {})]
                if html:
                    return i, html[0]
        return None


def _nested(items: list[dict]) -> list[dict]:
    """The contents as the template lists them: h2 entries, each with its h3 entries (``sub``); an h3
    before the first h2 is an entry of its own."""
    out: list[dict] = []
    for item in items:
        if item["level"] == 3 and out:
            out[-1]["sub"].append(item)
        else:
            out.append(dict(item, sub=[]))
    return out


def markdown_filter(exporter):
    """The exporter's ``markdown2html`` filter: as nbconvert's own, with the ids :class:`ReportLayout`
    chose for the cell's (or output's) headings, and ``after_h1`` after its first level-1 heading."""
    from jinja2 import pass_context

    @pass_context
    def markdown2html(context, source, after_h1=""):
        cell = context.get("cell", {})
        output = context.get("output")
        node = output if output is not None else cell
        ids = (node.get("metadata", {}).get(KEY) or {}).get("ids", [])
        renderer = ReportRenderer(
            escape=False, attachments=cell.get("attachments", {}), embed_images=exporter.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=exporter.anchor_link_text, exclude_anchor_links=exporter.exclude_anchor_links,
            ids=ids, after_h1=after_h1, **exporter.lexer_options)
        page = MarkdownWithMath(renderer=renderer).render(source)
        cited = context.get("resources", {}).get("magnet_cite")
        if cited is None:
            return page
        for note in (node.get("metadata", {}).get(KEY) or {}).get("notes", []):
            page = bulletin.link_note(page, note)
        return bulletin.cite(page, cited["numbers"])

    return markdown2html


class _Locator(HTMLParser):
    """Where, in one output's HTML, its data blocks are (``<script class="magnet-data" data-kind=...>``,
    the CSV a figure or table carries: :func:`helpers.charts.figures.data_block`) and the table cells whose
    text begins with a hyphen-minus before a digit, as offsets into the text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.text = text
        self.lines = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        self.blocks: list[tuple[int, int, str, str]] = []   # (start, end, kind, CSV as written)
        self.minus: list[int] = []
        self._cell: int | None = None   # where the text of the table cell just opened begins
        self._block = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self._offset()
        end = start + len(self.get_starttag_text())
        attrs = dict(attrs)
        if tag == "script" and attrs.get("class") == "magnet-data" and attrs.get("data-kind") in ("figure", "table"):
            self._block = (start, end, attrs["data-kind"])
        self._cell = end if tag == "td" else None

    def handle_data(self, data):
        if self._cell is not None and self._offset() == self._cell:
            lead = len(data) - len(data.lstrip())
            if data[lead:lead + 1] == "-" and data[lead + 1:lead + 2].isdigit():
                self.minus.append(self._cell + lead)
        self._cell = None

    def handle_endtag(self, tag):
        if tag == "script" and self._block:
            start, inner, kind = self._block
            close = self._offset()
            self.blocks.append((start, self.text.index(">", close) + 1, kind, self.text[inner:close]))
            self._block = None
        self._cell = None

    def handle_entityref(self, name):
        self._cell = None

    handle_charref = handle_comment = handle_entityref


def data_parts(text: str, name: str, counts: dict) -> tuple[list[dict], dict[str, str]]:
    """An output's HTML as the template writes it: its pieces of HTML (``{"html": ...}``, a table cell's
    leading hyphen-minus made the true minus sign) and, where a figure's or table's CSV was, a "Data
    (CSV)" link to the file the build writes beside the report (``{"kind", "number", "href"}``; ``counts``
    numbers them through the page). Returns the parts and ``{file name: CSV text}``."""
    found = _Locator(text)
    found.feed(text)
    found.close()
    chars = list(text)
    for at in found.minus:
        chars[at] = "\u2212"
    text = "".join(chars)
    parts: list[dict] = []
    files: dict[str, str] = {}
    pos = 0
    for start, end, kind, csv in found.blocks:
        counts[kind] = counts.get(kind, 0) + 1
        fname = f"{kind}-{counts[kind]}.csv"
        files[fname] = html.unescape(csv.removeprefix("\n"))
        parts += [{"html": text[pos:start]},
                  {"kind": kind, "number": counts[kind], "href": f"{data_dir_name(name)}/{fname}"}]
        pos = end
    parts.append({"html": text[pos:]})
    return parts, files


class ReportData(Preprocessor):
    """The data beside the report: every figure's and table's CSV taken out of its HTML output into
    ``resources["magnet_data"]`` (``{file name: CSV}``), the template writing a "Data (CSV)" link in its
    place; and the true minus sign in the outputs' table cells. The output's pieces go in its metadata
    (``magnet_layout.parts``)."""

    def preprocess(self, nb, resources):
        name = (resources.get("magnet") or {}).get("name", "report")
        counts: dict = {}
        files: dict[str, str] = {}
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "text/html" not in data or any(m in data for m in _BEFORE_MARKDOWN[:2]):
                    continue
                parts, found = data_parts(data["text/html"], name, counts)
                files.update(found)
                if found:
                    _layout(out)["parts"] = parts
                else:
                    data["text/html"] = parts[0]["html"]
        resources["magnet_data"] = files
        return nb, resources


def _markdown_html(source: str) -> str:
    """A Markdown text as the page shows it, but for its headings' ids (what :class:`ReportCitations`
    searches for source ids and derived values)."""
    return MarkdownWithMath(renderer=ReportRenderer(escape=False, record=[])).render(source)


def _shown(out) -> tuple[str, str] | None:
    """How the HTML exporter shows an output, as ``(mimetype, HTML)``: an HTML output (its pieces
    between data links, :class:`ReportData`), Markdown, SVG or text; None for what shows no text."""
    if out.get("output_type") == "stream":
        return "text", html.escape(out.get("text", ""))
    data = out.get("data", {})
    if any(m in data for m in _BEFORE_MARKDOWN[:2]):
        return None
    if "text/html" in data:
        parts = (out.get("metadata", {}).get(KEY) or {}).get("parts")
        return "text/html", "".join(p.get("html", "") for p in parts) if parts else data["text/html"]
    if "text/markdown" in data:
        return "text/markdown", _markdown_html(data["text/markdown"])
    if "image/svg+xml" in data:
        return "image/svg+xml", data["image/svg+xml"]
    if "text/plain" in data and not any(m.startswith("image/") for m in data):
        return "text", html.escape(data["text/plain"])
    return None


class ReportCitations(Preprocessor):
    """The sources a report cites as numbered markers linking to a list of them, each derived value linked
    (where the page first shows it) to its method note, and a notebook's own sources section left out.

    Runs when ``resources["magnet"]["cite"]`` gives the sources on file (``sources``) and the facts the
    report states (``stated``); adds ``resources["magnet_cite"]``: ``numbers`` (``{source id: number}``),
    ``sources`` (the cited ones in their order, as the list writes them) and ``notes`` (the method notes
    linked, in their order); and ``resources["magnet_news_lines"]``, what's new as the page writes its
    lines (their sources' markers; the values' notes when it is where the page first shows them). HTML and SVG outputs are rewritten here; a Markdown cell or output gets
    the notes to link in its metadata (``magnet_layout.notes``), the ``markdown2html`` filter linking
    them and writing the markers. Text outputs are searched, not rewritten (they cannot hold a link).
    """

    def preprocess(self, nb, resources):
        cite = (resources.get("magnet") or {}).get("cite")
        if cite is None:
            return nb, resources
        units = []   # [the cell or output, its mimetype, its HTML as the page shows it], in the page's order
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = bulletin.OWN_SOURCES_RE.sub("", cell.source)
                units.append([cell, "text/markdown", _markdown_html(cell.source)])
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                data = out.get("data", {})
                for m in ("text/html", "text/markdown"):
                    if m in data:
                        data[m] = bulletin.OWN_SOURCES_RE.sub("", data[m])
                for part in (out.get("metadata", {}).get(KEY) or {}).get("parts", []):
                    if "html" in part:
                        part["html"] = bulletin.OWN_SOURCES_RE.sub("", part["html"])
                shown = _shown(out)
                if shown:
                    units.append([out, *shown])
        # what's new, where ReportLayout put it: its lines name the sources of revised values
        news = ((resources.get("magnet") or {}).get("news") or {}).get("lines", [])[:30]
        if news and resources.get("magnet_news") == "lines":
            at = next((n for n, u in enumerate(units) if (u[0].get("metadata", {}).get(KEY) or {}).get("news")), None)
            if at is not None:
                units.insert(at + 1, [news, "news", "".join(f"<li>{html.escape(line)}</li>" for line in news)])

        # each derived value's note, linked where the page first shows the value (text outputs cannot link)
        notes = []
        for note in bulletin.derived_notes(cite.get("stated")):
            if any(n["key"] == note["key"] for n in notes):
                continue
            unit = next((u for u in units if u[1] != "text" and note["html"] in u[2]), None)
            if unit is not None:
                unit[2] = bulletin.link_note(unit[2], note)
                unit.append(note)
                notes.append(note)

        cited = bulletin.numbered([sid for u in units for sid in bulletin.source_ids(u[2])], cite.get("sources", []))
        numbers = {s["source_id"]: s["number"] for s in cited}
        for node, mimetype, shown, *linked in units:
            if mimetype == "news":   # each line as the template writes it, linked and cited
                lines = [html.escape(line) for line in node]
                for note in linked:
                    at = next((n for n, line in enumerate(lines) if note["html"] in line), None)
                    if at is not None:
                        lines[at] = bulletin.link_note(lines[at], note)
                resources["magnet_news_lines"] = [bulletin.cite(line, numbers) for line in lines]
                continue
            parts = (node.get("metadata", {}).get(KEY) or {}).get("parts") if mimetype == "text/html" else None
            if mimetype == "text/markdown":   # the filter links them where it renders the Markdown
                if linked:
                    _layout(node)["notes"] = [{"html": n["html"], "id": n["id"]} for n in linked]
            elif parts:   # an HTML output around data links: each note in the first piece showing it
                pieces = [p for p in parts if "html" in p]
                for note in linked:
                    piece = next((p for p in pieces if note["html"] in p["html"]), None)
                    if piece is not None:
                        piece["html"] = bulletin.link_note(piece["html"], note)
                for piece in pieces:
                    piece["html"] = bulletin.cite(piece["html"], numbers)
            elif mimetype != "text":
                node["data"][mimetype] = bulletin.cite(shown, numbers)
        resources["magnet_cite"] = {"numbers": numbers, "notes": notes, "sources": [
            {"id": s["source_id"], "number": s["number"], "outlet": str(s.get("outlet", "")),
             "agency": str(s["agency"]) if s.get("agency") else "", "url": str(s["url"]) if s.get("url") else "",
             "title": str(s.get("title", "")), "published": bulletin.date_label(s.get("published", ""))}
            for s in cited]}
        return nb, resources
