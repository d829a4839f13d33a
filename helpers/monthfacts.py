"""The facts of a month, a span, a year or a destination, each with its status and its text.

A :class:`Fact` is a value with its status (``reported``, ``derived`` with its
range, or ``missing``), the sources it rests on, and the text a sentence shows
(formatted by :mod:`helpers.text`). ``str(fact)`` is that text, so a notebook's
Markdown says ``{eval}`june.tonnes``` and the report shows ``3,188 t``.

:func:`month` gathers the facts of one month for one partner: tonnage, change on
the month before and on a year before, year to date and its change, share of the
total, rank among destinations with data, the streak of rises or falls, the
highest/lowest since (stated honestly where months are missing), the month's
events, and the provenance sentence of a derived value built from its derivation
record. :func:`chapter` writes a month's paragraph from those facts with a
Markdown template (``helpers/templates/month.md.j2``), the same for every month.
"""

from __future__ import annotations


import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import compare, text
from .data import TOTAL, Dataset, known_dates, published_date
from .series import Estimate, add_months, build_monthly_series, estimate, month_range


TEMPLATES = Path(__file__).resolve().parent / "templates"

@dataclass(frozen=True)
class Fact:
    """One stated fact: its key (what it is), value, range, status, sources and text."""

    key: str                         #: what it is: ``"WLD 2025-06 tonnes"``, ``"US 2025-06 mom"``
    text: str                        #: what a sentence shows (plain text, escaped when rendered)
    status: str = "missing"          #: ``reported``, ``derived`` or ``missing``
    value: float | None = None
    low: float | None = None
    high: float | None = None
    sources: tuple[str, ...] = ()
    unit: str = ""                   #: ``t``, ``%``, ``rank`` or ``""``
    #: when it became known (``YYYY-MM-DD``): the latest release date of what it rests on ("" when
    #: it rests on no dated figure). An edition "as known on" a date states no fact known later.
    published: str = ""
    note: str = ""                   #: a derived value's method note: formula, inputs as published, range, sources
    #: facts stated inside this one's text (a sentence about several months): each keeps its method note
    parts: tuple["Fact", ...] = ()

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, p, cycle) -> None:
        """The text, as IPython shows the fact (and so jupyterlab-myst, in place of its ``{eval}``)."""
        p.text(self.text)

    def __bool__(self) -> bool:
        return self.status != "missing"

    def record(self) -> dict:
        """The fact as JSON-able data (what a report keeps to compare editions)."""
        return {"key": self.key, "text": self.text, "status": self.status, "value": self.value, "low": self.low,
                "high": self.high, "sources": list(self.sources), "unit": self.unit, "published": self.published,
                "note": self.note, **({"parts": [f.record() for f in self.parts]} if self.parts else {})}

def _missing(key: str, what: str = "not reported", unit: str = "") -> Fact:
    return Fact(key=key, text=what, unit=unit)

def tonnage(e: Estimate | None, key: str) -> Fact:
    """A tonnage in whole tonnes: ``3,188 t`` (reported) or ``about 5,360 t, worked out from April 2025 and
    the change on the month before reported then`` (derived; its method note holds the formula and range)."""
    if e is None:
        return _missing(key, unit="t")
    return Fact(key=key, text=text.describe_estimate(e), status=e.status, value=e.value, low=e.low, high=e.high,
                sources=tuple(e.sources), unit="t", published=e.published, note=text.method_note(e))

def pct_change(c: compare.Change | None, key: str) -> Fact:
    """A change: ``+157.4%``, with its range when rounding moves it by a point or more."""
    if c is None:
        return _missing(key, "not available", unit="%")
    return Fact(key=key, text=text.describe_change(c), status=c.status, value=c.pct, low=c.low, high=c.high,
                sources=tuple(dict.fromkeys(c.current.sources + c.base.sources)), unit="%",
                published=max(c.current.published, c.base.published))

def plain(key: str, value_text: str, status: str = "reported", value: float | None = None,
          sources: tuple[str, ...] = (), published: str = "") -> Fact:
    """A fact that is words (a name, a list of events), or a count."""
    return Fact(key=key, text=value_text, status=status, value=value, sources=sources, published=published)

@dataclass
class MonthFacts:
    """The facts of one month for one partner (``WLD``: all destinations)."""

    partner: str
    month: str
    name: Fact                       #: the partner's display name ("United States", "all destinations")
    month_name: Fact                 #: "June 2025"
    tonnes: Fact
    mom: Fact                        #: change on the month before
    yoy: Fact                        #: change on the same month a year before
    ytd: Fact                        #: January to this month
    ytd_change: Fact                 #: year to date against the same months a year before
    ytd_name: Fact                   #: "January–June 2025", or "2025 as a whole" in December (never "year to date")
    share: Fact                      #: share of exports to all destinations (not for WLD)
    rank: Fact                       #: rank among destinations with a known tonnage that month
    streak: Fact                     #: "the third monthly rise in a row", or ""
    record: Fact                     #: "the highest of the months on file since March 2024", or ""
    events: Fact                     #: the month's events, one sentence
    provenance: Fact                 #: how a derived tonnage follows from reported figures, or ""
    notes: Fact                      #: the sources' own qualitative notes ("lowest since February 2020")
    previous_month_name: Fact = field(default=None)
    year_before_name: Fact = field(default=None)

    def facts(self) -> list[Fact]:
        """Every fact that carries a number (what a report keeps to compare editions)."""
        return [f for f in (self.tonnes, self.mom, self.yoy, self.ytd, self.ytd_change, self.share, self.rank)
                if f is not None]

def _streak(series: pd.DataFrame, month: str) -> str:
    """``the third monthly rise in a row`` when this month continues a run of two or more."""
    s = series.set_index("month")
    months = [m for m in s.index if m <= month]
    direction, n = None, 0
    for m in reversed(months):
        prev = add_months(m, -1)
        if prev not in s.index or s.loc[m, "status"] == "missing" or s.loc[prev, "status"] == "missing":
            break
        d = "rise" if s.loc[m, "tonnes"] > s.loc[prev, "tonnes"] else "fall"
        if direction is None:
            direction = d
        elif d != direction:
            break
        n += 1
    if n < 2:
        return ""
    return f"the {text.ordinal(n)} monthly {direction} in a row"

def _record(series: pd.DataFrame, month: str) -> str:
    """Highest or lowest since …, among the months on file (saying so when months are missing)."""
    s = series[series.month <= month]
    known = s[s.status != "missing"]
    if month not in set(known.month) or len(known) < 4:
        return ""
    value = float(known.set_index("month").loc[month, "tonnes"])
    earlier = known[known.month < month]
    for word, beats in (("highest", lambda v: v < value), ("lowest", lambda v: v > value)):
        above = earlier[~earlier.tonnes.map(beats)]
        if above.empty:
            since = earlier.month.iloc[0]
            gaps = (s[(s.month >= since) & (s.month < month)].status == "missing").any()
            qualifier = "of the months on file" if gaps else "of the months on file, every one known,"
            return f"the {word} {qualifier} since {text.month_name(since)}"
        last_beaten_since = above.month.iloc[-1]
        if len(earlier[earlier.month > last_beaten_since]) >= 3:
            gaps = (s[(s.month > last_beaten_since) & (s.month < month)].status == "missing").any()
            where = "of the months on file " if gaps else ""
            return f"the {word} {where}since {text.month_name(last_beaten_since)}".replace("  ", " ")
    return ""

def _provenance(e: Estimate | None) -> str:
    """Empty: a derived tonnage says how it was worked out once, in its own text (house rule: a derived
    value is said once, in words); its formula, inputs and range are its method note (``Fact.note``)."""
    return ""

#: A figure's note that is the curator's (a cross-reference, a disagreement, a scope or unit label), not
#: something the source said: never quoted as the source's remark.
CURATOR_NOTE_RE = __import__("re").compile(
    r"resolutions\.csv|\bS\d+\b|not recorded|disagrees|\bsee\b|^HS\s?\d|^NdFeB|\d[\d.,]*\s*t\b", __import__("re").I)

def is_remark(note: str) -> bool:
    """True when a figure's note is the source's own remark ("lowest since February 2020")."""
    return bool(note.strip()) and not CURATOR_NOTE_RE.search(note)

def _events(dataset: Dataset, month: str) -> str:
    ev = dataset.events
    dates = pd.to_datetime(ev.date)
    sel = ev[(dates.dt.strftime("%Y-%m") == month)].sort_values("date")
    if sel.empty:
        return ""
    return " ".join(f"The timeline records for {text.day_name(r.date)}: {text.readable_dates(r.description)} "
                    f"({r.source_id})." for r in sel.itertuples())

def _rank_fact(dataset: Dataset, key: str, rank: dict | None, e: Estimate | None) -> Fact:
    """A destination's rank as words: from the reported ranking, from every contender's tonnage, or not known."""
    if not rank:
        return _missing(f"{key} rank", "the rank is not known", unit="rank")
    srcs = tuple(rank["sources"].split(";"))
    known = known_dates(dataset.sources)
    pub = max((known.get(s, "") for s in srcs), default="")
    if rank["basis"] == "reported":
        words = (f"number {rank['rank']} of the top {rank['of']}" if rank["rank"] is not None
                 else f"outside the top {rank['of']}") + f" in the ranking reported by {text.fmt_sources(srcs)}"
    else:
        words = (f"the {text.ordinal(rank['rank'])} largest destination (the tonnages on file leave no room for "
                 "a larger one)" if rank["rank"] > 1 else
                 "the largest destination (the tonnages on file leave no room for a larger one)")
    return Fact(key=f"{key} rank", text=words, status="reported" if rank["basis"] == "reported" else "derived",
                value=None if rank["rank"] is None else float(rank["rank"]), sources=srcs, unit="rank", published=pub)

def month(dataset: Dataset, month: str, partner: str = TOTAL) -> MonthFacts:
    """The facts of ``month`` for ``partner`` (``WLD`` for all destinations)."""
    p = partner
    key = f"{p} {month}"
    e = estimate(dataset, p, month)
    series = build_monthly_series(dataset, p, add_months(month, -36), month)
    ytd = compare.year_to_date(dataset, month, p)
    share = compare.share_of_total(dataset, month, p) if p != TOTAL else None
    # a rank only where a ranking was published, or every contender's tonnage is known (never a place among
    # whichever destinations happened to be published)
    rank = compare.known_rank(dataset, month, p) if p != TOTAL and e is not None else None
    said: dict[str, list[str]] = {}  # the same remark from several pages is quoted once, citing them all
    for n, src in compare.figure_notes(dataset, month, p):
        if is_remark(n):
            said.setdefault(n, []).append(src)
    # a quotation is a plain quotation: the source's own quotes are not nested inside ours
    notes = [f"“{n.strip(chr(39) + chr(34) + '‘’“” ')}” ({text.fmt_sources(srcs)})" for n, srcs in said.items()]
    notes = _and(notes) if notes else ""
    name = "all destinations" if p == TOTAL else text.in_sentence(dataset.partner_name(p))
    return MonthFacts(
        partner=p, month=month,
        name=plain(f"{p} name", name),
        month_name=plain(f"{month} name", text.month_name(month)),
        previous_month_name=plain(f"{add_months(month, -1)} name", text.month_name(add_months(month, -1))),
        year_before_name=plain(f"{add_months(month, -12)} name", text.month_name(add_months(month, -12))),
        tonnes=tonnage(e, f"{key} tonnes"),
        mom=pct_change(compare.month_change(dataset, month, p, 1), f"{key} mom"),
        yoy=pct_change(compare.month_change(dataset, month, p, 12), f"{key} yoy"),
        ytd=tonnage(ytd["current"], f"{p} {month[:4]}-01..{month} tonnes"),
        ytd_change=pct_change(ytd["change"], f"{p} {month[:4]}-01..{month} yoy"),
        ytd_name=plain(f"{p} {month[:4]}-01..{month} name", f"{month[:4]} as a whole" if month.endswith("-12")
                       else text.period_name(f"{month[:4]}-01", month)),
        share=(Fact(key=f"{key} share", text=text.fmt_share(*share), status="derived", value=share[0],
                    low=share[1], high=share[2], sources=tuple(e.sources), unit="%", published=e.published)
               if share else _missing(f"{key} share", "not known", unit="%")),
        rank=_rank_fact(dataset, key, rank, e),
        streak=plain(f"{key} streak", _streak(series, month)),
        record=plain(f"{key} record", _record(series, month)),
        events=plain(f"{month} events", _events(dataset, month)),
        provenance=plain(f"{key} provenance", _provenance(e)),
        notes=plain(f"{key} notes", notes),
    )

def span(dataset: Dataset, first: str, last: str, partner: str = TOTAL) -> dict[str, Fact]:
    """A cumulative span (e.g. H1) and its change on the same span a year before."""
    key = f"{partner} {first}..{last}"
    c = compare.span_change(dataset, first, last, partner)
    whole_year = first.endswith("-01") and last.endswith("-12") and first[:4] == last[:4]
    base_name = (str(int(first[:4]) - 1) if whole_year
                 else text.period_name(add_months(first, -12), add_months(last, -12)))
    base_t = (text.fmt_tonnes(c.base.value) if c and c.base.status == "reported" else text.about(c.base) if c else "")
    comparison = (f"{text.describe_change(c)} on {base_name} ({base_t})" if c else
                  f"the total for {base_name} is not known, so there is no comparison")
    return {"tonnes": tonnage(estimate(dataset, partner, first, last), f"{key} tonnes"),
            "change": pct_change(c, f"{key} yoy"),
            "comparison": plain(f"{key} comparison", comparison, status="derived" if c else "missing"),
            "previous": tonnage(c.base if c else None, f"{partner} {add_months(first, -12)}..{add_months(last, -12)} tonnes"),
            "name": plain(f"{key} name", text.period_name(first, last))}

def _not_yet(dataset: Dataset, key: str) -> Fact:
    """An event the data as known on a date do not hold yet (it had not happened)."""
    return _missing(key, f"not yet happened on {dataset.known_on_date}" if dataset.known_on_date else "not on file")

def event(dataset: Dataset, event_id: str) -> Fact:
    """One event as a noun phrase with its source marker, dates as readers write them:
    ``MOFCOM/GAC Announcement No. 18: export licences required … (S21)``; the notebook's sentence
    around it gives it its verb. An event after the data's date has not happened yet."""
    if event_id not in set(dataset.events.event_id):
        return _not_yet(dataset, f"event {event_id}")
    r = dataset.events.set_index("event_id").loc[event_id]
    return plain(f"event {event_id}", f"{text.readable_dates(r.description)} ({r.source_id})", sources=(r.source_id,),
                 published=published_date(r.date))

def event_date(dataset: Dataset, event_id: str) -> Fact:
    """The day of one event: ``19 June 2025``."""
    if event_id not in set(dataset.events.event_id):
        return _not_yet(dataset, f"event {event_id} date")
    r = dataset.events.set_index("event_id").loc[event_id]
    return plain(f"event {event_id} date", text.day_name(r.date), published=published_date(r.date))

def chapter(facts: MonthFacts, focus: MonthFacts | None = None) -> str:
    """A month's paragraph in Markdown, written by the month template from the facts."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), finalize=_finalize,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    rendered = env.get_template("month.md.j2").render(m=facts, focus=focus)
    # each line the template writes is a heading or a paragraph
    return "\n\n".join(line.strip() for line in rendered.splitlines() if line.strip())

def _finalize(value):
    """Every value a template prints is escaped, once (text.escape)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "not known"
    return text.escape(str(value))

def chapters(dataset: Dataset, after: str, through: str, focus_partner: str | None = None) -> str:
    """The paragraphs of every month after ``after`` up to ``through``, in order ('' when none)."""
    if through <= after:
        return ""
    out = []
    for m in month_range(add_months(after, 1), through):
        f = month(dataset, m)
        focus = month(dataset, m, focus_partner) if focus_partner and focus_partner != TOTAL else None
        out.append(chapter(f, focus))
    return "\n\n".join(out)

def destinations(dataset: Dataset, month: str, top: int = 5) -> Fact:
    """The month's top destinations: the reported ranking, else the destinations with a figure (not a ranking)."""
    s = compare.month_summary(dataset, month, top=top)
    if s["top_destinations"]:
        names = [text.in_sentence(n) for n in s["top_destinations"]]
        return plain(f"{month} ranking", "The largest destinations, in the order the source ranked them, were "
                     f"{_and(names)} ({text.fmt_sources(s['ranking_source'])})",
                     sources=tuple(s["ranking_source"].split(";")))
    known = [f"{text.in_sentence(n)} ({text.fmt_tonnes(t)})" for n, t, _ in s["known_destinations"]]
    if not known:
        return plain(f"{month} ranking", "No source ranked the destinations or reported one", status="missing")
    return plain(f"{month} ranking", "No source ranked the destinations; figures are on file for " + _and(known))

def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

def year(dataset: Dataset, year: int, through: str | None = None) -> dict[str, Fact]:
    """A year's months on file: how many are known, reported, derived; their average, low and high."""
    last = min(f"{year}-12", through) if through else f"{year}-12"
    table = compare.monthly_table(dataset, TOTAL, f"{year}-01", last)
    known = table[table.status != "missing"]
    missing = [text.month_name(m).split()[0] for m in table[table.status == "missing"].month]
    key = f"WLD {year}"
    if known.empty:
        return {"known": plain(f"{key} known", "no month", status="missing")}
    lo, hi = known.loc[known.tonnes.idxmin()], known.loc[known.tonnes.idxmax()]
    pub = max((p for p in known.get("published", pd.Series(dtype=str)) if p), default="")  # known from the last
    return {
        "known": plain(f"{key} known", f"{len(known)} of the {len(table)} months", value=float(len(known)),
                       published=pub),
        "reported": plain(f"{key} reported", str(int((known.status == "reported").sum()))),
        "derived": plain(f"{key} derived", str(int((known.status == "derived").sum()))),
        "average": Fact(key=f"{key} average", text=f"{text.fmt_num(known.tonnes.mean())} t a month",
                        status="derived", value=float(known.tonnes.mean()), unit="t", published=pub),
        "low": plain(f"{key} low", f"{text.fmt_num(lo.tonnes)} t in {text.month_name(lo.month).split()[0]}"),
        "high": plain(f"{key} high", f"{text.fmt_num(hi.tonnes)} t in {text.month_name(hi.month).split()[0]}"),
        "missing": plain(f"{key} missing", ", ".join(missing) or "none"),
    }

def months_in_brief(*months: MonthFacts) -> Fact:
    """A year's first months as sentences: ``2025 opened at 4,567 t in January. February was 3,900 t.``;
    a month not on file reads ``January 2025 was not published.`` (never "opened at not reported")."""
    parts, opened = [], False
    for m in months:
        month_word = text.month_name(m.month).split()[0]
        if not m.tonnes:
            parts.append(f"{m.month_name} was not published, and no published figure gives it.")
            continue
        if not opened and m.month.endswith("-01"):
            parts.append(f"{m.month[:4]} opened at {m.tonnes} in {month_word}.")
        else:
            parts.append(f"{month_word if opened else m.month_name} was {m.tonnes}.")
        opened = True
        if m.provenance.text:
            parts.append(m.provenance.text)
    known = [m.tonnes for m in months if m.tonnes]
    return Fact(key=" ".join(f"{m.partner} {m.month}" for m in months[:1]) + " brief", text=" ".join(parts),
                status="reported" if known else "missing", sources=tuple(s for t in known for s in t.sources),
                published=max((t.published for t in known), default=""), parts=tuple(known))

def table(*groups: MonthFacts) -> pd.DataFrame:
    """The key facts as a table (what nbval guards): one row per fact, with its status."""
    rows = [{"fact": f.key, "value": f.text, "status": f.status} for g in groups for f in g.facts()]
    return pd.DataFrame(rows, columns=["fact", "value", "status"])

def partner_line(m: MonthFacts) -> Fact:
    """A destination's month in a few words: ``764 t (derived; …), 24.0% of the month's total`` or ``not reported``."""
    if not m.tonnes:
        return plain(f"{m.partner} {m.month} line", "not reported", status="missing")
    out = m.tonnes.text + (f", {m.share.text} of the month's total" if m.share else "")
    return Fact(key=f"{m.partner} {m.month} line", text=out, status=m.tonnes.status, sources=m.tonnes.sources)

def partner_sentence(m: MonthFacts) -> Fact:
    """A destination's month as a sentence, saying plainly what is not on file."""
    if not m.tonnes:
        return plain(f"{m.partner} {m.month} sentence",
                     f"No figure for exports to {m.name} in {m.month_name} is on file.", status="missing")
    parts = [f"Exports to {m.name} in {m.month_name} were {m.tonnes}"]
    if m.share:
        parts.append(f"{m.share} of the month's exports")
    if m.mom:
        parts.append(f"{m.mom} on the month before")
    if m.yoy:
        parts.append(f"{m.yoy} on a year before")
    if m.rank:
        parts.append(m.rank.text)
    return Fact(key=f"{m.partner} {m.month} sentence", text=", ".join(parts) + ".", status=m.tonnes.status,
                sources=m.tonnes.sources)

def partner_history(dataset: Dataset, partner: str, start: str, end: str) -> dict[str, Fact]:
    """A destination's months from ``start`` to ``end``: how many are known, the latest, highest and lowest."""
    t = compare.monthly_table(dataset, partner, start, end)
    known = t[t.status != "missing"]
    key = f"{partner} {start}..{end}"
    missing = ", ".join(text.month_name(m) for m in t[t.status == "missing"].month) or "none"
    if known.empty:
        none = plain(f"{key} known", f"none of the {len(t)} months", status="missing", value=0.0)
        return {"known": none, "reported": plain(f"{key} reported", "0"), "derived": plain(f"{key} derived", "0"),
                "latest": _missing(f"{key} latest"), "latest_month": plain(f"{key} latest month", "no month"),
                "latest_line": plain(f"{key} latest line", "not reported", status="missing"),
                "peak": _missing(f"{key} peak"), "low": _missing(f"{key} low"),
                "not_reported": plain(f"{key} missing", missing)}
    last = known.iloc[-1]
    peak, low = known.loc[known.tonnes.idxmax()], known.loc[known.tonnes.idxmin()]
    return {
        "known": plain(f"{key} known", f"{len(known)} of the {len(t)} months", value=float(len(known))),
        "reported": plain(f"{key} reported", str(int((known.status == "reported").sum()))),
        "derived": plain(f"{key} derived", str(int((known.status == "derived").sum()))),
        "latest_month": plain(f"{key} latest month", text.month_name(last.month)),
        "latest": tonnage(estimate(dataset, partner, last.month), f"{partner} {last.month} tonnes"),
        "latest_line": partner_line(month(dataset, last.month, partner)),
        "peak": plain(f"{key} peak", f"{text.fmt_num(peak.tonnes)} t in {text.month_name(peak.month)}"),
        "low": plain(f"{key} low", f"{text.fmt_num(low.tonnes)} t in {text.month_name(low.month)}"),
        "not_reported": plain(f"{key} missing", missing),
    }

def rank_history(dataset: Dataset, partner: str, end: str) -> Fact:
    """Where a destination stood in each reported ranking up to ``end``, one clause per month."""
    ranks = compare.partner_ranks(dataset, partner)
    ranks = ranks[ranks.month <= end]
    if ranks.empty:
        return plain(f"{partner} ranks", "No ranking of destinations was reported up to this edition.",
                     status="missing")
    parts = [f"in {text.month_name(r.month)} " + (f"{text.ordinal(int(r.rank))} of the top {r.of}" if pd.notna(r.rank)
                                                 else f"outside the top {r.of}") + f" ({text.fmt_sources(r.source_id)})"
             for r in ranks.itertuples()]
    return plain(f"{partner} ranks", "In the rankings the sources reported it stood " + "; ".join(parts) + ".")

def largest(dataset: Dataset, month: str) -> Fact:
    """The largest destination with a known tonnage in ``month``."""
    known = compare.partners_in_month(dataset, month)
    known = known[~known.partner.isin(["EU"])]
    if known.empty:
        return plain(f"{month} largest", "no destination has a figure", status="missing")
    top = known.iloc[0]
    return plain(f"{month} largest", f"{text.plural(len(known), 'destination has', 'destinations have')} a known "
                 f"figure; the largest is {text.in_sentence(top['name'])} ({text.fmt_tonnes(top.tonnes)})",
                 value=float(top.tonnes))
