"""Export value (US dollars) and unit value (US dollars per kg): series of their own, beside the tonnes.

The pages on file give some export values (``usd_m``, millions of US dollars) and some average export
prices (``usd_per_kg``) of the rare-earth line. They never enter the tonnage series
(:mod:`helpers.analysis.series`); here each keeps its own provenance and the range its rounding allows, and a
unit value is *derived* only where a value and a tonnage of the same destination and months are both
known: value ÷ tonnes, with interval arithmetic (:mod:`helpers.analysis.intervals`), its formula and sources.
Nothing here is interpolated, and no price is stated where either side is missing.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from helpers.analysis import compare
from helpers import text
from helpers.data.tables import MAIN_SERIES
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset, known_dates
from helpers.analysis.intervals import Interval

COLUMNS = ["first", "last", "partner", "value", "low", "high", "status", "sources", "method", "published"]


def _earliest(dates) -> str:
    dates = [d for d in dates if d]
    return min(dates) if dates else ""


@lru_cache(maxsize=16)
def _reported(dataset: Dataset, measure: str) -> pd.DataFrame:
    f = dataset.figures
    f = f[(f.series == MAIN_SERIES) & (f.measure == measure)]
    known = known_dates(dataset.sources)
    rows = []
    for (p, a, b), g in f.groupby(["partner", "from_month", "to_month"], sort=True):
        lo, hi = float((g.value - g.half_width).max()), float((g.value + g.half_width).min())
        best = g.loc[g.half_width.idxmin()]
        if lo > hi:   # two pages disagree: the most precise one's range, the other left out
            lo, hi = float(best.value - best.half_width), float(best.value + best.half_width)
            g = g[g.source_id == best.source_id]
        srcs = tuple(dict.fromkeys(g.source_id))
        rows.append({"first": a, "last": b, "partner": p, "value": float(best.value), "low": lo, "high": hi,
                     "status": "reported", "sources": ";".join(srcs), "method": "reported by " + ", ".join(srcs),
                     "published": _earliest(known.get(s, "") for s in srcs)})
    return pd.DataFrame(rows, columns=COLUMNS)


def usd(dataset: Dataset, partner: str | None = None) -> pd.DataFrame:
    """Every export value on file (millions of US dollars), one row per destination and months."""
    df = _reported(dataset, "usd_m")
    return df.copy() if partner is None else df[df.partner == partner].reset_index(drop=True)


def unit_values(dataset: Dataset, partner: str | None = TOTAL) -> pd.DataFrame:
    """Every unit value (US dollars per kg) on file or derived: a reported price, or a value ÷ tonnes of the
    same destination and months where both are known (derived, with its range); one row per key."""
    df = _unit_values(dataset)
    return df.copy() if partner is None else df[df.partner == partner].reset_index(drop=True)


@lru_cache(maxsize=16)
def _unit_values(dataset: Dataset) -> pd.DataFrame:
    rep = _reported(dataset, "usd_per_kg")
    rows = rep.to_dict("records")
    have = {(r["partner"], r["first"], r["last"]) for r in rows}
    for r in usd(dataset).itertuples():
        if (r.partner, r.first, r.last) in have:
            continue
        t = compare.estimate(dataset, r.partner, r.first, r.last)
        if t is None or t.value <= 0:
            continue
        # US$ million ÷ tonnes = US$ 1,000,000 ÷ 1,000 kg per tonne: × 1,000 gives US$ per kg
        iv = Interval(r.low * 1000, r.high * 1000) / t.interval
        period = text.period_name(r.first, r.last)
        rows.append({"first": r.first, "last": r.last, "partner": r.partner, "value": r.value * 1000 / t.value,
                     "low": iv.a, "high": iv.b, "status": "derived",
                     "sources": ";".join(dict.fromkeys(r.sources.split(";") + list(t.sources))),
                     "method": f"value ÷ tonnes, {period}: ${text.fmt_num(r.value, 2)} m ({r.sources.replace(';', ', ')})"
                               f" ÷ {text.about(t) if t.status == 'derived' else text.fmt_t(t.value)}",
                     "published": max(r.published, t.published)})
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(["partner", "first", "last"]).reset_index(drop=True)


def unit_value(dataset: Dataset, partner: str, first: str, last: str) -> dict | None:
    """The unit value of ``partner`` over ``first..last`` (reported or derived), or None."""
    df = unit_values(dataset, partner)
    hit = df[(df["first"] == first) & (df["last"] == last)]
    return None if hit.empty else hit.iloc[0].to_dict()


def price_claim(row: dict, usd_row: dict | None, tonnes) -> dict:
    """The claim of a price statement: the unit value, and the value and tonnage it rests on."""
    return {"kind": "unit_value", "partner": row["partner"], "first": row["first"], "last": row["last"],
            "value": row["value"], "low": row["low"], "high": row["high"], "status": row["status"],
            "usd_m": None if usd_row is None else usd_row["value"],
            "tonnes": None if tonnes is None else tonnes.value}


def fmt_usd(millions: float) -> str:
    """``$301.8 m``; ``$1.02 bn`` from a thousand million."""
    return f"${millions / 1000:.2f} bn" if millions >= 1000 else f"${millions:,.1f} m"


def fmt_price(v: float) -> str:
    """``$49.1 per kg`` (one decimal: a price's rounding, like a change's)."""
    return f"${v:.1f} per kg"


def price_statements(dataset: Dataset, partner: str = TOTAL, through: str | None = None) -> list:
    """Every price the data support for ``partner`` up to ``through``: where a value and a tonnage of the same
    months are both known, the value, the tonnage and the unit value they give (derived: "about"); where a
    page reported a price itself, that price. Each a :class:`helpers.analysis.statements.Fact` with its claim."""
    from helpers.analysis.statements import Fact

    through = through or dataset.latest_month
    out = []
    vals = {(r["first"], r["last"]): r for r in usd(dataset, partner).to_dict("records")}
    for r in unit_values(dataset, partner).to_dict("records"):
        if r["last"] > through:
            continue
        period = text.period_name(r["first"], r["last"])
        v, t = vals.get((r["first"], r["last"])), compare.estimate(dataset, partner, r["first"], r["last"])
        if r["status"] == "derived":
            words = (f"{period}: {fmt_usd(v['value'])} for "
                     f"{text.about(t) if t.status == 'derived' else text.fmt_tonnes(t.value)}, about {fmt_price(r['value'])}")
        else:
            words = f"{period}: {fmt_price(r['value'])} as reported"
        out.append(Fact(key=f"{partner} {r['first']}..{r['last']} unit value", text=words, status=r["status"],
                        value=r["value"], low=r["low"], high=r["high"], sources=tuple(r["sources"].split(";")),
                        unit="$/kg", published=r["published"], note=r["method"] if r["status"] == "derived" else "",
                        claim=price_claim(r, v if r["status"] == "derived" else None,
                                          t if r["status"] == "derived" else None)))
    return out
