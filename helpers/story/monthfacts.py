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
record. :func:`month_chapter` writes a month's paragraph from those facts with a
Markdown template (``helpers/templates/month.md.j2``), the same for every month.
"""

from __future__ import annotations


import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from helpers.analysis import compare, statements
from helpers import paths, text
from helpers.analysis.statements import Fact
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset, known_dates, published_date
from helpers.data.partners import GROUPS
from helpers.analysis.series import Estimate, estimate
from helpers.months import add_months, month_range


TEMPLATES = paths.TEMPLATES

def _missing(key: str, what: str = "not reported", unit: str = "") -> Fact:
    return Fact(key=key, text=what, unit=unit)

def tonnage(e: Estimate | None, key: str) -> Fact:
    """A tonnage in whole tonnes: ``3,188 t`` (reported) or ``about 5,360 t, worked out from April 2025 and
    the change on the month before reported then`` (derived; its method note holds the formula and range)."""
    if e is None:
        return _missing(key, unit="t")
    return Fact(key=key, text=text.describe_estimate(e), status=e.status, value=e.value, low=e.low, high=e.high,
                sources=tuple(e.sources), unit="t", published=e.published, note=text.method_note(e),
                claim=statements.value_claim(e))

def pct_change(c: compare.Change | None, key: str) -> Fact:
    """A change: ``+157.4%``, with its range when rounding moves it by a point or more."""
    if c is None:
        return _missing(key, "not available", unit="%")
    return Fact(key=key, text=text.describe_change(c), status=c.status, value=c.pct, low=c.low, high=c.high,
                sources=tuple(dict.fromkeys(c.current.sources + c.base.sources)), unit="%",
                published=max(c.current.published, c.base.published), claim=statements.change_claim(c))

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
    within: Fact = field(default=None)          #: a month not on file: the known span that holds it
    within_name: Fact = field(default=None)

    def facts(self) -> list[Fact]:
        """Every fact that carries a number (what a report keeps to compare editions)."""
        return [f for f in (self.tonnes, self.mom, self.yoy, self.ytd, self.ytd_change, self.share, self.rank)
                if f is not None]

def _claimed(key: str, claim: dict | None, words) -> Fact:
    """A statement of the series (a record, a streak) as a fact carrying its claim ("" when there is none)."""
    if not claim:
        return plain(key, "")
    return Fact(key=key, text=words(claim), status="derived", value=claim.get("value"), claim=claim)


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

@lru_cache(maxsize=16)
def events_by_month(dataset: Dataset) -> dict:
    """``{YYYY-MM: [event rows, by date]}`` (an index: one pass over the events per dataset)."""
    out: dict = {}
    for r in dataset.events.sort_values("date").itertuples():
        out.setdefault(str(r.date)[:7], []).append(r)
    return out


def _events(dataset: Dataset, month: str) -> str:
    return " ".join(f"The timeline records for {text.day_name(r.date)}: {text.readable_dates(r.description)} "
                    f"({r.source_id})." for r in events_by_month(dataset).get(month, []))

def _rank_fact(dataset: Dataset, key: str, rank: dict | None, e: Estimate | None) -> Fact:
    """A destination's rank as words: from the reported ranking, from every contender's tonnage, or not known."""
    if not rank:
        return _missing(f"{key} rank", "the rank is not known", unit="rank")
    srcs = tuple(rank["sources"].split(";"))
    known = known_dates(dataset.sources)
    pub = max((known.get(s, "") for s in srcs), default="")
    if rank["basis"] == "reported":
        words = (f"number {rank['rank']} of the top {rank['of']}" if rank["rank"] is not None
                 else f"outside the top {rank['of']}") + f" in the published ranking ({text.fmt_sources(srcs)})"
    else:
        words = (f"the {text.ordinal(rank['rank'])} largest destination (the tonnages on file leave no room for "
                 "a larger one)" if rank["rank"] > 1 else
                 "the largest destination (the tonnages on file leave no room for a larger one)")
    return Fact(key=f"{key} rank", text=words, status="reported" if rank["basis"] == "reported" else "derived",
                value=None if rank["rank"] is None else float(rank["rank"]), sources=srcs, unit="rank", published=pub,
                claim=statements.rank_claim(key.split()[0], key.split()[1], rank["rank"], rank["of"]))

@lru_cache(maxsize=512)   # page 1, the chapters and the sweep ask for the same month more than once
def month(dataset: Dataset, month: str, partner: str = TOTAL) -> MonthFacts:
    """The facts of ``month`` for ``partner`` (``WLD`` for all destinations); the same object for the same
    dataset, month and partner (facts are read, never changed)."""
    p = partner
    key = f"{p} {month}"
    e = estimate(dataset, p, month)
    span_e = _within(dataset, p, month) if e is None else None
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
                    low=share[1], high=share[2], sources=tuple(e.sources), unit="%", published=e.published,
                    claim=statements.share_claim(p, month, share))
               if share else _missing(f"{key} share", "not known", unit="%")),
        rank=_rank_fact(dataset, key, rank, e),
        streak=_claimed(f"{key} streak", statements.streak(dataset, month, p), statements.streak_words),
        record=_claimed(f"{key} record", statements.record(dataset, month, p), statements.record_words),
        events=plain(f"{month} events", _events(dataset, month)),
        provenance=plain(f"{key} provenance", _provenance(e)),
        notes=plain(f"{key} notes", notes),
        within=tonnage(span_e, f"{p} {span_e.key[1]}..{span_e.key[2]} tonnes") if span_e else _missing(f"{key} within"),
        within_name=plain(f"{key} within name", text.period_name(span_e.key[1], span_e.key[2]) if span_e else ""),
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
    return Fact(key=f"event {event_id}", text=f"{text.readable_dates(r.description)} ({r.source_id})", status="reported",
                sources=(r.source_id,), published=published_date(r.date), claim=statements.event_claim(event_id, r.date))

def event_date(dataset: Dataset, event_id: str) -> Fact:
    """The day of one event: ``19 June 2025``."""
    if event_id not in set(dataset.events.event_id):
        return _not_yet(dataset, f"event {event_id} date")
    r = dataset.events.set_index("event_id").loc[event_id]
    return Fact(key=f"event {event_id} date", text=text.day_name(r.date), status="reported",
                published=published_date(r.date), claim=statements.event_claim(event_id, r.date))

def month_chapter(facts: MonthFacts, focus: MonthFacts | None = None) -> str:
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

def month_chapters(dataset: Dataset, after: str, through: str, focus_partner: str | None = None) -> str:
    """The paragraphs of every month after ``after`` up to ``through``, in order ('' when none)."""
    if through <= after:
        return ""
    out = []
    for m in month_range(add_months(after, 1), through):
        f = month(dataset, m)
        focus = month(dataset, m, focus_partner) if focus_partner and focus_partner != TOTAL else None
        out.append(month_chapter(f, focus))
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
        "average": Fact(key=f"{key} average", text=f"about {text.fmt_num(known.tonnes.mean())} t a month",
                        status="derived", value=float(known.tonnes.mean()), unit="t", published=pub),
        "low": plain(f"{key} low", f"{text.fmt_num(lo.tonnes)} t in {text.month_name(lo.month).split()[0]}"),
        "high": plain(f"{key} high", f"{text.fmt_num(hi.tonnes)} t in {text.month_name(hi.month).split()[0]}"),
        "missing": plain(f"{key} missing", ", ".join(missing) or "none"),
    }

def months_in_brief(*months: MonthFacts) -> Fact:
    """A year's first months as sentences: ``2025 opened at 4,567 t in January. February was 3,900 t.``;
    a month not on file reads ``January 2025 was not published.`` (never "opened at not reported")."""
    parts, opened, said = [], False, set()
    for i, m in enumerate(months):
        month_word = text.month_name(m.month).split()[0]
        if not m.tonnes:
            if m.within and m.within.key in said:
                continue   # published with a month already said (January and February together)
            together = [x for x in months[i:] if not x.tonnes and x.within and x.within.key == m.within.key]
            parts.append(_not_alone(m, together) if m.within else _not_alone(m))
            if m.within:
                said.add(m.within.key)
            continue
        if not opened and m.month.endswith("-01"):
            parts.append(f"{m.month[:4]} opened at {m.tonnes} in {month_word}.")
        else:
            parts.append(f"{month_word if opened else m.month_name} was {m.tonnes}.")
        opened = True
        if m.provenance.text:
            parts.append(m.provenance.text)
    known = [m.tonnes for m in months if m.tonnes]
    within = [m.within for m in months if not m.tonnes and m.within]
    return Fact(key=" ".join(f"{m.partner} {m.month}" for m in months[:1]) + " brief", text=" ".join(parts),
                status="reported" if known or within else "missing",
                sources=tuple(s for t in known + within for s in t.sources),
                published=max((t.published for t in known + within), default=""),
                parts=tuple(known) + tuple(dict.fromkeys(within)))

def _not_alone(m: MonthFacts, together: list | None = None) -> str:
    """A month not on file on its own, said with what is known of it: the months it was published with
    (``January and February 2025 were not published on their own: together they were about 9,910 t, …``)."""
    if not m.within:
        return f"{m.month_name} was not published, and no published figure gives it."
    together = together or [m]
    if len(together) > 1:
        names = _and([text.month_name(x.month).split()[0] for x in together]) + " " + m.month[:4]
        return f"{names} were not published on their own: together they were {m.within}."
    return f"{m.month_name} was not published on its own: {m.within_name} together were {m.within}."


def _within(dataset: Dataset, partner: str, month: str) -> Estimate | None:
    """The shortest known span of up to three months that holds ``month`` (January and February together)."""
    from helpers.analysis.series import derive

    spans = [k for k in derive(dataset).estimates if k[0] == partner and k[1] != k[2] and k[1] <= month <= k[2]
             and len(month_range(k[1], k[2])) <= 3]
    if not spans:
        return None
    return estimate(dataset, *min(spans, key=lambda k: (len(month_range(k[1], k[2])), k)))


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
    on_file = statements.monthly(dataset, partner)
    window = month_range(start, end)
    known = [on_file[m] for m in window if m in on_file]
    key = f"{partner} {start}..{end}"
    missing = ", ".join(text.month_name(m) for m in window if m not in on_file) or "none"
    if not known:
        none = plain(f"{key} known", f"none of the {len(window)} months", status="missing", value=0.0)
        return {"known": none, "reported": plain(f"{key} reported", "0"), "derived": plain(f"{key} derived", "0"),
                "latest": _missing(f"{key} latest"), "latest_month": plain(f"{key} latest month", "no month"),
                "latest_line": plain(f"{key} latest line", "not reported", status="missing"),
                "peak": _missing(f"{key} peak"), "low": _missing(f"{key} low"),
                "not_reported": plain(f"{key} missing", missing)}
    last = known[-1].key[1]
    return {
        "known": plain(f"{key} known", f"{len(known)} of the {len(window)} months", value=float(len(known))),
        "reported": plain(f"{key} reported", str(sum(e.status == "reported" for e in known))),
        "derived": plain(f"{key} derived", str(sum(e.status == "derived" for e in known))),
        "latest_month": plain(f"{key} latest month", text.month_name(last)),
        "latest": tonnage(known[-1], f"{partner} {last} tonnes"),
        "latest_line": partner_line(month(dataset, last, partner)),
        "peak": extreme(dataset, statements.window_extreme(dataset, end, len(month_range(start, end)), "highest",
                                                           partner), f"{key} peak"),
        "low": extreme(dataset, statements.window_extreme(dataset, end, len(month_range(start, end)), "lowest",
                                                          partner), f"{key} low"),
        "not_reported": plain(f"{key} missing", missing),
    }

def rank_history(dataset: Dataset, partner: str, end: str) -> Fact:
    """Where a destination stood in each reported ranking up to ``end``, one clause per month."""
    if partner in GROUPS:   # a bloc is not a destination among countries: its members are ranked, not it
        return plain(f"{partner} ranks", f"{text.in_sentence(dataset.partner_name(partner))} is a bloc, reported as a "
                     "whole: the published rankings rank countries, its members among them, so it has no rank of "
                     "its own.")
    ranks = compare.partner_ranks(dataset, partner)
    ranks = ranks[ranks.month <= end]
    if ranks.empty:
        return plain(f"{partner} ranks", "No ranking of destinations was reported up to this edition.",
                     status="missing")
    parts = [f"in {text.month_name(r.month)} " + (f"{text.ordinal(int(r.rank))} of the top {r.of}" if pd.notna(r.rank)
                                                 else f"outside the top {r.of}") + f" ({text.fmt_sources(r.source_id)})"
             for r in ranks.itertuples()]
    return plain(f"{partner} ranks", "In the rankings the sources reported it stood " + "; ".join(parts) + ".")

def extreme(dataset: Dataset, claim: dict, key: str) -> Fact:
    """The highest or lowest month of a window as words with its tonnage: ``May 2025 (1,238 t)``, a derived
    one said so: ``March 2025 (about 5,360 t, derived)``."""
    if not claim:
        return _missing(key)
    e = compare.estimate(dataset, claim["partner"], claim["first"])
    t = tonnage(e, f"{claim['partner']} {claim['first']} tonnes")
    value = text.fmt_tonnes(e.value) if e.status == "reported" else f"{text.about(e)}, derived"
    return Fact(key=key, text=f"{text.month_name(claim['first'])} ({value})", status=e.status, value=e.value,
                claim=dict(claim, status=e.status), parts=(t,), published=e.published)


def largest(dataset: Dataset, month: str) -> Fact:
    """The largest destination of ``month``, only where it is known: from a published ranking, or from
    tonnages that leave no room for another order; otherwise says which destinations have a figure."""
    known = compare.partners_in_month(dataset, month)
    known = known[~known.partner.isin(["EU"])]
    if known.empty:
        return plain(f"{month} largest", "no destination has a figure", status="missing")
    ranking = compare.reported_ranking(dataset, month)
    if len(ranking):
        top = ranking.iloc[0]
        return Fact(key=f"{month} largest", text=f"the largest destination was {text.in_sentence(top['name'])}, "
                    f"first in the published ranking ({text.fmt_sources(top.source_id)})", value=1.0,
                    sources=tuple(str(top.source_id).split(";")), claim=statements.rank_claim(top.partner, month, 1))
    top = known.iloc[0]
    if (r := compare.known_rank(dataset, month, top.partner)) and r["rank"] == 1:
        return Fact(key=f"{month} largest", text=f"the largest destination was {text.in_sentence(top['name'])} "
                    f"({text.fmt_tonnes(top.tonnes)}): the tonnages on file leave no room for a larger one",
                    value=float(top.tonnes), claim=statements.rank_claim(top.partner, month, 1))
    names = _and([f"{text.in_sentence(n)} ({text.fmt_tonnes(t)})" for n, t in zip(known.name, known.tonnes)][:5])
    return plain(f"{month} largest", f"no ranking of destinations was published, and the "
                 f"{text.plural(len(known), 'destination')} with a figure ({names}) do not settle which was largest",
                 value=float(len(known)))
