"""Facts a trade reporter states, for a destination and a month, each with its status and its text.

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

import numpy as np
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


# --------------------------------------------------------------------------- the outlook's facts


def _scenario_words(spec, start: str) -> str:
    months, to = (spec, None) if not isinstance(spec, (list, tuple)) else spec
    if months is None:
        return f"stays at the {start} level"
    target = ("the highest month on file that day" if to == "peak" else "the 2024 level" if to is None
              else f"{float(to):g} times the 2024 level")
    return f"reaches {target} {months} month{'s' if months > 1 else ''} after {start}"


def scenarios_described(scenarios: dict, start_month: str) -> Fact:
    """Each scenario in words: ``fast: reaches the 2024 level 2 months after June 2025; stalled: …``."""
    start = text.month_name(start_month)
    return plain("scenarios", "; ".join(f"{name}: {_scenario_words(spec, start)}"
                                        for name, spec in scenarios.items()) + ".")


def baseline_described(level: dict, baseline: str, projections: pd.DataFrame, known_on: str = "") -> Fact:
    """What "the 2024 level" means for the chosen baseline (and on which day's data it was computed)."""
    when = f" on {text.day_name(known_on)}" if known_on else " today"
    if baseline == "average":
        words = (f"the average of the {level['months_known']} months of 2024 known{when}: "
                 f"{text.fmt_num(level['tonnes'])} t a month ({level['months_reported']} reported, "
                 f"{level['months_derived']} derived)")
    else:
        per_month = "; ".join(f"{text.month_name(m).split()[0]}: {b}" for m, b in
                              projections.drop_duplicates("month")[["month", "target_basis"]].itertuples(index=False))
        words = (f"the same calendar month of 2024, where it was known{when}; otherwise the average of the "
                 f"{level['months_known']} known months of 2024 ({text.fmt_num(level['tonnes'])} t). "
                 f"Per month: {per_month}")
    return plain("baseline", words, value=float(level["tonnes"]), published=known_on)


def outlook_headline(dataset: Dataset, actual: pd.DataFrame, projections: pd.DataFrame, against: pd.DataFrame,
                     level: dict, as_of: str, start_month: str) -> Fact:
    """What happened after ``as_of``, plainly, against the 2024 level, the scenarios and the naive benchmark."""
    after = actual[(actual.month > as_of) & (actual.status != "missing")]
    start = month(dataset, start_month)
    if after.empty:
        return plain("headline", f"No month after {text.month_name(as_of)} is in the data yet (the latest month is "
                     f"{text.month_name(dataset.latest_month)}): the paths below cannot yet be set against what "
                     "happened.", status="missing")
    n, first = len(after), after.iloc[0]
    avg = float(after.tonnes.mean())
    rose = "rose" if first.tonnes > start.tonnes.value else "fell"
    above_level = int((after.tonnes > level["tonnes"]).sum())
    top = projections.groupby("month").tonnes.max()
    low = projections.groupby("month").tonnes.min()
    over = int(sum(t > top.get(m, np.inf) for m, t in zip(after.month, after.tonnes)))
    under = int(sum(t < low.get(m, -np.inf) for m, t in zip(after.month, after.tonnes)))
    naive = against[against.method == "naive"]
    inside = int((naive.position == "inside the 80% interval").sum())
    above80 = int(naive.position.str.startswith("above").sum())
    span = text.span_name(after.month.iloc[0], after.month.iloc[-1]) if n > 1 else text.month_name(first.month)
    words = (f"Exports {rose} from {start.tonnes} in {start.month_name} to {text.fmt_tonnes(first.tonnes)} in "
             f"{text.month_name(first.month)}"
             + (f", and averaged {text.fmt_num(avg)} t a month over {span}" if n > 1 else "")
             + f": above the 2024 level of {text.fmt_num(level['tonnes'])} t in {above_level} of {text.plural(n, 'month')}. "
             + f"The actual months were above every scenario in {over} of {n}, below every scenario in {under}"
             + (f"; the naive benchmark's 80% interval held {inside} of them ({above80} came in above it)."
                if len(naive) else "."))
    return plain("headline", words, status="derived", value=avg,
                 published=max((e for e in after.get("published", pd.Series(dtype=str)) if e), default=""))


def revised(dataset: Dataset) -> Fact:
    """How many figures on file a later publication revised (the table lists them)."""
    n = len(compare.revisions(dataset))
    if not n:
        return plain("revisions", "No figure on file has been revised by a later publication.", status="missing",
                     value=0.0)
    return plain("revisions", f"{text.plural(n, 'figure')} on file {'was' if n == 1 else 'were'} revised by a later publication; the latest vintage "
                 "is used throughout this report, and each revision is listed below.", value=float(n))


def scope(dataset: Dataset, partners, start: str, end: str) -> Fact:
    """What the figures count, and the wider scopes beside the rare-earth line where any is on file
    (words, not a value: an edition's "what's new" lists the values, not this sentence)."""
    from .data import HS6_SERIES, MAIN_SERIES, OTHER_METALS_SERIES, SERIES

    line, hs6, other = SERIES[MAIN_SERIES], SERIES[HS6_SERIES], SERIES[OTHER_METALS_SERIES]
    head = f"Every tonnage in this report is {line.tariff}, {line.goods}."
    cmp = compare.scope_comparison(dataset, partners, start, end)
    if cmp.empty:
        return plain("scope", f"{head} No figure of the wider {hs6.tariff} ({hs6.goods}, as UN "
                     f"Comtrade publishes China's exports) or of {other.tariff} ({other.goods}) is on file for "
                     f"{text.period_name(start, end)}, so there is no scope comparison to show.", status="missing")
    first = cmp[cmp.partner == list(partners)[0]]   # the report's own destination, when it has a wider scope
    last = (first if len(first) else cmp).iloc[-1]
    name = text.in_sentence(dataset.partner_name(last.partner))
    what = (f"In {text.month_name(last.month)}, exports to {name} were "
            + (f"{text.fmt_tonnes(last.hs6.value)} of all metal magnets ({last.hs6.source_id}) against " if last.hs6 is not None
               else "")
            + ("an unknown tonnage of rare-earth magnets" if last.rare_earth is None
               else f"{text.fmt_tonnes(last.rare_earth.value)} of rare-earth magnets")
            + ("" if math.isnan(last.other_high) else
               f": other metal magnets {'were ' + text.fmt_tonnes(last.other.value) if last.other is not None else 'at most ' + text.fmt_tonnes(math.ceil(last.other_high))}")
            + ".")
    sources = tuple(sorted({r.source_id for r in list(cmp.hs6) + list(cmp.other) if r is not None}))
    return plain("scope", f"{head} For {text.plural(len(cmp), 'destination-month')} a wider scope is on file too; the table "
                 "sets them side by side. The difference is magnets of other metals: a comparison of scopes, "
                 f"never a check of the rare-earth figures. {what}", sources=sources)


# --------------------------------------------------------------------------- headline and main points


def change_words(f: Fact, base: str, compare_words: bool = False) -> str:
    """A change as a headline says it: ``down 3.2% on November 2025``, ``up about 667.4% on May 2025``."""
    if not f or f.value is None:
        return ""
    about = "about " if f.text.startswith("about ") else ""
    word = "up" if f.value > 0 else "down" if f.value < 0 else "unchanged"
    if compare_words and word != "unchanged":
        return f"{about}{abs(f.value):.1f}% {'above' if f.value > 0 else 'below'} {base}"
    return f"{word} {about}{abs(f.value):.1f}% on {base}" if word != "unchanged" else f"unchanged on {base}"


def low_point(dataset: Dataset, month: str, partner: str = TOTAL) -> Fact:
    """The lowest known month of the twelve up to ``month``."""
    t = compare.monthly_table(dataset, partner, add_months(month, -11), month)
    known = t[t.status != "missing"]
    if len(known) < 3:
        return plain(f"{partner} {month} low point", "", status="missing")
    lo = known.loc[known.tonnes.idxmin()]
    hi = known.loc[known.tonnes.idxmax()]
    return plain(f"{partner} {month} low point",
                 f"Over the twelve months to {text.month_name(month)} the low point was {text.month_name(lo.month)} "
                 f"({text.fmt_tonnes(lo.tonnes)}) and the high point {text.month_name(hi.month)} "
                 f"({text.fmt_tonnes(hi.tonnes)}).", value=float(lo.tonnes))


def main_points(dataset: Dataset, month_: str, focus_partner: str | None = None) -> dict:
    """The edition's headline and three to five main points, each a sentence written from facts:
    ``{"headline": Fact, "points": [Fact, ...]}`` (as statistical bulletins open)."""
    m = month(dataset, month_)
    year = int(month_[:4])
    whole_year = month_.endswith("-12")
    head = (f"China's rare-earth magnet exports were {m.tonnes} in {m.month_name}"
            + (f", {change_words(m.mom, m.previous_month_name.text)}" if m.mom else ""))
    if whole_year and m.ytd_change:
        head += f"; {year} as a whole closed {change_words(m.ytd_change, str(year - 1), compare_words=True)}"
    elif m.yoy:
        head += f" and {change_words(m.yoy, m.year_before_name.text)}"
    points = []
    line = f"{m.month_name}: {m.tonnes}"
    if m.mom or m.yoy:
        line += ", " + " and ".join(x for x in (m.mom and f"{m.mom} on {m.previous_month_name}",
                                                 m.yoy and f"{m.yoy} on {m.year_before_name}") if x)
    points.append(line + ".")
    if m.ytd:
        label = f"{year} as a whole" if whole_year else m.ytd_name.text
        base = str(year - 1) if whole_year else f"the same months of {year - 1}"
        points.append(f"{label[0].upper() + label[1:]}: {m.ytd}" + (f", {m.ytd_change} on {base}" if m.ytd_change else "")
                      + ".")
    if focus_partner and focus_partner != TOTAL:
        f = month(dataset, month_, focus_partner)
        if f.tonnes:
            s = f"Exports to {f.name}: {f.tonnes} in {f.month_name}" + (f", {f.share} of the month's total" if f.share else "")
            if f.ytd and f.ytd_change:
                s += f"; {f.ytd} over {f.ytd_name}, {f.ytd_change} on {year - 1 if whole_year else 'a year before'}"
            points.append(s + ".")
        else:
            points.append(f"No figure for exports to {f.name} in {f.month_name} is on file.")
    low = low_point(dataset, month_)
    if low:
        points.append(low.text)
    rank = destinations(dataset, month_)
    if rank:
        points.append(rank.text + ".")
    sources = tuple(dict.fromkeys(m.tonnes.sources + m.mom.sources))
    return {"headline": plain(f"{month_} headline", head + ".", status=m.tonnes.status, sources=sources),
            "points": [plain(f"{month_} point {i + 1}", p) for i, p in enumerate(points[:5])]}


def destination_points(dataset: Dataset, partner: str, start: str, month_: str) -> dict:
    """A destination edition's headline and main points (``{"headline": Fact, "points": [Fact, ...]}``)."""
    here = month(dataset, month_, partner)
    hist = partner_history(dataset, partner, start, month_)
    name = here.name.text
    if here.tonnes:
        head = (f"China's rare-earth magnet exports to {name} were {here.tonnes} in {here.month_name}"
                + (f", {here.share} of all its magnet exports" if here.share else "")
                + (f", {change_words(here.yoy, here.year_before_name.text)}" if here.yoy else ""))
    else:
        head = (f"No figure for China's rare-earth magnet exports to {name} in {here.month_name} is on file; "
                f"the latest known month is {hist['latest_month']}")
    points = [partner_sentence(here).text]
    if hist["known"]:
        points.append(f"Exports to {name} are known for {hist['known']} from {text.month_name(start)} to "
                      f"{here.month_name}; the highest was {hist['peak']} and the lowest {hist['low']}.")
    big = largest(dataset, month_)
    if big:
        points.append(f"In {here.month_name}, {big}.")
    ranks = compare.partner_ranks(dataset, partner)
    ranks = ranks[(ranks.month <= month_) & ranks["rank"].notna()]
    if len(ranks):
        r = ranks.iloc[-1]
        points.append(f"In the latest ranking a source reported, for {text.month_name(r.month)}, {name} stood "
                      f"{text.ordinal(int(r['rank']))} of the top {r['of']} ({text.fmt_sources(r.source_id)}).")
    return {"headline": plain(f"{partner} {month_} headline", head + ".", status=here.tonnes.status,
                              sources=here.tonnes.sources),
            "points": [plain(f"{partner} {month_} point {i + 1}", p) for i, p in enumerate(points[:5])]}


def claims_points(counts: dict, total: int, as_of_name: str, later: int, article: str) -> dict:
    """The claims check's headline and main points, from the verdict counts."""
    ok, wrong, open_ = counts.get("✓", 0), counts.get("✗", 0), counts.get("not checkable", 0)
    head = (f"Of the {text.plural(total, 'claim')} of {article}, {ok} {'agrees' if ok == 1 else 'agree'} with the "
            f"data known when it was written and {wrong or 'none'} {'is' if wrong == 1 else 'are'} contradicted")
    points = [f"{text.plural(ok, 'claim')} consistent with the data up to {as_of_name}.",
              f"{text.plural(wrong, 'claim')} contradicted by the data.",
              f"{text.plural(open_, 'claim')} not checkable with the data then known."]
    if later:
        points.append(f"With every figure on file today, {text.plural(later, 'verdict')} would change.")
    return {"headline": plain("claims headline", head + "."),
            "points": [plain(f"claims point {i + 1}", p) for i, p in enumerate(points)]}


def outlook_points(start: MonthFacts, level: dict, projections: pd.DataFrame, backtest: Fact) -> dict:
    """The outlook's headline and main points: where it starts, the 2024 level, what came."""
    names = list(dict.fromkeys(projections.scenario))
    head = (backtest.text.split(". ")[0].replace(": ", ", which put them ") if backtest else
            f"Exports start from {start.tonnes} in {start.month_name}; no later month is in the data yet")
    points = [f"The scenarios start from {start.month_name}: {start.tonnes}.",
              f"The 2024 level they return to is {text.fmt_tonnes(level['tonnes'])} a month.",
              f"{text.plural(len(names), 'scenario')}: {_and([str(n) for n in names])}."]
    if backtest:
        points.append(backtest.text)
    return {"headline": plain("outlook headline", head.rstrip(".") + "."),
            "points": [plain(f"outlook point {i + 1}", p) for i, p in enumerate(points)]}


def points_html(bulletin: dict) -> str:
    """The main points as an HTML list (escaped), shown under the headline on a report's first page."""
    import html as _html

    items = "".join(f"<li>{_html.escape(p.text)}</li>" for p in bulletin["points"])
    # a heading without an id: not in the contents, which go after the question
    return (f'<section class="report-points" aria-label="Main points"><h2 class="points-title">Main points</h2>'
            f"<ul>{items}</ul></section>")


def points_markdown(bulletin: dict) -> str:
    """Markdown of the headline and main points (the notebook shows it under the title)."""
    items = "\n".join(f"- {text.escape(p.text)}" for p in bulletin["points"])
    return f"**{text.escape(bulletin['headline'].text)}**\n\n### Main points\n\n{items}\n"
