"""Comparisons: changes, year-to-date and cumulative totals, shares, rankings, reconciliation.

Every function works on the estimates of :mod:`helpers.analysis.series`, so a change
computed from a derived month carries that month's range, and a comparison that
needs a missing month is missing too (never zero).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from functools import lru_cache

from helpers.data.tables import MAIN_SERIES
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset
from helpers.analysis.intervals import Interval
from helpers.data.partners import AGGREGATES, GROUPS
from helpers.analysis.series import Estimate, build_monthly_series, derive, estimate
from helpers.months import add_months, month_range
from helpers.text import fmt_t, source_ids


@dataclass(frozen=True)
class Change:
    """A change between two quantities, in percent, with the range rounding allows."""

    pct: float
    low: float
    high: float
    current: Estimate
    base: Estimate

    @property
    def status(self) -> str:
        both = {self.current.status, self.base.status}
        return "reported" if both == {"reported"} else "derived"


def change(current: Estimate | None, base: Estimate | None) -> Change | None:
    """Percentage change from ``base`` to ``current`` (None when either is missing)."""
    if current is None or base is None or base.value <= 0:
        return None
    ratio = current.interval / base.interval
    return Change(pct=(current.value / base.value - 1) * 100, low=(float(ratio.a) - 1) * 100,
                  high=(float(ratio.b) - 1) * 100, current=current, base=base)


def month_change(dataset: Dataset, month: str, partner: str = TOTAL, lag: int = 1) -> Change | None:
    """Change of ``month`` against ``lag`` months earlier (1: m/m, 12: y/y)."""
    return change(estimate(dataset, partner, month), estimate(dataset, partner, add_months(month, -lag)))


def span_change(dataset: Dataset, first: str, last: str, partner: str = TOTAL) -> Change | None:
    """Change of a span (e.g. Jan–Jun) against the same span a year earlier."""
    return change(estimate(dataset, partner, first, last),
                  estimate(dataset, partner, add_months(first, -12), add_months(last, -12)))


def year_to_date(dataset: Dataset, month: str, partner: str = TOTAL) -> dict:
    """Year-to-date total to ``month``, the same months a year before, and the change."""
    first = month[:4] + "-01"
    cur = estimate(dataset, partner, first, month)
    prev = estimate(dataset, partner, add_months(first, -12), add_months(month, -12))
    return {"current": cur, "previous": prev, "change": change(cur, prev)}


def monthly_table(dataset: Dataset, partner: str = TOTAL, start: str = "2024-01",
                  end: str | None = None) -> pd.DataFrame:
    """The monthly series with computed m/m and y/y changes and their provenance.

    Columns: month, tonnes, low, high, status, sources, method, mom_pct,
    yoy_pct (computed; NaN when a month is missing), reported_mom, reported_yoy
    (as published, NaN when not), share_pct (of the all-destinations total).
    """
    df = build_monthly_series(dataset, partner, start, end)
    rep = reported_change_lookup(dataset, partner)
    mom, yoy, share, rmom, ryoy = [], [], [], [], []
    for m in df.month:
        c1, c12 = month_change(dataset, m, partner, 1), month_change(dataset, m, partner, 12)
        mom.append(c1.pct if c1 else math.nan)
        yoy.append(c12.pct if c12 else math.nan)
        rmom.append(rep.get((m, "mom_pct"), math.nan))
        ryoy.append(rep.get((m, "yoy_pct"), math.nan))
        s = share_of_total(dataset, m, partner) if partner != TOTAL else None
        share.append(s[0] if s else math.nan)
    df["mom_pct"], df["yoy_pct"] = mom, yoy
    df["reported_mom"], df["reported_yoy"] = rmom, ryoy
    if partner != TOTAL:
        df["share_pct"] = share
    return df


def reported_change_lookup(dataset: Dataset, partner: str = TOTAL) -> dict:
    """``{(month, measure): value}`` of the changes reported for single months.

    Where a resolution settles a change (``resolutions.csv``), the winning source's
    value is the one shown, as in the series; otherwise the most precise report.
    """
    f = dataset.figures
    f = f[(f.series == MAIN_SERIES) & (f.partner == partner) & f.measure.isin(("mom_pct", "yoy_pct"))
          & (f.from_month == f.to_month)]
    res = dataset.resolutions
    res = res[(res.series == MAIN_SERIES) & (res.partner == partner) & (res.from_month == res.to_month)]
    winners = {(r.to_month, r.measure): r.winning_source_id for r in res.itertuples()}
    out: dict = {}
    for key, group in f.groupby(["to_month", "measure"], sort=False):
        won = group[group.source_id == winners.get(key)]
        rows = won if len(won) else group  # a resolution settles it: the winner's value, as in the series
        out[key] = rows.sort_values("half_width", kind="stable").value.iloc[0]  # the most precise report
    return out


def share_of_total(dataset: Dataset, month: str, partner: str) -> tuple[float, float, float] | None:
    """A partner's share of the all-destinations total in percent: (point, low, high)."""
    part, whole = estimate(dataset, partner, month), estimate(dataset, TOTAL, month)
    if part is None or whole is None or whole.value <= 0:
        return None
    r = part.interval / whole.interval
    return part.value / whole.value * 100, float(r.a) * 100, float(r.b) * 100


def cumulative_by_month(dataset: Dataset, year: int, partner: str = TOTAL, end: str | None = None) -> pd.DataFrame:
    """Year-to-date totals month by month for one year (NaN where a month is missing)."""
    last = end or f"{year}-12"
    last = min(last, f"{year}-12", dataset.latest_month)
    rows = []
    for m in month_range(f"{year}-01", last):
        e = estimate(dataset, partner, f"{year}-01", m)
        rows.append(dict(month=m, month_num=int(m[5:]), year=year,
                         tonnes=e.value if e else math.nan, low=e.low if e else math.nan,
                         high=e.high if e else math.nan, status=e.status if e else "missing"))
    return pd.DataFrame(rows)


@lru_cache(maxsize=8)
def _partners_by_month(dataset: Dataset) -> dict[str, list[Estimate]]:
    """month -> the known monthly estimates of every partner but the total, in derivation order (an index:
    one pass over the estimates instead of one per month asked for)."""
    out: dict[str, list[Estimate]] = {}
    for (p, a, b), e in derive(dataset).estimates.items():
        if a == b and p not in AGGREGATES:  # groups (EU) overlap their countries: never listed among them
            out.setdefault(a, []).append(e)
    return out


def partners_in_month(dataset: Dataset, month: str) -> pd.DataFrame:
    """Every partner with a known tonnage in ``month`` (reported or derived), largest first."""
    rows = [dict(partner=e.key[0], name=dataset.partner_name(e.key[0]), tonnes=e.value, low=e.low, high=e.high,
                 status=e.status, sources=";".join(e.sources))
            for e in _partners_by_month(dataset).get(month, [])]
    df = pd.DataFrame(rows, columns=["partner", "name", "tonnes", "low", "high", "status", "sources"])
    return df.sort_values("tonnes", ascending=False, ignore_index=True)


@lru_cache(maxsize=8)
def _countries_by_month(dataset: Dataset) -> dict[str, list[Estimate]]:
    """month -> the known monthly estimates of single countries (no aggregates), largest first."""
    out: dict[str, list[Estimate]] = {}
    for (p, a, b), e in derive(dataset).estimates.items():
        if a == b and p not in AGGREGATES:
            out.setdefault(a, []).append(e)
    for month in out:
        out[month].sort(key=lambda e: (-e.value, e.key[0]))
    return out


#: The label of the row that holds everything not listed in :func:`top_destinations`.
REST_OF_WORLD = "Rest of world"


def known_rank(dataset: Dataset, month: str, partner: str) -> dict | None:
    """A destination's rank in ``month``, only where it is known; ``None`` otherwise.

    Known from a **reported ranking** of that month (``basis`` "reported": ``rank`` its place, or
    ``None`` when it is not among the ``of`` destinations ranked), or from **tonnages known for every
    contender** (``basis`` "tonnages"): the total less every destination on file is smaller than
    the destination's own tonnage (so no destination missing from the data can be larger), and no
    destination on file overlaps it within rounding. Destinations are published selectively: a
    place among whichever were published is not a rank.
    Returns ``{"rank", "of", "basis", "sources"}``. A bloc (the EU) has no rank: it is never ranked among
    countries (its members are in the ranking).
    """
    if partner in GROUPS:
        return None
    rep = dataset.rankings_in(month)
    if len(rep):
        hit = rep[rep.partner == partner]
        return dict(rank=int(hit["rank"].min()) if len(hit) else None, of=int(rep["rank"].max()), basis="reported",
                    sources=";".join(source_ids(rep.source_id)))
    known = _countries_by_month(dataset).get(month, [])
    me = next((e for e in known if e.key[0] == partner), None)
    total = estimate(dataset, TOTAL, month)
    if me is None or total is None:
        return None
    rest = total.interval - Interval.sum(e.interval for e in known)
    if rest.b >= me.low:
        return None  # a destination nobody reported could be larger
    above = 0
    for e in known:
        if e is me:
            continue
        if e.low > me.high:
            above += 1
        elif not e.high < me.low:
            return None  # the two overlap within rounding: the order is not known
    return dict(rank=above + 1, of=None, basis="tonnages", sources=";".join(me.sources))


def top_destinations(dataset: Dataset, month: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` largest destinations of ``month`` by tonnage, then a "Rest of world" row.

    One row per listed partner, largest first: ``rank`` (:func:`known_rank`: from a reported
    ranking, or from tonnages known for every contender; NaN when not known), ``partner``,
    ``name``, ``tonnes``, ``low``, ``high``, ``status``, ``share_pct`` / ``share_low`` /
    ``share_high`` (of the all-destinations total, NaN when the total is unknown),
    ``previous_rank`` (the month before, known the same way; NaN when not known) and
    ``rank_change`` (``previous_rank − rank``: positive = moved up; only when both are known),
    ``rank_note`` / ``previous_rank_note`` ("outside the top 5" where a reported ranking leaves it out).
    The last row, ``partner`` empty and ``name`` "Rest of world", is the total minus the
    listed partners, as an interval (its low end cut at 0: exports cannot be negative);
    aggregates such as EU and WLD are never listed nor summed. Only partners with a
    known tonnage are ranked: partners are published selectively, so the rest holds
    partners nobody reported as well.
    """
    by_month = _countries_by_month(dataset)
    known = by_month.get(month, [])
    prev_month = add_months(month, -1)
    total = estimate(dataset, TOTAL, month)
    listed = known[:n]
    rows = []

    def share(iv_: Interval, point: float):
        if total is None or total.value <= 0:
            return math.nan, math.nan, math.nan
        r = iv_ / total.interval
        return point / total.value * 100, r.a * 100, r.b * 100

    for e in listed:
        p = e.key[0]
        now, then = known_rank(dataset, month, p), known_rank(dataset, prev_month, p)
        rank = now["rank"] if now and now["rank"] is not None else math.nan
        prev = then["rank"] if then and then["rank"] is not None else None
        # outside a reported top N: known to rank below it
        note = f"outside the top {now['of']}" if now and now["rank"] is None else ""
        prev_note = f"outside the top {then['of']}" if then and then["rank"] is None else ""
        pct, lo, hi = share(e.interval, e.value)
        rows.append(dict(rank=rank, partner=p, name=dataset.partner_name(p), tonnes=e.value, low=e.low,
                         high=e.high, status=e.status, share_pct=pct, share_low=lo, share_high=hi,
                         previous_rank=math.nan if prev is None else prev,
                         rank_change=math.nan if prev is None or math.isnan(rank) else prev - rank,
                         rank_note=note, previous_rank_note=prev_note))
    if total is not None:
        rest = total.interval - Interval.sum(e.interval for e in listed)
        point = total.value - sum(e.value for e in listed)
        rest = Interval(max(rest.a, 0.0), max(rest.b, 0.0))
        pct, lo, hi = share(rest, max(point, 0.0))
        status = "derived" if listed else total.status
        rows.append(dict(rank=math.nan, partner="", name=REST_OF_WORLD, tonnes=max(point, 0.0), low=rest.a,
                         high=rest.b, status=status, share_pct=pct, share_low=lo, share_high=hi,
                         previous_rank=math.nan, rank_change=math.nan, rank_note="", previous_rank_note=""))
    return pd.DataFrame(rows, columns=["rank", "partner", "name", "tonnes", "low", "high", "status", "share_pct",
                                       "share_low", "share_high", "previous_rank", "rank_change", "rank_note",
                                       "previous_rank_note"])


def top_destinations_view(top: pd.DataFrame) -> pd.DataFrame:
    """:func:`top_destinations` for readers: rank, destination, tonnes (range if derived), share, rank change."""
    from helpers.text import fmt_share

    def tonnes(r) -> str:
        if r.status == "reported":
            return f"{r.tonnes:,.0f}"
        return f"{r.tonnes:,.0f} ({r.low:,.0f}–{r.high:,.0f}, derived)" if round(r.low) != round(r.high) else \
            f"{r.tonnes:,.0f} (derived)"

    def moved(r) -> str:
        if not r.partner:
            return ""
        # "outside the top N": a move is known only when the other month's rank is within that top N
        if not math.isnan(r["rank"]) and r.previous_rank_note:
            return f"up from {r.previous_rank_note}" if r["rank"] <= _top_n(r.previous_rank_note) else "not known"
        if r.rank_note and r.previous_rank_note:
            return (f"{r.rank_note} both months" if r.rank_note == r.previous_rank_note
                    else f"{r.previous_rank_note} the month before")
        if r.rank_note and not math.isnan(r.previous_rank):
            return f"down from number {int(r.previous_rank)}" if r.previous_rank <= _top_n(r.rank_note) else "not known"
        if math.isnan(r["rank"]) or math.isnan(r.previous_rank):
            return "not known"
        d = int(r.rank_change)
        return "unchanged" if d == 0 else f"up {d}" if d > 0 else f"down {-d}"

    return pd.DataFrame({
        "Rank": ["" if not p else str(int(r)) if not math.isnan(r) else note or "not known"
                 for r, p, note in zip(top["rank"], top.partner, top.rank_note)],
        "Destination": list(top.name),
        "Tonnes": [tonnes(r) for r in top.itertuples()],
        "Share of total": ["" if math.isnan(p) else fmt_share(p, lo, hi)
                           for p, lo, hi in zip(top.share_pct, top.share_low, top.share_high)],
        "Rank on the month before": [moved(r) for _, r in top.iterrows()],
    })


def _top_n(note: str) -> int:
    """``outside the top 5`` -> 5."""
    return int(note.rsplit(" ", 1)[-1])


def top_destination_codes(dataset: Dataset, month: str, n: int = 10) -> list[str]:
    """The codes of :func:`top_destinations` (without the rest of the world)."""
    return [e.key[0] for e in _countries_by_month(dataset).get(month, [])[:n]]


def reported_ranking(dataset: Dataset, month: str) -> pd.DataFrame:
    """The reported top destinations of ``month`` (empty when none was reported).

    One row per (rank, partner): several pages reporting the same ranking give one
    row citing them all (``source_id`` ``;``-joined); pages that disagree on a rank
    give a row each, so the disagreement shows.
    """
    r = dataset.rankings_in(month)
    r = (r.groupby(["rank", "partner"], as_index=False, sort=True)
         .agg(source_id=("source_id", lambda s: ";".join(source_ids(s)))))
    r = r.assign(name=r.partner.map(dataset.partner_name))
    return r[["rank", "partner", "name", "source_id"]].reset_index(drop=True)


@lru_cache(maxsize=64)
def partner_ranks(dataset: Dataset, partner: str) -> pd.DataFrame:
    """The reported rank of ``partner`` in each month with a reported ranking."""
    r = dataset.rankings
    rows = []
    for month, group in r.groupby("month"):
        hit = group[group.partner == partner]
        rows.append(dict(month=month, rank=int(hit["rank"].iloc[0]) if len(hit) else pd.NA,
                         of=int(group["rank"].max()), source_id=";".join(source_ids(group.source_id))))
    df = pd.DataFrame(rows, columns=["month", "rank", "of", "source_id"])
    return df.astype({"rank": "Int64"})  # a whole number, <NA> where not ranked (never 2.0)


# --------------------------------------------------------------------------- for the story notebooks


def month_summary(dataset: Dataset, month: str, partner: str = TOTAL, top: int = 5) -> dict:
    """The key numbers of one month: tonnage, m/m, y/y, year to date, top destinations.

    ``top_destinations`` is the reported ranking (``ranking_source`` names its source;
    empty when none was reported); ``known_destinations`` lists (name, tonnes, status)
    of every partner with a known tonnage that month, largest first — a partial list,
    not a ranking, since partners are published selectively.
    """
    ytd = year_to_date(dataset, month, partner)
    ranking = reported_ranking(dataset, month)
    known = partners_in_month(dataset, month)
    if len(ranking):
        names, rsource = list(ranking.name[:top]), ";".join(source_ids(ranking.source_id))
    else:
        names, rsource = [], ""
    return dict(month=month, partner=partner, estimate=estimate(dataset, partner, month),
                mom=month_change(dataset, month, partner, 1), yoy=month_change(dataset, month, partner, 12),
                ytd=ytd["current"], ytd_previous=ytd["previous"], ytd_change=ytd["change"],
                top_destinations=names, ranking_source=rsource,
                known_destinations=[(r.name, r.tonnes, r.status) for r in known.itertuples()])


@lru_cache(maxsize=16)
def _notes_index(dataset: Dataset) -> dict:
    f = dataset.figures
    f = f[(f.series == MAIN_SERIES) & (f.from_month == f.to_month) & (f.measure == "tonnes") & (f.note != "")]
    out: dict = {}
    for r in f.itertuples():
        out.setdefault((r.partner, r.to_month), []).append((r.note, r.source_id))
    return out


def figure_notes(dataset: Dataset, month: str, partner: str = TOTAL) -> list[tuple[str, str]]:
    """The qualitative notes reported with a month's tonnage: ``[(note, source_id)]``."""
    return list(_notes_index(dataset).get((partner, month), []))


def provenance_table(dataset: Dataset, partner: str = TOTAL, start: str = "2024-01",
                     end: str | None = None) -> pd.DataFrame:
    """The monthly table as text for reading: month, tonnes, range, m/m, y/y, provenance.

    Missing months read "not reported" (never zero); derived values say how.
    """
    df = monthly_table(dataset, partner, start, end)
    out = pd.DataFrame({"Month": [pd.Timestamp(m + "-01").strftime("%b %Y") for m in df.month]})
    out["Tonnes"] = [("not reported" if s == "missing" else f"{t:,.0f}" if s == "derived" else fmt_t(t)[:-2])
                     for t, s in zip(df.tonnes, df.status)]
    out["Range (t)"] = [f"{lo:,.0f}–{hi:,.0f}" if s == "derived" and round(lo) != round(hi) else "" for lo, hi, s in
                        zip(df.low, df.high, df.status)]
    for col, name in (("mom_pct", "m/m"), ("yoy_pct", "y/y")):
        out[name] = ["" if math.isnan(x) else f"{x:+.1f}%".replace("-", "−") for x in df[col]]
    if "share_pct" in df:
        out["Share of total"] = ["" if math.isnan(x) else f"{x:.1f}%" for x in df.share_pct]
    revised = {r["from_month"]: r for r in derive(dataset).revisions
               if r["partner"] == partner and r["measure"] == "tonnes" and r["from_month"] == r["to_month"]}

    def note(month: str) -> str:
        r = revised.get(month)
        return "" if r is None else (f"; revised: first published as {r['first_value']:,g} t ({r['first_sources']}, "
                                     f"{r['first_published']})")

    from helpers.analysis.provenance import cite_counted

    out["Provenance"] = [("not reported, and not derivable" if s == "missing" else
                          f"reported by {cite_counted(dataset, src)}" if s == "reported" else f"derived: {meth}")
                         + note(m) for s, src, meth, m in zip(df.status, df.sources, df.method, df.month)]
    return out


# --------------------------------------------------------------------------- scopes


def other_scope_figures(dataset: Dataset, series: str, partner: str = TOTAL) -> dict[str, pd.Series]:
    """``{month: figure row}`` of the monthly tonnages of another series (``hs:850511``,
    ``cn:85051190``) for ``partner``: per month the latest published, then the most precise."""
    from helpers.data.dataset import published_date

    f = dataset.figures
    f = f[(f.series == series) & (f.partner == partner) & (f.measure == "tonnes") & (f.from_month == f.to_month)]
    if f.empty:
        return {}
    pub = dict(zip(dataset.sources.source_id, dataset.sources.published.map(published_date)))
    f = f.assign(_pub=f.source_id.map(pub)).sort_values(["_pub", "half_width"], ascending=[False, True])
    return {m: g.iloc[0] for m, g in f.groupby("to_month", sort=True)}


def scope_comparison(dataset: Dataset, partners, start: str, end: str) -> pd.DataFrame:
    """The rare-earth line beside the wider scopes, for every month and partner with a figure of one.

    One row per (partner, month) where UN Comtrade's HS 8505.11 (all metal permanent magnets)
    or China's 8505.11.90 (magnets of other metals) has a tonnage: ``partner``, ``month``,
    ``rare_earth`` (the story's estimate, or None), ``hs6`` and ``other`` (figure rows, or
    None), and ``other_high`` / ``other_low``: what the other metals can be, as the
    reported 8505.11.90 tonnage or else as HS-6 minus the rare-earth line with the rounding
    of both (NaN when neither is known). A comparison of scopes, never a corroboration:
    ``consistent`` is False where HS-6 is below the rare-earth line (two releases of the data
    that differ). Empty when no other scope is on file.
    """
    from helpers.data.tables import HS6_SERIES, OTHER_METALS_SERIES

    rows = []
    for p in partners:
        hs6 = other_scope_figures(dataset, HS6_SERIES, p)
        other = other_scope_figures(dataset, OTHER_METALS_SERIES, p)
        for m in sorted(set(hs6) | set(other)):
            if not start <= m <= end:
                continue
            re_ = estimate(dataset, p, m)
            h, o = hs6.get(m), other.get(m)
            lo = hi = math.nan
            if o is not None:
                lo, hi = o.value - o.half_width, o.value + o.half_width
            elif h is not None and re_ is not None:
                lo, hi = max(0.0, h.value - h.half_width - re_.high), max(0.0, h.value + h.half_width - re_.low)
            consistent = h is None or re_ is None or h.value + h.half_width >= re_.low
            rows.append(dict(partner=p, month=m, rare_earth=re_, hs6=h, other=o, other_low=lo, other_high=hi,
                             consistent=consistent))
    return pd.DataFrame(rows, columns=["partner", "month", "rare_earth", "hs6", "other", "other_low", "other_high",
                                       "consistent"])


def scope_view(cmp: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """:func:`scope_comparison` for readers: tonnes of each scope, with their sources."""
    def t(row) -> str:
        return "" if row is None else f"{fmt_t(row.value)[:-2]} ({row.source_id})"

    out = pd.DataFrame({
        "Destination": [dataset.partner_name(p) for p in cmp.partner],
        "Month": [pd.Timestamp(m + "-01").strftime("%b %Y") for m in cmp.month],
        "Rare-earth magnets, 8505.11.10 (t)": [
            "not known" if e is None else f"{e.value:,.0f} ({', '.join(source_ids(e.sources))})" for e in cmp.rare_earth],
        "All metal magnets, HS 8505.11 (t)": [t(h) for h in cmp.hs6],
        "Other metal magnets (t)": [
            t(o) if o is not None else "" if math.isnan(hi) else f"at most {math.ceil(hi):,}" if c
            else "HS-6 below the rare-earth line: the releases differ"
            for o, hi, c in zip(cmp.other, cmp.other_high, cmp.consistent)]})
    return out


def destinations_grid(dataset: Dataset, partners: list[str], start: str, end: str) -> pd.DataFrame:
    """Tonnes of several destinations side by side, month by month, as a reader reads them: whole tonnes
    (as every sentence states them), a derived value marked ``about 420 (derived)``, a gap ``not reported``;
    only months where some destination other than the first column has a figure."""
    cols = {}
    for p in partners:
        s = build_monthly_series(dataset, p, start, end).set_index("month")
        cols["All destinations" if p == TOTAL else dataset.partner_name(p)] = [
            "not reported" if r.status == "missing" else f"{r.tonnes:,.0f}" if r.status == "reported"
            else f"about {r.tonnes:,.0f} (derived)" for r in s.itertuples()]
        index = list(s.index)
    grid = pd.DataFrame(cols, index=index)
    others = grid.drop(columns=[c for c in grid.columns[:1]])
    grid = grid[(others != "not reported").any(axis=1)]
    grid.index = [f"{pd.Timestamp(m):%b %Y}" for m in grid.index]
    return grid
