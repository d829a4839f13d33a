"""The bulletin layer of a report page, one fragment (a cell's or an output's HTML) at a time: cited
sources as numbered markers, derived values linked to their method notes; the data folder's index and
the report's card."""

from __future__ import annotations


import html
import json
import re

#: A run of source markers as the facts write them: ``(S3, S72)``, ``(sources S1, S2)``, ``[S29, S48]``.
MARKER_RE = re.compile(r"\s?[(\[](?:sources? )?(S\d+(?:,\s*S\d+)*)[)\]]")

SOURCE_ID_RE = re.compile(r"(?<![\w-])S\d+(?![\w-])")


def data_dir_name(name: str) -> str:
    """The folder beside a report that holds its figures' and tables' CSVs."""
    return f"{name}.data"

def _origin_key(s: dict) -> tuple:
    """Originals before relays: sources grouped by the original release or story they relay (their
    ``origin_id``, once the origin register is on file), the earliest page of each first; without it,
    by the agency they carry, the agency's own page before the pages that relay it."""
    if s.get("origin_id"):
        oid = str(s["origin_id"])
        return (int(oid[1:]) if oid[1:].isdigit() else 0, oid, 0, str(s.get("published", "")))
    agency = str(s.get("agency") or "")
    outlet = str(s.get("outlet") or "")
    original = not agency or agency.lower() in outlet.lower() or outlet.lower() in agency.lower()
    return (10**9, agency.replace(" (relayed)", "").lower(), 0 if original else 1, str(s.get("published", "")))

#: A notebook's own sources section (the page lists the sources the report cites instead).
OWN_SOURCES_RE = re.compile(r'<section id="sources" class="report-sources">.*?</section>', re.S)
#: Where a fragment of the page is an SVG chart or a script (a CSV block): not running text.
_NOT_TEXT_RE = re.compile(r"(<svg\b.*?</svg>|<script\b.*?</script>)", re.S)


def source_ids(fragment: str) -> list[str]:
    """The source ids a fragment of the page shows a reader, in order: in its text, and in the
    tooltips (``<title>``) of its charts' marks; never in attributes, CSV blocks or other SVG text."""
    found = []
    for i, part in enumerate(_NOT_TEXT_RE.split(fragment)):
        seen = (re.sub(r"<[^>]+>", " ", part) if i % 2 == 0 else
                " ".join(re.findall(r"<title>([^<]*)</title>", part)) if part.startswith("<svg") else "")
        found += [sid for sid in SOURCE_ID_RE.findall(seen) if sid not in found]
    return found


def numbered(cited_ids: list[str], sources: list[dict]) -> list[dict]:
    """The cited sources (ids in the order the page first cites them), originals before relays,
    each with its ``number`` in that order."""
    known = {s["source_id"]: s for s in sources}
    cited = sorted((known[sid] for sid in dict.fromkeys(cited_ids) if sid in known), key=_origin_key)
    return [dict(s, number=n) for n, s in enumerate(cited, 1)]


def cite(fragment: str, number: dict[str, int]) -> str:
    """One fragment of the page (a cell's HTML, an output's) with its source ids as numbered markers
    linking to the list: ``(S3, S72)`` -> superscript ``[3,7]``, a bare id (tables) -> ``[n]``, a chart
    tooltip's id -> ``[n]``; ids in attributes (``source-S3``) stay."""

    def marker(ids: list[str]) -> str:
        links = ",".join(f'<a href="#source-{sid}" class="cite" aria-label="source {number[sid]}">{number[sid]}</a>'
                         for sid in ids if sid in number)
        return f'<sup class="cites">[{links}]</sup>' if links else ""

    def in_text(segment: str) -> str:
        segment = MARKER_RE.sub(lambda m: marker([x.strip() for x in m.group(1).split(",")])
                                if all(x.strip() in number for x in m.group(1).split(",")) else m.group(0), segment)
        return SOURCE_ID_RE.sub(lambda m: (f'<a href="#source-{m.group(0)}" class="cite">[{number[m.group(0)]}]</a>'
                                           if m.group(0) in number else m.group(0)), segment)

    parts = _NOT_TEXT_RE.split(fragment)
    for i, part in enumerate(parts):
        if i % 2 == 0:   # only text between tags (or at the fragment's ends), never attributes
            parts[i] = re.sub(r"(^|>)([^<]+)(?=<|$)", lambda m: m.group(1) + in_text(m.group(2)), part)
        elif part.startswith("<svg"):   # a tooltip names the sources by their number in the list
            parts[i] = re.sub(r"<title>([^<]*)</title>", lambda m: "<title>" + SOURCE_ID_RE.sub(
                lambda s: f"[{number[s.group(0)]}]" if s.group(0) in number else s.group(0), m.group(1)) + "</title>",
                part)
    return "".join(parts)


def cite_sources(fragment: str, sources: list[dict]) -> tuple[str, list[dict]]:
    """Source ids in one fragment of HTML as numbered markers (:func:`cite`); returns the HTML and the
    cited sources, originals before relays, numbered in that order."""
    cited = numbered(source_ids(fragment), sources)
    return cite(fragment, {s["source_id"]: s["number"] for s in cited}), cited


def derived_notes(stated: dict | None) -> list[dict]:
    """The method notes a report may link to, in the order the facts were stated: each derived value's
    text as the page shows it (``html``, escaped), its fact's ``key``, anchor, label and note. A fact
    stated in several words comes once for each: the page links the first it shows, once."""
    records, notes = [], []
    for rec in (stated or {}).values():  # each stated fact, and the facts stated inside one (a sentence of months)
        records.append(rec)
        records += [{"text": part.get("text", ""), "fact": part} for part in (rec.get("fact") or {}).get("parts", [])]
    for rec in records:
        fact = rec.get("fact") or {}
        if fact.get("status") != "derived" or not fact.get("note"):
            continue
        notes.append({"key": fact["key"], "html": html.escape(rec["text"], quote=False),
                      "id": "method-" + re.sub(r"[^A-Za-z0-9]+", "-", fact["key"]).strip("-").lower(),
                      "label": note_label(rec["text"]), "note": fact["note"]})
    return notes


def link_note(fragment: str, note: dict) -> str:
    """The first place ``fragment`` shows a derived value's text, linked to its method note."""
    return fragment.replace(note["html"], f'<a href="#{note["id"]}" class="method-link">{note["html"]}</a>', 1)


def note_label(what: str) -> str:
    """A method note's label: the value as the prose states it, without how it was worked out
    (``about 3,550 t, worked out from …`` -> ``about 3,550 t``; never cut at a thousands comma)."""
    return re.split(r",\s+(?=worked out|derived|the sum)", what, maxsplit=1)[0]


def date_label(value: str) -> str:
    """A source's publication date as the sources list writes it."""
    from helpers.text import date_name

    try:
        return date_name(str(value)) if value else "date not known"
    except ValueError:
        return str(value)

#: Who each notebook's reports are for (the index says it under each entry); a notebook may say it
#: itself in its metadata (``{"magnet": {"audience": "..."}}``).
AUDIENCE_DEFAULT = "Anyone following China's rare-earth magnet exports."

def report_card(nb, meta: dict, body: str, stated: dict | None) -> dict:
    """What the index and the feed show of a report: its headline, main points, audience, month."""
    head = re.search(r'report-headline"[^>]*>\s*<p>(.*?)</p>', body, re.S)
    points = re.search(r'<section[^>]*class="report-points"[^>]*>(.*?)</section>', body, re.S)
    question = re.search(r"<strong>The question:</strong>\s*(.*?)</p>", body, re.S)
    fresh = re.search(r'<li class="freshness">(.*?)</li>', points.group(1), re.S) if points else None

    def plain(fragment: str) -> str:
        fragment = re.sub(r'<sup class="cites">.*?</sup>', "", fragment, flags=re.S)
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
        return re.sub(r" ([.,;:])", r"\1", text)   # a tag's space before punctuation is not the sentence's

    try:
        as_of = json.loads((meta.get("parameters") or {}).get("as_of", '""'))
    except (TypeError, ValueError):
        as_of = ""
    title, edition = meta.get("title", meta["name"]), meta.get("edition", "")
    # editions of one notebook differ in their titles: the edition is part of it (as in the page's <title>)
    return {"title": f"{title} — {edition}" if edition else title, "edition": edition,
            "headline": plain(head.group(1)) if head else "",
            "points": [plain(li) for li in re.findall(r"<li[^>]*>(.*?)</li>", points.group(1), re.S)] if points else [],
            # how fresh the data are (page 1's freshness line, a judged statement), for the index
            "freshness": plain(fresh.group(1)) if fresh else "",
            # what the report answers: its own question, as its first page asks it
            "audience": (plain(question.group(1)) if question else
                         (nb.metadata.get("magnet") or {}).get("audience") or AUDIENCE_DEFAULT),
            "as_of": as_of if isinstance(as_of, str) else "", "built": meta.get("built", ""),
            "news": (meta.get("news") or {}).get("summary", "")}

def data_index_html(meta: dict, body: str, files: dict[str, str]) -> str:
    """A page in the report's data folder listing its CSVs, each with what it holds."""
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", body, re.S)
    rows = []
    for fname in files:
        kind, n = fname[:-4].split("-")
        what = (html.unescape(re.sub(r"<[^>]+>", "", captions[int(n) - 1])) if kind == "figure" and int(n) <= len(captions)
                else f"Table {n} of the report, as shown, with its provenance")
        rows.append(f'<li><a href="{fname}">{fname}</a>: {html.escape(what)}</li>')
    title = html.escape(f"Data behind “{meta.get('title', meta['name'])}”")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body><main>'
            f"<h1>{title}</h1><p>Each file holds exactly the values a figure draws or a table shows, with where each "
            f"comes from (sources are the ids of the data package's source list).</p><ul>{''.join(rows)}</ul>"
            f'<p><a href="../{html.escape(meta["name"])}.html">Back to the report</a> · '
            f'<a href="../data/datapackage.json">the whole dataset</a></p></main></body></html>')
