"""Statements: what a report asserts, typed, and the one judge of whether each holds.

Every number-bearing sentence a report prints rests on statements. A statement is a
:class:`helpers.story.monthfacts.Fact` whose ``claim`` says what it asserts, as data:

========== ======================================================================================
kind        what it asserts (beyond ``partner`` and the months ``first``..``last``)
========== ======================================================================================
value       a tonnage (a month or a span: a cumulative or year-to-date total), ``low``..``high``,
            ``status`` reported or derived
change      the change of ``first..last`` on ``base_first..base_last`` (m/m, y/y), in %
share       a destination's share of the month's total, in %
rank        a destination's place (``rank``: 1 is "the largest") in ``first``
record      ``first`` was the ``word`` (highest / lowest) since ``since`` (exclusive: ``since`` was
            at least as high), or of the months on file from ``since`` (``inclusive``), or of the
            ``window`` months to it; ``qualified`` when the sentence says "of the months on file"
streak      ``n`` monthly changes in a row in one ``direction`` (rise / fall) ending in ``first``
share_shift a destination's share of the total over two periods (``periods``), in %
revision    ``count`` values of ``first..last`` changed between the vintage first known and the
            edition's (reported figures revised, derived values worked out again)
event       event ``event_id`` happened on ``date``
gap         no figure for ``partner`` in ``first`` is on file (never on page 1)
unit_value  a price, US$ per kg, of ``first..last``: reported, or ``usd_m`` ÷ ``tonnes`` (derived)
            where both are known (:mod:`helpers.analysis.values`)
freshness   ``first`` is the latest month on file, ``released`` on a day; on ``build_date`` GAC's calendar
            had releases due through ``due_through``: ``behind`` months (:mod:`helpers.analysis.freshness`)
========== ======================================================================================

:func:`helpers.analysis.judge.judge` recomputes a claim from the data *as known on the edition's date* (the
dataset it is given) and returns a :class:`Verdict`: ``consistent``, ``inconsistent`` (with
why, in one line) or ``not checkable``. The build judges every statement a report states
before it publishes (``pipeline/build/worker.py``), and the claims of a news article are read into
the same claims and judged by the same function (:mod:`helpers.articles.claims`).
:mod:`helpers.story.lead` draws page 1's candidate statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache


from helpers.analysis import compare
from helpers import text
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset, known_dates
from helpers.months import add_months, month_range

#: Two values count as equal when they differ by less than this (whole tonnes, tenths of a point).
TOLERANCE = {"t": 0.5, "%": 0.05}


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
    #: what it asserts, as data the judge recomputes (:mod:`helpers.analysis.statements`): kind, partner, months, terms
    claim: dict = field(default_factory=dict, compare=False, hash=False)

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
                "note": self.note, **({"parts": [f.record() for f in self.parts]} if self.parts else {}),
                **({"claim": self.claim} if self.claim else {})}

# --------------------------------------------------------------------------- claims from values


def value_claim(e) -> dict:
    """The claim of a tonnage estimate (:class:`helpers.analysis.series.Estimate`)."""
    p, a, b = e.key
    return {"kind": "value", "partner": p, "first": a, "last": b, "value": e.value, "low": e.low, "high": e.high,
            "status": e.status}


def change_claim(c) -> dict:
    """The claim of a change (:class:`helpers.analysis.compare.Change`)."""
    p, a, b = c.current.key
    _, ba, bb = c.base.key
    return {"kind": "change", "partner": p, "first": a, "last": b, "base_first": ba, "base_last": bb,
            "value": c.pct, "low": c.low, "high": c.high, "status": c.status}


def share_claim(partner: str, month: str, share: tuple[float, float, float]) -> dict:
    return {"kind": "share", "partner": partner, "first": month, "last": month, "value": share[0],
            "low": share[1], "high": share[2]}


def rank_claim(partner: str, month: str, rank: int | None, of: int | None = None) -> dict:
    return {"kind": "rank", "partner": partner, "first": month, "last": month, "rank": rank, "of": of}


def gap_claim(partner: str, month: str) -> dict:
    return {"kind": "gap", "partner": partner, "first": month, "last": month}


def event_claim(event_id: str, date: str) -> dict:
    return {"kind": "event", "event_id": event_id, "date": date}


# --------------------------------------------------------------------------- the series the judge reads


@lru_cache(maxsize=64)
def _monthly_cached(dataset: Dataset, partner: str) -> dict:
    return {a: e for (p, a, b), e in compare.derive(dataset).estimates.items() if p == partner and a == b}


def monthly(dataset: Dataset, partner: str = TOTAL) -> dict:
    """``{month: Estimate}`` of every month of ``partner`` with a known (reported or derived) tonnage."""
    return _monthly_cached(dataset, partner)


def first_month_on_file(dataset: Dataset, partner: str = TOTAL) -> str:
    """The first month with a known (reported or derived) tonnage for ``partner``."""
    return min(monthly(dataset, partner), default="")


def latest_known_month(dataset: Dataset, partner: str, through: str) -> str:
    """The latest month up to ``through`` with a known tonnage for ``partner`` ("" when none)."""
    return max((m for m in monthly(dataset, partner) if m <= through), default="")


# --------------------------------------------------------------------------- statements of the series


def record(dataset: Dataset, month: str, partner: str = TOTAL, min_span: int = 3) -> dict | None:
    """The record claim a month makes, if any: highest or lowest since a month, or of every month on file.

    ``since`` is the last earlier month that was at least as high (low) when it is at least
    ``min_span`` known months back; ``inclusive`` when no earlier month on file beats it (then
    ``since`` is the first month on file). ``qualified`` when months in between are not on file."""
    known = monthly(dataset, partner)
    if month not in known:
        return None
    earlier = sorted(m for m in known if m < month)
    if len(earlier) < 3:
        return None
    value = known[month].value
    for word in ("highest", "lowest"):
        above = [m for m in earlier if (known[m].value >= value if word == "highest" else known[m].value <= value)]
        if not above:
            since, inclusive = earlier[0], True
            span = month_range(since, add_months(month, -1))
        else:
            since, inclusive = above[-1], False
            if sum(1 for m in earlier if m > since) < min_span:
                continue
            span = month_range(add_months(since, 1), add_months(month, -1)) if add_months(since, 1) < month else []
        qualified = any(m not in known for m in span)
        return {"kind": "record", "partner": partner, "first": month, "last": month, "word": word, "since": since,
                "inclusive": inclusive, "qualified": qualified, "value": value}
    return None


def record_words(claim: dict) -> str:
    """``the highest since March 2024``; ``the lowest of the months on file since August 2023``."""
    if not claim:
        return ""
    since = text.month_name(claim["since"])
    if claim["inclusive"]:
        return (f"the {claim['word']} of every month on file, which begins in {since}" if not claim["qualified"] else
                f"the {claim['word']} of the months on file, which begin in {since}")
    return f"the {claim['word']} {'of the months on file ' if claim['qualified'] else ''}since {since}"


def streak(dataset: Dataset, month: str, partner: str = TOTAL, min_n: int = 2) -> dict | None:
    """The run of monthly rises or falls ending in ``month`` (two or more), as a claim; ``at_least`` when the
    month before the run is not on file (the run may be longer)."""
    known = monthly(dataset, partner)
    direction, n, m, open_ = None, 0, month, True
    while m in known and add_months(m, -1) in known:
        d = "rise" if known[m].value > known[add_months(m, -1)].value else "fall"
        if direction is None:
            direction = d
        elif d != direction:
            open_ = False
            break
        n, m = n + 1, add_months(m, -1)
    if n < min_n:
        return None
    return {"kind": "streak", "partner": partner, "first": month, "last": month, "direction": direction, "n": n,
            "at_least": open_}


def streak_words(claim: dict) -> str:
    """``the third monthly rise in a row`` (``at least the third …`` where the run's start is not on file)."""
    if not claim:
        return ""
    return f"{'at least ' if claim['at_least'] else ''}the {text.ordinal(claim['n'])} monthly {claim['direction']} in a row"


def window_extreme(dataset: Dataset, month: str, months: int, word: str, partner: str = TOTAL) -> dict | None:
    """The highest or lowest known month of the ``months`` months to ``month``, as a claim."""
    first = add_months(month, -(months - 1))
    known = monthly(dataset, partner)
    window = month_range(first, month)
    have = [m for m in window if m in known]
    if len(have) < 3:
        return None
    pick = (max if word == "highest" else min)(have, key=lambda m: known[m].value)
    return {"kind": "record", "partner": partner, "first": pick, "last": pick, "word": word, "window": months,
            "window_end": month, "since": first, "inclusive": True, "qualified": len(have) < len(window),
            "value": known[pick].value, "status": known[pick].status}


# --------------------------------------------------------------------------- vintages


def _release_dates(dataset: Dataset) -> list[str]:
    dates = sorted({d for d in known_dates(dataset.sources).values() if d})
    cut = dataset.known_on_date
    return [d for d in dates if not cut or d <= cut]


def release_dates(dataset: Dataset) -> list[str]:
    """Every day on which figures on file became known (up to the dataset's own date)."""
    return _release_dates(dataset)


@lru_cache(maxsize=8)
def _vintage_table(dataset: Dataset, partner: str) -> dict[tuple[str, str], list[tuple[str, float, str]]]:
    """(first, last) -> [(date, value, status)]: each change of a monthly value of ``partner`` across the
    days the data changed, first vintage first."""
    out: dict[tuple[str, str], list[tuple[str, float, str]]] = {}
    for d in _release_dates(dataset):
        k = compare.derive(dataset.known_on(d))
        for (p, a, b), e in k.estimates.items():
            if p != partner or a != b:
                continue
            hist = out.setdefault((a, b), [])
            if not hist or abs(hist[-1][1] - e.value) >= TOLERANCE["t"]:
                hist.append((d, e.value, e.status))
    return out


def revisions(dataset: Dataset, first: str, last: str, partner: str = TOTAL) -> list[dict]:
    """The monthly values of ``first..last`` whose value, as known on the dataset's date, differs from the
    value first known (whole tonnes): ``[{month, first_value, first_date, value, status, date}]``."""
    rows = []
    for (a, _), hist in sorted(_vintage_table(dataset, partner).items()):
        if first <= a <= last and len(hist) > 1:
            rows.append({"month": a, "first_value": hist[0][1], "first_status": hist[0][2], "first_date": hist[0][0],
                         "value": hist[-1][1], "status": hist[-1][2], "date": hist[-1][0]})
    return rows


def revision_claim(dataset: Dataset, first: str, last: str, partner: str = TOTAL) -> dict:
    rows = revisions(dataset, first, last, partner)
    return {"kind": "revision", "partner": partner, "first": first, "last": last, "count": len(rows),
            "months": [r["month"] for r in rows]}


def _days(date: str, end: str) -> str:
    """``19 June``; ``9–10 June`` for an event over days of one month."""
    first = text.day_name(date)[:-5]
    if isinstance(end, str) and end and end != date:
        last = text.day_name(end)[:-5]
        return f"{first.split()[0]}–{last}" if end[:7] == date[:7] else f"{first}–{last}"
    return first
