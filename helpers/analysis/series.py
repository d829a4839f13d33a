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
arithmetic (:mod:`helpers.analysis.intervals`: bounds rounded outward, exactly as
``mpmath.iv`` would): a reported ``−51 %`` means anything in ``[−51.5 %, −50.5 %]``,
a reported ``2,627 t`` anything in ``[2,626.5, 2,627.5]``.
A derived value records its formula, the figures it used (:class:`FigureRef`),
its range and when it became known (``published``). What no relation reaches
stays missing: nothing is interpolated.

Cost grows linearly with the number of figures: reported figures are grouped
once (one pass over the sorted table); the relations are indexed by partner
(a span only meets the spans and months of its own partner) and by quantity (a
change links one quantity to one other), so each round and each cross-check
(:func:`derivations_of`) looks only at the relations touching its quantity.

The public derivation API: :func:`reported` (the reported figures only),
:func:`derive` (everything they determine), :func:`derivations_of` (every way to
derive one quantity from the others: the cross-checks), :func:`estimate` and
:func:`build_monthly_series`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers.analysis import intervals
from helpers.data.tables import MAIN_SERIES, MEASURES
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset, known_dates, published_date
from helpers.errors import DataError
from helpers.analysis.intervals import Interval
from helpers.text import fmt_pct, fmt_t
from helpers.months import add_months, _month_range, month_range  # noqa: E402

#: A quantity: (partner, first month, last month).
Key = tuple[str, str, str]


def span_label(key: Key) -> str:
    """``US 2025-06`` or ``WLD 2025-01..2025-06``."""
    p, a, b = key
    return f"{p} {a}" if a == b else f"{p} {a}..{b}"


def _span_text(a: str, b: str) -> str:
    return a if a == b else f"{a}..{b}"


@dataclass(frozen=True, order=True)
class FigureRef:
    """One reported figure: ``str()`` gives ``US:2025-06:tonnes:S1`` (``WLD:2025-01..2025-06:…`` for a span)."""

    partner: str
    first: str
    last: str
    measure: str
    source_id: str

    @property
    def key(self) -> Key:
        return (self.partner, self.first, self.last)

    def __str__(self) -> str:
        return f"{self.partner}:{_span_text(self.first, self.last)}:{self.measure}:{self.source_id}"


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
    inputs: tuple[FigureRef, ...] = ()  #: the figures it used
    checks: list[str] = field(default_factory=list)  #: other derivations that agree (or not)
    #: when it became known: the latest ``published`` date (YYYY-MM-DD; a month-only date
    #: counts as its last day) of the sources of every figure it rests on
    published: str = ""

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def interval(self) -> Interval:
        return Interval(self.low, self.high)


class ReportedChange(NamedTuple):
    """A reported change of a quantity: the growth factor ``1 + r`` as a range and a point."""

    low: float          #: lower end of 1 + r
    high: float         #: upper end of 1 + r
    point: float        #: 1 + r from the reported value
    ref: FigureRef
    sources: tuple[str, ...]
    text: str           #: the reported change as written (``−51%``)
    published: str

    @property
    def factor(self) -> Interval:
        return Interval(self.low, self.high)


@dataclass
class Knowledge:
    """Every quantity's estimate and every reported change, for one dataset."""

    estimates: dict[Key, Estimate]
    mom: dict[Key, list[ReportedChange]]   #: (partner, m, m) -> the reported month-on-month changes of m
    yoy: dict[Key, list[ReportedChange]]   #: same for year-on-year changes of a span
    reported_totals: dict[Key, Estimate]   #: the reported tonnages only (for reconciliation)
    spans: dict[str, list[Key]] = field(default_factory=dict)  #: partner -> its known spans, in order
    span_order: list[Key] = field(default_factory=list)         #: every known span, in the order known
    #: figures a later publication revised: the first vintage is kept here, the latest is used
    revisions: list[dict] = field(default_factory=list)

    def add(self, new: dict[Key, Estimate]) -> None:
        """Record newly known quantities (never replacing a known one)."""
        for key, e in new.items():
            self.estimates[key] = e
            if key[1] != key[2]:
                self.spans.setdefault(key[0], []).append(key)
                self.span_order.append(key)

    def copy(self) -> "Knowledge":
        return Knowledge(dict(self.estimates), self.mom, self.yoy, self.reported_totals,
                         {p: list(v) for p, v in self.spans.items()}, list(self.span_order), list(self.revisions))


def _latest(dates) -> str:
    return max((d for d in dates if d), default="")


# --------------------------------------------------------------------------- the reported figures


def reported(dataset: Dataset) -> Knowledge:
    """The reported figures of the main series, one estimate per quantity (nothing derived).

    Cached per dataset; callers get their own copy of the mutable parts.
    """
    return _reported_cached(dataset).copy()


@lru_cache(maxsize=8)
def _reported_cached(dataset: Dataset) -> Knowledge:
    f = dataset.figures
    # tonnages and their changes only: values (usd_m) and prices (usd_per_kg) never enter the series
    f = f[(f.series == MAIN_SERIES) & f.measure.isin(MEASURES)]
    keys = ["partner", "from_month", "to_month", "measure"]
    res = dataset.resolutions
    res = res[res.series == MAIN_SERIES][keys + ["winning_source_id"]].drop_duplicates(keys)
    f = f.merge(res, on=keys, how="left", sort=False)
    # a resolution keeps the winning source's rows (when that source reported the figure at all) and the
    # rows that agree with them within rounding (they corroborate it); the losers' rows are dropped
    win = (f.source_id == f.winning_source_id).to_numpy()
    groups = [f[k].to_numpy() for k in keys]
    lo, hi = (f.value - f.half_width).to_numpy(), (f.value + f.half_width).to_numpy()
    has_win = pd.Series(win).groupby(groups).transform("any").to_numpy()
    win_lo = pd.Series(np.where(win, lo, -np.inf)).groupby(groups).transform("max").to_numpy()
    win_hi = pd.Series(np.where(win, hi, np.inf)).groupby(groups).transform("min").to_numpy()
    agrees = (lo < win_hi) & (hi > win_lo)   # ranges that only touch (5,773 t against 5,774 t) disagree
    f = f[~has_win | win | agrees]
    f = f.sort_values(keys, kind="mergesort")  # stable: rows of one figure keep their file order
    published = {s: published_date(p) for s, p in zip(dataset.sources.source_id, dataset.sources.published)}

    # one pass: group boundaries, then each group's range (intersection), point (most precise) and sources
    value, hw, starts, ends, lo_g, hi_g = _groups(f, keys)
    bad = np.flatnonzero(lo_g > hi_g)
    revisions: list[dict] = []
    if len(bad):
        # A later publication that changes a figure is a revision: the latest vintage is used and
        # the earlier one kept on record. Reports of one vintage must agree within rounding.
        f, revisions = _vintages(f, starts, ends, bad, published)
        value, hw, starts, ends, lo_g, hi_g = _groups(f, keys)
    partner_a, from_a, to_a, measure_a, source_a = (f[c].tolist() for c in keys + ["source_id"])
    known = known_dates(dataset.sources)  # when each figure became known: its origin's release
    pub_a = [known.get(s, "") for s in source_a]
    estimates: dict[Key, Estimate] = {}
    mom: dict[Key, list[ReportedChange]] = {}
    yoy: dict[Key, list[ReportedChange]] = {}
    changes = []  # converted to growth factors in one vectorised step below
    for g, (i, j) in enumerate(zip(starts.tolist(), ends.tolist())):
        partner, a, b, measure = partner_a[i], from_a[i], to_a[i], measure_a[i]
        key = (partner, a, b)
        lo, hi = float(lo_g[g]), float(hi_g[g])
        if j - i == 1:
            best, sources, pub = i, (source_a[i],), pub_a[i]
            ids = (FigureRef(partner, a, b, measure, source_a[i]),)
        else:
            best = i + int(np.argmin(hw[i:j]))   # the most precise report gives the point value (first on ties)
            sources = tuple(dict.fromkeys(source_a[i:j]))
            ids = tuple(FigureRef(partner, a, b, measure, s) for s in source_a[i:j])
            pub = min(d for d in pub_a[i:j] if d) if any(pub_a[i:j]) else ""  # known from its first report
        if measure == "tonnes":
            estimates[key] = Estimate(key, float(value[best]), lo, hi, "reported", sources, inputs=ids,
                                      published=pub)
        else:
            changes.append((key, measure, lo, hi, float(value[best]), ids[0], sources, pub))
    if changes:
        flo, fhi = intervals.factor(np.array([c[2] for c in changes]), np.array([c[3] for c in changes]))
        for (key, measure, _, _, point, ref, sources, pub), lo, hi in zip(changes, flo, fhi):
            entry = ReportedChange(float(lo), float(hi), 1 + point / 100, ref, sources, fmt_pct(point), pub)
            (mom if measure == "mom_pct" else yoy).setdefault(key, []).append(entry)
    k = Knowledge(estimates={}, mom=mom, yoy=yoy, reported_totals=dict(estimates), revisions=revisions)
    k.add(estimates)
    return k


def _groups(f: pd.DataFrame, keys: list[str]):
    """Per figure key (rows sorted by it): values, half-widths, group starts and ends, and each group's
    range, the intersection of its reports' rounding ranges."""
    value, hw = f.value.to_numpy(dtype=float), f.half_width.to_numpy(dtype=float)
    n = len(f)
    codes = f.groupby(keys, sort=False).ngroup().to_numpy() if n else np.zeros(0, dtype=int)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if n else np.zeros(0, dtype=int)
    ends = np.r_[starts[1:], n].astype(int)
    lo_g = np.maximum.reduceat(value - hw, starts) if n else np.zeros(0)
    hi_g = np.minimum.reduceat(value + hw, starts) if n else np.zeros(0)
    return value, hw, starts, ends, lo_g, hi_g


def _vintages(f: pd.DataFrame, starts, ends, bad, published: dict) -> tuple[pd.DataFrame, list[dict]]:
    """Resolve disagreeing reports of one figure by publication date: the latest vintage wins.

    Raises the conflict when the disagreement is within one publication date (two sources
    on the same day, or a later report that contradicts an earlier one of the same day).
    """
    drop, revisions = [], []
    for g in bad:
        rows = f.iloc[int(starts[g]):int(ends[g])]
        pubs = rows.source_id.map(lambda s: published.get(s, ""))
        latest = pubs.max()
        newest, older = rows[pubs == latest], rows[pubs < latest]
        r0 = rows.iloc[0]
        key = (r0.partner, r0.from_month, r0.to_month)
        # reports of one day must agree (two sources the same day, or one source twice); a vintage that
        # disagrees with itself is a conflict, whatever came later
        for _, same_day in rows.groupby(pubs.to_numpy(), sort=True):
            if (same_day.value - same_day.half_width).max() > (same_day.value + same_day.half_width).min():
                _raise_conflict(same_day, r0.measure, key)
        if older.empty:
            _raise_conflict(rows, r0.measure, key)
        first_pub = pubs[pubs < latest].min()
        first = older[pubs[pubs < latest] == first_pub].sort_values("half_width").iloc[0]
        best = newest.sort_values("half_width").iloc[0]
        revisions.append({"partner": key[0], "from_month": key[1], "to_month": key[2], "measure": r0.measure,
                          "first_value": float(first.value),
                          "first_sources": ", ".join(dict.fromkeys(older.source_id)), "first_published": first_pub,
                          "latest_value": float(best.value), "latest_sources": ", ".join(dict.fromkeys(newest.source_id)),
                          "latest_published": latest})
        drop.extend(older.index)
    return f.drop(index=drop), revisions


def _raise_conflict(rows: pd.DataFrame, measure: str, key: Key):
    rows = list(rows.itertuples())
    a_row, b_row = rows[0], rows[1]
    for x in rows:
        for y in rows:
            if x.value + x.half_width < y.value - y.half_width:
                a_row, b_row = x, y
    raise DataError(b_row.file, f"{measure} of {span_label(key)} = {b_row.value:g} ({b_row.source_id}) "
                    f"conflicts with {a_row.value:g} ({a_row.source_id}, {a_row.file} row {a_row.row}); "
                    "add a resolutions.csv row naming the source that wins",
                    row=int(b_row.row), column="value")


# --------------------------------------------------------------------------- the relations


class _Without:
    """The estimates of a Knowledge with one quantity treated as unknown (a view, not a copy)."""

    __slots__ = ("est", "key")

    def __init__(self, est: dict, key: Key):
        self.est, self.key = est, key

    def __contains__(self, k) -> bool:
        return k != self.key and k in self.est

    def __getitem__(self, k) -> Estimate:
        if k == self.key:
            raise KeyError(k)
        return self.est[k]


def _candidate(key, point, interval: Interval, sources, method, formula, inputs, published) -> Estimate:
    return Estimate(key, float(point), interval.a, interval.b, "derived",
                    tuple(dict.fromkeys(sources)), method=method, formula=formula, inputs=tuple(inputs),
                    published=published)


def _change_candidates(k: Knowledge, est, target: Key | None, out: list) -> None:
    """X[this] = X[prev] × (1 + r), both ways; only for ``target`` when given."""
    for changes, lag, name in ((k.mom, 1, "mom"), (k.yoy, 12, "yoy")):
        unit = "m/m" if lag == 1 else "y/y"
        if target is None:
            items = changes.items()
        else:   # the change of the target itself, then that of the quantity lag months later
            p, a, b = target
            later = (p, add_months(a, lag), add_months(b, lag))
            items = [(kk, changes[kk]) for kk in (target, later) if kk in changes]
        for (p, a, b), entries in items:
            this, prev = (p, a, b), (p, add_months(a, -lag), add_months(b, -lag))
            lab, plab = _span_text(a, b), _span_text(prev[1], prev[2])
            for c in entries:
                if this in est and prev not in est and (target is None or target == prev):
                    e = est[this]
                    out.append(_candidate(prev, e.value / c.point, e.interval / c.factor, e.sources + c.sources,
                                          f"{lab} ({fmt_t(e.value)}) ÷ (1 {c.text} {unit})",
                                          f"X[{plab}] = X[{lab}] / (1 + {name}[{lab}])", e.inputs + (c.ref,),
                                          _latest((e.published, c.published))))
                if prev in est and this not in est and (target is None or target == this):
                    e = est[prev]
                    out.append(_candidate(this, e.value * c.point, e.interval * c.factor, e.sources + c.sources,
                                          f"{plab} ({fmt_t(e.value)}) × (1 {c.text} {unit})",
                                          f"X[{lab}] = X[{plab}] × (1 + {name}[{lab}])", e.inputs + (c.ref,),
                                          _latest((e.published, c.published))))


def _span_candidates(span: Key, spans: list[Key], est, target: Key | None, out: list) -> None:
    """The parts of a known span that its other known parts leave (``spans``: its partner's known spans)."""
    p, a, b = span
    whole = est[span]

    def want(key) -> bool:
        return target is None or key == target

    # 1. all months but one known
    if target is None or (target[1] == target[2] and a <= target[1] <= b):
        months = _month_range(a, b)
        unknown = [m for m in months if (p, m, m) not in est]
        if len(unknown) == 1 and want((p, unknown[0], unknown[0])):
            parts = [est[(p, m, m)] for m in months if m != unknown[0]]
            out.append(_difference((p, unknown[0], unknown[0]), whole, parts))
    # 2. a known span with the same start (or end) leaves the rest
    for other in spans:
        if other == span or other not in est:
            continue
        _, c, d = other
        if c == a and d < b:
            rest = (p, add_months(d, 1), b)
        elif d == b and c > a:
            rest = (p, a, add_months(c, -1))
        else:
            continue
        if rest[1] == rest[2] and rest in est:
            continue
        if rest not in est and want(rest):
            out.append(_difference(rest, whole, [est[other]]))
    # 3. a known span can also be split off by a single known month at either end
    for m, rest in (((p, a, a), (p, add_months(a, 1), b)), ((p, b, b), (p, a, add_months(b, -1)))):
        if m in est and rest not in est and rest[1] <= rest[2] and want(rest):
            out.append(_difference(rest, whole, [est[m]]))


def _candidates(k: Knowledge, est=None, target: Key | None = None) -> list[Estimate]:
    """Every derivation of a quantity not known in ``est`` (default: ``k.estimates``), from what is;
    only those of ``target`` when given. Spans are visited per partner, in the order they became known."""
    est = k.estimates if est is None else est
    out: list[Estimate] = []
    _change_candidates(k, est, target, out)
    if target is None:
        for span in k.span_order:   # the order the spans became known
            _span_candidates(span, k.spans[span[0]], est, None, out)
    else:
        p, a, b = target
        for span in k.spans.get(p, ()):
            if span in est and span[1] <= a and b <= span[2]:
                _span_candidates(span, k.spans[p], est, target, out)
    return [c for c in out if c is not None and c.low >= -0.5]


def _difference(target: Key, whole: Estimate, parts: list[Estimate]) -> Estimate:
    point = whole.value - sum(e.value for e in parts)
    interval = whole.interval - Interval.sum(e.interval for e in parts)
    lab = _span_text(whole.key[1], whole.key[2])
    tl = _span_text(target[1], target[2])
    names = [_span_text(e.key[1], e.key[2]) for e in parts]
    method = f"{lab} ({fmt_t(whole.value)}) − " + " − ".join(
        f"{n} ({fmt_t(e.value)})" for n, e in zip(names, parts))
    formula = f"X[{tl}] = X[{lab}] − " + " − ".join(f"X[{n}]" for n in names)
    sources = whole.sources + tuple(s for e in parts for s in e.sources)
    inputs = whole.inputs + tuple(i for e in parts for i in e.inputs)
    return _candidate(target, point, interval, sources, method, formula, inputs,
                      _latest([whole.published] + [e.published for e in parts]))


# --------------------------------------------------------------------------- the public derivation API


def derivations_of(knowledge: Knowledge, key: Key) -> list[Estimate]:
    """Every derivation of ``key`` from the other quantities ``knowledge`` knows (``key`` itself treated
    as unknown), in the order :func:`derive` would try them. Only the relations touching ``key`` are
    visited, so checking every quantity this way costs time linear in their number."""
    return _candidates(knowledge, _Without(knowledge.estimates, key), key)


def derive(dataset: Dataset, max_rounds: int = 12) -> Knowledge:
    """Every quantity the reported figures determine, each reported or derived.

    Each round derives every still-unknown quantity reachable from the known
    ones (keeping the narrowest derivation), until nothing new can be derived.
    Reported values are never replaced. The result is cached per dataset: do not
    modify it (:func:`reported` gives a copy to work on).
    """
    return _derive_cached(dataset, max_rounds)


@lru_cache(maxsize=8)
def _derive_cached(dataset: Dataset, max_rounds: int) -> Knowledge:
    k = reported(dataset)
    for _ in range(max_rounds):
        best: dict[Key, Estimate] = {}
        for c in _candidates(k):
            if c.key not in best or c.width < best[c.key].width:
                best[c.key] = c
        if not best:
            break
        k.add(best)
    return k


def build_monthly_series(dataset: Dataset, partner: str = TOTAL, start: str = "2024-01",
                         end: str | None = None) -> pd.DataFrame:
    """The monthly series of one partner from ``start`` to ``end`` (default: latest month).

    One row per month: ``month``, ``partner``, ``tonnes`` (NaN when missing),
    ``low``/``high`` (the range the rounding of the reported figures allows),
    ``status`` (reported / derived / missing), ``sources`` (``;``-joined ids),
    ``method`` (how a derived value was derived), ``formula`` and ``published``
    (when the value became known, YYYY-MM-DD; empty when missing).
    """
    end = end or dataset.latest_month
    k = derive(dataset)
    rows = []
    for m in month_range(start, end):
        e = k.estimates.get((partner, m, m))
        if e is None:
            rows.append(dict(month=m, partner=partner, tonnes=float("nan"), low=float("nan"),
                             high=float("nan"), status="missing", sources="", method="", formula="",
                             published=""))
        else:
            rows.append(dict(month=m, partner=partner, tonnes=e.value, low=e.low, high=e.high,
                             status=e.status, sources=";".join(e.sources),
                             method=e.method if e.status == "derived" else "reported by " + ", ".join(e.sources),
                             formula=e.formula, published=e.published))
    df = pd.DataFrame(rows, columns=["month", "partner", "tonnes", "low", "high", "status", "sources", "method",
                                     "formula", "published"])
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
    months = [k.estimates.get((partner, m, m)) for m in _month_range(first, last)]
    if any(e is None for e in months):
        return known  # a span derived from other totals, or None
    total = Interval.sum(e.interval for e in months)
    return Estimate(key, sum(e.value for e in months), total.a, total.b,
                    "reported" if all(e.status == "reported" for e in months) else "derived",
                    tuple(dict.fromkeys(s for e in months for s in e.sources)),
                    method="sum of " + ", ".join(e.key[1] for e in months),
                    formula=f"X[{first}..{last}] = Σ X[m]",
                    inputs=tuple(i for e in months for i in e.inputs),
                    published=_latest(e.published for e in months))
