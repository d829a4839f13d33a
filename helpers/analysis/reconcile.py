"""Reconciliation: whether the destinations add up to the total, whether sources agree on a value (cross-checks), and what was revised."""

from __future__ import annotations


import math

import pandas as pd


from helpers.data.dataset import Dataset
from helpers.analysis.intervals import Interval
from helpers.analysis.series import derivations_of, derive, reported
from helpers.months import month_range
from helpers.text import span_name


def reconcile(dataset: Dataset) -> pd.DataFrame:
    """The monthly series against every reported cumulative total.

    One row per reported multi-month tonnage: the reported total, the sum of the
    monthly series over its months (reported and derived), the residual
    (reported − sum), whether the residual lies within what rounding allows,
    and how many of the months were reported, derived (and of those, derived
    from this very total, so agreeing by construction) or missing.
    """
    k = derive(dataset)
    rows = []
    for key, rep in sorted(k.reported_totals.items()):
        p, a, b = key
        if a == b:
            continue
        months = [k.estimates.get((p, m, m)) for m in month_range(a, b)]
        known = [e for e in months if e is not None]
        n_rep = sum(e.status == "reported" for e in known)
        n_from = sum(e.status == "derived" and any(i in e.inputs for i in rep.inputs) for e in known)
        row = dict(partner=p, period=f"{a}..{b}", reported=rep.value, sources=";".join(rep.sources),
                   months=len(months), reported_months=n_rep, derived_months=len(known) - n_rep,
                   derived_from_this_total=n_from, missing_months=len(months) - len(known))
        if len(known) == len(months):
            total = Interval.sum(e.interval for e in known)
            point = sum(e.value for e in known)
            resid = rep.interval - total
            row.update(monthly_sum=point, residual=rep.value - point, residual_low=float(resid.a),
                       residual_high=float(resid.b), consistent=bool(resid.a <= 0 <= resid.b))
        else:
            row.update(monthly_sum=math.nan, residual=math.nan, residual_low=math.nan,
                       residual_high=math.nan, consistent=None)
        rows.append(row)
    return pd.DataFrame(rows)

def cross_checks(dataset: Dataset) -> pd.DataFrame:
    """Reported monthly tonnages against the same month derived from other figures.

    E.g. August 2024 is reported (5,325 t) and also follows from September's
    −8 % m/m: the two should agree within rounding.

    Corroboration is counted by origin (:mod:`helpers.analysis.provenance`), not by page: ``origins``
    is how many independent origins report the value (two copies of one Reuters story count
    once), ``derived_origins`` how many the derivation rests on, and ``independent`` whether
    the derivation rests on an origin other than the reported value's (else the check only
    shows one story agrees with itself).
    """
    from helpers.analysis.provenance import origin_set

    k = reported(dataset)   # the same relations, applied once to reported values
    rows = []
    for key, rep in k.estimates.items():
        p, a, b = key
        if a != b:
            continue
        rep_origins = origin_set(dataset, rep.sources)
        for c in derivations_of(k, key):
            used = origin_set(dataset, c.sources)
            rows.append(dict(partner=p, month=a, reported=rep.value, sources=";".join(rep.sources),
                             origins=len(rep_origins), derived=c.value, derived_low=c.low, derived_high=c.high,
                             method=c.method, derived_sources=";".join(c.sources), derived_origins=len(used),
                             independent=bool(used - rep_origins),
                             consistent=bool(c.low - rep.width <= rep.value <= c.high + rep.width)))
    return pd.DataFrame(rows, columns=["partner", "month", "reported", "sources", "origins", "derived", "derived_low",
                                       "derived_high", "method", "derived_sources", "derived_origins", "independent",
                                       "consistent"])

def _verdict(x) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else ("✓" if x else "✗")

def reconciliation_view(rec: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """:func:`reconcile`'s table for readers: few columns, named in words, tonnes rounded."""
    def residual(r):
        if math.isnan(r.residual):
            return "not computable"
        point = round(r.residual, 1) + 0.0  # no "−0.0"
        return (f"{point:+,.1f} ({r.residual_low:+,.0f} to {r.residual_high:+,.0f})").replace("-", "−")

    return pd.DataFrame({
        "Destination": rec.partner.map(dataset.partner_name),
        "Period": [span_name(*p.split("..")) for p in rec.period],
        "Reported total (t)": rec.reported.map("{:,.0f}".format),
        "Sum of the months (t)": rec.monthly_sum.map(lambda x: "—" if math.isnan(x) else f"{x:,.0f}"),
        "Residual (t), range": rec.apply(residual, axis=1),
        "Months reported / derived / missing": [
            f"{a} / {b} / {c}" for a, b, c in zip(rec.reported_months, rec.derived_months, rec.missing_months)],
        "Consistent": rec.consistent.map(_verdict),
    })

def cross_checks_view(cc: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """:func:`cross_checks`' table for readers: the reported value cited by origin, and whether the
    derivation rests on another origin ("no: same origin" — one story agreeing with itself)."""
    from helpers.analysis.provenance import cite_counted

    return pd.DataFrame({
        "Destination": cc.partner.map(dataset.partner_name),
        "Month": cc.month,
        "Reported (t)": [f"{v:,.2f}".rstrip("0").rstrip(".") + f" ({cite_counted(dataset, s)})"
                         for v, s in zip(cc.reported, cc.sources)],
        "Derived (t), range": [f"{v:,.1f} ({lo:,.1f} to {hi:,.1f})"
                               for v, lo, hi in zip(cc.derived, cc.derived_low, cc.derived_high)],
        "Derived from": cc.method,
        "Independent origin": ["yes" if i else "no: same origin" for i in cc.independent],
        "Agree": cc.consistent.map(_verdict),
    })

def revisions(dataset: Dataset) -> pd.DataFrame:
    """Figures a later publication revised (the ONS way: first published against latest, with the change)."""
    rows = []
    for r in derive(dataset).revisions:
        unit = "t" if r["measure"] == "tonnes" else "%"
        rows.append({"Figure": f"{dataset.partner_name(r['partner'])}, {span_name(r['from_month'], r['to_month'])}",
                     "Measure": r["measure"].replace("_pct", " %").replace("mom", "m/m").replace("yoy", "y/y"),
                     "First published": f"{r['first_value']:,g} {unit} ({r['first_sources']}, {r['first_published']})",
                     "Latest": f"{r['latest_value']:,g} {unit} ({r['latest_sources']}, {r['latest_published']})",
                     "Revision": f"{r['latest_value'] - r['first_value']:+,g}".replace("-", "−")})
    return pd.DataFrame(rows, columns=["Figure", "Measure", "First published", "Latest", "Revision"])
