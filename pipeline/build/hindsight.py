"""No hindsight: an edition "as known on" a date states nothing published after it.

A report built with ``as_known_on`` (a date, ``YYYY-MM-DD``) tells the story as it
could be told on that day. :func:`check` reads the executed notebook and finds

- **facts** stated with ``{eval}`` whose ``published`` date (when the figures they rest on
  were released: :class:`helpers.story.monthfacts.Fact`) is after the date;
- **dates and months named** in any Markdown cell (hand-written or filled in), any
  table, figure caption, alt text or chart text a code cell shows, that lie after the date:
  ``2025-10``, ``9 October 2025``, ``Oct 2025``, ``2026``; and in hand-written words, a month
  named without its year ("the October expansion"), read in the year the cell is about.

A month counts as named after the date when it had not begun on that day (July 2025
may be named on 21 July 2025, August may not); a year when it had not begun. The build
fails such a report with one line naming the cell, the way a typed number does.

A projection names the months it projects: a cell whose metadata says
``{"magnet": {"projection": true}}`` (a scenario table, a forecast chart) may name later
months; the facts it states are still checked by their release dates.
"""

from __future__ import annotations

import html
import re

from pipeline.render import inline

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"Sept": 9}
_FULL = {m: i + 1 for i, m in enumerate(MONTHS)}
_MONTH_WORD = "|".join(MONTHS)
_ABBR_WORD = "|".join(sorted(_ABBR, key=len, reverse=True))

#: A date or month, most specific first. Groups: iso (YYYY-MM[-DD]), day-month-year, month-day-year,
#: month-year (full or abbreviated), a bare year, a bare month name.
MENTION_RE = re.compile(
    r"(?P<iso>(?<![\w-])(?P<iy>20\d\d)-(?P<im>0[1-9]|1[0-2])(?:-(?P<id>[0-3]\d))?(?![\w]))"
    rf"|(?P<dmy>\b(?P<dd>[0-3]?\d)\s+(?P<dm>{_MONTH_WORD})\s+(?P<dy>20\d\d)\b)"
    rf"|(?P<mdy>\b(?P<mm>{_MONTH_WORD})\s+(?P<md>[0-3]?\d),?\s+(?P<my>20\d\d)\b)"
    rf"|(?P<my_>\b(?P<mo>{_MONTH_WORD}|{_ABBR_WORD})\.?\s+(?P<yr>20\d\d)\b)"
    r"|(?P<year>(?<![\w.,-])(?P<y>20\d\d)(?![\w-]|[.,]\d))"
    rf"|(?P<bare>\b(?P<bm>{_MONTH_WORD})\b)"
)


def mentions(text: str, default_year: int | None = None, bare: bool = True) -> list[tuple[str, str]]:
    """Every date, month or year ``text`` names: ``[(as written, first day YYYY-MM-DD)]``.

    A month named without its year is read in the year last named before it in the same
    text, else ``default_year`` (skipped when neither is known). "May" as a verb
    ("exports may rise") is lower case and never read as a month. ``bare=False`` skips months
    named without a year (in generated text, which a fact's own date vouches for).
    """
    out, year = [], default_year
    for m in MENTION_RE.finditer(text):
        g = m.groupdict()
        if g["iso"]:
            y, mo, d = int(g["iy"]), int(g["im"]), int(g["id"] or 1)
            out.append((m.group(0), f"{y:04d}-{mo:02d}-{d:02d}"))
        elif g["dmy"]:
            y, mo, d = int(g["dy"]), _FULL[g["dm"]], int(g["dd"])
            out.append((m.group(0), f"{y:04d}-{mo:02d}-{d:02d}"))
        elif g["mdy"]:
            y, mo, d = int(g["my"]), _FULL[g["mm"]], int(g["md"])
            out.append((m.group(0), f"{y:04d}-{mo:02d}-{d:02d}"))
        elif g["my_"]:
            y = int(g["yr"])
            mo = _FULL.get(g["mo"]) or _ABBR[g["mo"]]
            out.append((m.group(0), f"{y:04d}-{mo:02d}-01"))
        elif g["year"]:
            y = int(g["y"])
            out.append((m.group(0), f"{y:04d}-01-01"))
        else:
            if year is None or not bare:
                continue
            out.append((f"{m.group(0)} (read as {m.group(0)} {year})", f"{year:04d}-{_FULL[g['bm']]:02d}-01"))
            continue
        year = y
    return out


def later(text: str, known_on: str, default_year: int | None = None, bare: bool = True) -> list[str]:
    """What ``text`` names that lies after ``known_on`` (a month or year that had not begun, a later day)."""
    return [said for said, first_day in mentions(text, default_year, bare) if first_day > known_on]


_TAG_RE = re.compile(r"<[^>]*>")
_ATTR_RE = re.compile(r"\b(?:alt|title|aria-label)\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)
_DROP_RE = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)


def readable(markup: str) -> str:
    """What a reader sees of HTML or SVG: the text, the alt texts and titles (no attributes, no base64)."""
    markup = _DROP_RE.sub(" ", markup)
    attrs = " ".join(a[1:-1] for a in _ATTR_RE.findall(markup))
    return html.unescape(_TAG_RE.sub(" ", markup) + " " + attrs)


def _output_text(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append("".join(o.get("text", "")))
            continue
        data = o.get("data", {})
        for mime in ("text/html", "image/svg+xml"):
            if mime in data:
                v = data[mime]
                parts.append(readable("".join(v) if isinstance(v, list) else v))
                break
        else:
            for mime in ("text/markdown", "text/plain"):
                if mime in data:
                    v = data[mime]
                    parts.append("".join(v) if isinstance(v, list) else v)
                    break
    return "\n".join(parts)


_RULE_RE = re.compile(r"chapter\([^`]*?\b(?:since|until)\s*=\s*[\"'](\d{4})-\d{2}[\"']")


def _year_of(cell, fallback: int | None) -> int | None:
    """The year a chapter is about, from its rule (``{eval}`chapter(as_of, since="2025-07")```)."""
    m = _RULE_RE.search(cell.source)
    return int(m.group(1)) if m else fallback


def check(nb, known_on: str, stated: dict | None = None, default_year: int | None = None) -> list[str]:
    """Every piece of hindsight in an executed, filled notebook (:func:`pipeline.render.inline.fill`: each
    Markdown cell's ``user_expressions``; ``stated`` the facts behind them), as one line each:
    ``the Markdown cell '## After the agreement' names October 2025`` (empty: none).

    ``default_year`` is the year a month named without its year is read in, where the cell does not
    say (by default the year of ``known_on``).
    """
    default_year = default_year or int(known_on[:4])
    stated = stated or {}
    problems: list[str] = []

    def words(md, values: dict) -> None:
        name = _first_line(md)
        for expr, r in values.items():  # every fact it states, by its release day
            pub = (r.get("fact") or {}).get("published") or ""
            if pub and pub > known_on:
                problems.append(f"the Markdown cell '{name}' states {{eval}}`{expr}` ({r['text'][:40]}), "
                                f"published {pub}")
        if _projection(md):
            return
        # the hand-written words, months named without a year included; the facts' words by their dates
        for w in later(inline.EVAL_RE.sub(" ", md.source), known_on, _year_of(md, default_year)):
            problems.append(f"the Markdown cell '{name}' names {w}")
        for expr, r in values.items():
            for w in later(r.get("text", ""), known_on, bare=False):
                problems.append(f"the Markdown cell '{name}' states {{eval}}`{expr}`, which names {w}")

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            values = {}
            for u in cell.get("metadata", {}).get("user_expressions", []):
                expr = u["expression"]
                values[expr] = {"text": inline.value_text(u["result"]), "fact": (stated.get(expr) or {}).get("fact")}
            words(cell, values)
        elif cell.cell_type == "code" and not _projection(cell):
            for w in later(_output_text(cell), known_on, bare=False):
                problems.append(f"the output of the code cell '{_first_line(cell)}' shows {w}")
    return list(dict.fromkeys(problems))


def _projection(cell) -> bool:
    return bool((cell.get("metadata", {}).get("magnet") or {}).get("projection"))


def _first_line(cell) -> str:
    first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
    return first[:50]


def known_on_date(parameters: dict) -> str:
    """The report's ``as_known_on`` when it is a date (``YYYY-MM-DD``), else ""."""
    v = str(parameters.get("as_known_on") or "")
    return v if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) else ""
