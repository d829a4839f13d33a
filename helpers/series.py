"""Build the monthly series: reported values, derived values, and what stays missing.

Every reported figure is a constraint between quantities. A *quantity* is the
tonnage exported to one partner over a span of months (a single month, or a
cumulative total such as Jan–Jun). The constraints are:

- a reported tonnage fixes a quantity (within the rounding of its last digit);
- a reported month-on-month change links a month to the month before;
- a reported year-on-year change links a span to the same span a year earlier;
- a span is the sum of its months (and of any two spans that tile it).

:func:`derive` applies these relations over and over, each round deriving the
still-unknown quantities from the known ones and keeping, for each, the
derivation with the narrowest range. Ranges are carried with interval
arithmetic (``mpmath.iv``): a reported ``−51 %`` means anything in
``[−51.5 %, −50.5 %)``, a reported ``2,627 t`` anything in ``[2,626.5, 2,627.5)``.
A derived value records its formula, the figures it used, and its range. What no
relation reaches stays missing: nothing is interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from mpmath import iv

from .data import MAIN_SERIES, MEASURES, TOTAL, Dataset
from .errors import DataError
from .text import fmt_pct, fmt_t

#: A quantity: (partner, first month, last month).
Key = tuple[str, str, str]


def add_months(month: str, n: int) -> str:
    """``add_months("2025-01", -1) == "2024-12"``."""
    p = pd.Period(month, freq="M") + n
    return f"{p.year:04d}-{p.month:02d}"


def month_range(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` inclusive, as ``YYYY-MM``."""
    return [f"{p.year:04d}-{p.month:02d}" for p in pd.period_range(start, end, freq="M")]


def span_label(key: Key) -> str:
    """``US 2025-06`` or ``WLD 2025-01..2025-06``."""
    p, a, b = key
    return f"{p} {a}" if a == b else f"{p} {a}..{b}"


@dataclass
class Estimate:
    """What is known of one quantity."""

    key: Key
    value: float                      #: the point value (computed from the reported point values)
    low: float                        #: lower end of the range the rounding allows
    high: float                       #: upper end
    status: str                       #: "reported" or "derived"
    sources: tuple[str, ...]          #: the sources of every figure it rests on
    method: str = ""                  #: how it was derived, in words and numbers
    formula: str = ""                 #: the relation, symbolically
    inputs: tuple[str, ...] = ()      #: ids of the figures it used
    checks: list[str] = field(default_factory=list)  #: other derivations that agree (or not)

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def interval(self):
        return iv.mpf([self.low, self.high])


def _figure_id(row) -> str:
    span = row.from_month if row.from_month == row.to_month else f"{row.from_month}..{row.to_month}"
    return f"{row.partner}:{span}:{row.measure}:{row.source_id}"


@dataclass
class Knowledge:
    """Every quantity's estimate and every reported change, for one dataset."""

    estimates: dict[Key, Estimate]
    mom: dict[Key, list]   #: (partner, m, m) -> [(interval of 1+r, point 1+r, figure id, source, text)]
    yoy: dict[Key, list]   #: same for year-on-year changes of a span
    reported_totals: dict[Key, Estimate]  #: the reported tonnages only (for reconciliation)


def _reported(dataset: Dataset) -> Knowledge:
    f = dataset.figures
    # tonnages and their changes only: values (usd_m) and prices (usd_per_kg) never enter the series
    f = f[(f.series == MAIN_SERIES) & f.measure.isin(MEASURES)]
    estimates: dict[Key, Estimate] = {}
    mom: dict[Key, list] = {}
    yoy: dict[Key, list] = {}
    resolutions = {
        (r.partner, r.from_month, r.to_month, r.measure): r.winning_source_id
        for r in dataset.resolutions[dataset.resolutions.series == MAIN_SERIES].itertuples()
    }
    for (partner, a, b, measure), group in f.groupby(["partner", "from_month", "to_month", "measure"], sort=True):
        key = (partner, a, b)
        rows = list(group.itertuples())
        winner = resolutions.get((partner, a, b, measure))
        if winner is not None:
            chosen = [r for r in rows if r.source_id == winner]
            rows = chosen or rows
        # every reported value of one figure must agree within rounding
        lo = max(r.value - r.half_width for r in rows)
        hi = min(r.value + r.half_width for r in rows)
        if lo > hi:
            a_row, b_row = rows[0], rows[1]
            for x in rows:
                for y in rows:
                    if x.value + x.half_width < y.value - y.half_width:
                        a_row, b_row = x, y
            raise DataError(b_row.file, f"{measure} of {span_label(key)} = {b_row.value:g} ({b_row.source_id}) "
                            f"conflicts with {a_row.value:g} ({a_row.source_id}, {a_row.file} row {a_row.row}); "
                            "add a resolutions.csv row naming the source that wins",
                            row=int(b_row.row), column="value")
        best = min(rows, key=lambda r: r.half_width)   # the most precise report gives the point value
        sources = tuple(dict.fromkeys(r.source_id for r in rows))
        ids = tuple(_figure_id(r) for r in rows)
        if measure == "tonnes":
            estimates[key] = Estimate(key, float(best.value), float(lo), float(hi), "reported", sources,
                                      inputs=ids)
        else:
            factor = iv.mpf([1 + lo / 100, 1 + hi / 100])
            entry = (factor, 1 + best.value / 100, ids[0], sources, fmt_pct(best.value))
            (mom if measure == "mom_pct" else yoy).setdefault(key, []).append(entry)
    return Knowledge(estimates=estimates, mom=mom, yoy=yoy, reported_totals=dict(estimates))


def _candidate(key, point, interval, sources, method, formula, inputs) -> Estimate:
    return Estimate(key, float(point), float(interval.a), float(interval.b), "derived",
                    tuple(dict.fromkeys(sources)), method=method, formula=formula, inputs=tuple(inputs))


def _candidates(k: Knowledge) -> list[Estimate]:
    """Every derivation of a quantity not yet known, from what is known now."""
    est = k.estimates
    out: list[Estimate] = []

    # a change links a quantity to the one `lag` months earlier: X[this] = X[prev] * (1 + r)
    for changes, lag, name in ((k.mom, 1, "mom"), (k.yoy, 12, "yoy")):
        unit = "m/m" if lag == 1 else "y/y"
        for (p, a, b), entries in changes.items():
            this, prev = (p, a, b), (p, add_months(a, -lag), add_months(b, -lag))
            lab, plab = span_label(this).split(" ", 1)[1], span_label(prev).split(" ", 1)[1]
            for factor, point, fid, src, text in entries:
                if this in est and prev not in est:
                    e = est[this]
                    out.append(_candidate(prev, e.value / point, e.interval / factor, e.sources + src,
                                          f"{lab} ({fmt_t(e.value)}) ÷ (1 {text} {unit})",
                                          f"X[{plab}] = X[{lab}] / (1 + {name}[{lab}])", e.inputs + (fid,)))
                if prev in est and this not in est:
                    e = est[prev]
                    out.append(_candidate(this, e.value * point, e.interval * factor, e.sources + src,
                                          f"{plab} ({fmt_t(e.value)}) × (1 {text} {unit})",
                                          f"X[{lab}] = X[{plab}] × (1 + {name}[{lab}])", e.inputs + (fid,)))

    # sums: a known span minus its other known parts gives the one missing part
    spans = [key for key in est if key[1] != key[2]]
    for span in spans:
        p, a, b = span
        whole = est[span]
        # 1. all months but one known
        months = month_range(a, b)
        unknown = [m for m in months if (p, m, m) not in est]
        if len(unknown) == 1:
            parts = [est[(p, m, m)] for m in months if m != unknown[0]]
            out.append(_difference((p, unknown[0], unknown[0]), whole, parts))
        # 2. a known span with the same start (or end) leaves the rest
        for other in spans:
            q, c, d = other
            if q != p or other == span:
                continue
            if c == a and d < b:
                rest = (p, add_months(d, 1), b)
            elif d == b and c > a:
                rest = (p, a, add_months(c, -1))
            else:
                continue
            if rest[1] == rest[2] and rest in est:
                continue
            if rest not in est:
                out.append(_difference(rest, whole, [est[other]]))
        # a known span can also be split off by a single known month at either end
        for m, rest in (((p, a, a), (p, add_months(a, 1), b)), ((p, b, b), (p, a, add_months(b, -1)))):
            if m in est and rest not in est and rest[1] <= rest[2]:
                out.append(_difference(rest, whole, [est[m]]))
    # 3. all months of a span known, the span itself not: the sum (kept as a span quantity)
    return [c for c in out if c is not None and c.low >= -0.5]


def _difference(target: Key, whole: Estimate, parts: list[Estimate]) -> Estimate:
    point = whole.value - sum(e.value for e in parts)
    interval = whole.interval - sum((e.interval for e in parts), iv.mpf(0))
    lab = span_label(whole.key).split(" ", 1)[1]
    tl = span_label(target).split(" ", 1)[1]
    names = [span_label(e.key).split(" ", 1)[1] for e in parts]
    method = f"{lab} ({fmt_t(whole.value)}) − " + " − ".join(
        f"{n} ({fmt_t(e.value)})" for n, e in zip(names, parts))
    formula = f"X[{tl}] = X[{lab}] − " + " − ".join(f"X[{n}]" for n in names)
    sources = whole.sources + tuple(s for e in parts for s in e.sources)
    inputs = whole.inputs + tuple(i for e in parts for i in e.inputs)
    return _candidate(target, point, interval, sources, method, formula, inputs)


def derive(dataset: Dataset, max_rounds: int = 12) -> Knowledge:
    """Every quantity the reported figures determine, each reported or derived.

    Each round derives every still-unknown quantity reachable from the known
    ones (keeping the narrowest derivation), until nothing new can be derived.
    Reported values are never replaced; other derivations of a known value are
    recorded in its ``checks`` (the reconciliation uses them).
    """
    return _derive_cached(dataset, max_rounds)


@lru_cache(maxsize=8)
def _derive_cached(dataset: Dataset, max_rounds: int) -> Knowledge:
    k = _reported(dataset)
    for _ in range(max_rounds):
        best: dict[Key, Estimate] = {}
        for c in _candidates(k):
            if c.key not in best or c.width < best[c.key].width:
                best[c.key] = c
        if not best:
            break
        k.estimates.update(best)
    return k


def build_monthly_series(dataset: Dataset, partner: str = TOTAL, start: str = "2024-01",
                         end: str | None = None) -> pd.DataFrame:
    """The monthly series of one partner from ``start`` to ``end`` (default: latest month).

    One row per month: ``month``, ``partner``, ``tonnes`` (NaN when missing),
    ``low``/``high`` (the range the rounding of the reported figures allows),
    ``status`` (reported / derived / missing), ``sources`` (``;``-joined ids),
    ``method`` (how a derived value was derived) and ``formula``.
    """
    end = end or dataset.latest_month
    k = derive(dataset)
    rows = []
    for m in month_range(start, end):
        e = k.estimates.get((partner, m, m))
        if e is None:
            rows.append(dict(month=m, partner=partner, tonnes=float("nan"), low=float("nan"),
                             high=float("nan"), status="missing", sources="", method="", formula=""))
        else:
            rows.append(dict(month=m, partner=partner, tonnes=e.value, low=e.low, high=e.high,
                             status=e.status, sources=";".join(e.sources),
                             method=e.method if e.status == "derived" else "reported by " + ", ".join(e.sources),
                             formula=e.formula))
    df = pd.DataFrame(rows)
    df["status"] = pd.Categorical(df.status, categories=["reported", "derived", "missing"])
    return df


def estimate(dataset: Dataset, partner: str, first: str, last: str | None = None) -> Estimate | None:
    """The estimate of one quantity (a month, or a span of months), or None.

    For a span: the reported total if there is one, else the sum of its months
    when all are known, else a total derived from other totals, else None.
    """
    last = last or first
    k = derive(dataset)
    key = (partner, first, last)
    known = k.estimates.get(key)
    if known is not None and (first == last or known.status == "reported"):
        return known
    months = [k.estimates.get((partner, m, m)) for m in month_range(first, last)]
    if any(e is None for e in months):
        return known  # a span derived from other totals, or None
    total = sum((e.interval for e in months), iv.mpf(0))
    return Estimate(key, sum(e.value for e in months), float(total.a), float(total.b),
                    "reported" if all(e.status == "reported" for e in months) else "derived",
                    tuple(dict.fromkeys(s for e in months for s in e.sources)),
                    method="sum of " + ", ".join(e.key[1] for e in months),
                    formula=f"X[{first}..{last}] = Σ X[m]",
                    inputs=tuple(i for e in months for i in e.inputs))
