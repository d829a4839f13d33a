"""Sources that disagree, and spans summed from known spans: what the claims check (:mod:`helpers.articles.claims`)
says where two origins report one figure differently, and how it reaches a total no page reports.

:func:`_disagreement` gives a value claim the verdict "sources disagree" when the origins on file report its
figure differently and it agrees with one of them: both figures with their origins, and which one the project
uses and why (``resolutions.csv``). :func:`_estimate` is :func:`helpers.analysis.compare.estimate`, and where a span is
neither reported nor the sum of known months, the tightest sum of two known spans that make it up.
"""

from __future__ import annotations

import pandas as pd

from helpers.analysis.compare import estimate
from helpers.data.tables import MAIN_SERIES, rounding_half_width
from helpers.data.dataset import Dataset
from helpers.months import add_months
from helpers.text import fmt_signed_pct, fmt_t, span_name
from helpers.articles.verdicts import CONFLICT, WRONG, _origin, evidence


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def stated_range(text: str, approx: bool) -> tuple[float, float, float]:
    """(value, low, high) of a stated number rounded to its last digit (doubled when approximate)."""
    v = float(text)
    hw = rounding_half_width(text, approx)
    return v, v - hw, v + hw


def _estimate(dataset: Dataset, partner: str, first: str, last: str):
    """:func:`helpers.analysis.compare.estimate`, and where a span is neither reported nor the sum of known months, the
    sum of two known spans that make it up (January–July 2025 = the first half + July)."""
    from helpers.months import month_range
    from helpers.analysis.series import Estimate

    e = estimate(dataset, partner, first, last)
    if e is not None or first == last:
        return e
    best = None
    for m in month_range(first, add_months(last, -1)):
        a, b = estimate(dataset, partner, first, m), estimate(dataset, partner, add_months(m, 1), last)
        if a is not None and b is not None:
            e = Estimate((partner, first, last), a.value + b.value, a.low + b.low, a.high + b.high,
                            "reported" if a.status == b.status == "reported" else "derived",
                            tuple(dict.fromkeys(a.sources + b.sources)),
                            method=f"{span_name(first, m)} ({fmt_t(a.value)}) + {span_name(add_months(m, 1), last)} "
                                   f"({fmt_t(b.value)})",
                            formula=f"X[{first}..{last}] = X[{first}..{m}] + X[{add_months(m, 1)}..{last}]",
                            inputs=a.inputs + b.inputs, published=max(a.published, b.published))
            # the tightest sum, reported parts first
            if best is None or (e.status != "reported", e.width) < (best.status != "reported", best.width):
                best = e
    return best



def _disagreement(reports: Dataset, r, verdict: str, why: str):
    """(verdict, why, sources): "sources disagree" when the origins on file report the claim's figure
    differently and the stated value agrees with one of them (else the verdict as it was, the disagreement
    said); the figures, their origins, and which the project uses and why (``resolutions.csv``)."""
    f = reports.figures
    f = f[(f.series == MAIN_SERIES) & (f.partner == r.partner) & (f.from_month == r.from_month)
          & (f.to_month == r.to_month) & (f.measure == r.measure)]
    if f.source_id.nunique() < 2:
        return _against_computed(reports, r, f, verdict, why)
    groups: dict[str, dict] = {}
    for x in f.itertuples(index=False):
        g = groups.setdefault(_origin(reports, x.source_id) or x.source_id,
                              {"lo": -float("inf"), "hi": float("inf"), "ids": [], "value": x.value, "hw": x.half_width})
        g["lo"], g["hi"] = max(g["lo"], x.value - x.half_width), min(g["hi"], x.value + x.half_width)
        g["ids"].append(x.source_id)
        if x.half_width < g["hw"]:
            g["value"], g["hw"] = x.value, x.half_width
    gs = list(groups.values())
    # ranges that only touch (5,773 t against 5,774 t) disagree, as in the series (helpers.analysis.series)
    if all(a["lo"] < b["hi"] and b["lo"] < a["hi"] for a in gs for b in gs):
        return _against_computed(reports, r, f, verdict, why)
    v, slo, shi = stated_range(r.stated_value, r.approx == "yes")
    unit = (lambda x: fmt_t(x)) if r.measure == "tonnes" else (lambda x: fmt_signed_pct(x, _decimals(f"{x:g}")))

    def words(g):
        ev = evidence(reports, g["ids"])
        return f"{unit(g['value'])} ({'; '.join(e['origin'] + ': ' + ', '.join(e['relays']) for e in ev)})"

    def who(g):
        ev = evidence(reports, g["ids"])
        return ev[0]["origin"].split(" of ")[0] if ev else g["ids"][0]

    agree = [g for g in gs if not (shi < g["value"] - g["hw"] or slo > g["value"] + g["hw"])]
    if len(agree) == len(gs):   # the claim agrees with every one of them: their disagreement does not touch it
        return verdict, why, ()
    what = span_name(r.from_month, r.to_month)
    text = f"Sources disagree on {what}: " + " against ".join(words(g) for g in gs) + "."
    if agree:
        text += f" The stated {unit(v)} agrees with the {' and the '.join(who(g) for g in agree)}."
    res = reports.resolutions
    res = res[(res.series == MAIN_SERIES) & (res.partner == r.partner) & (res.from_month == r.from_month)
              & (res.to_month == r.to_month) & (res.measure == r.measure)]
    if len(res):
        win = res.iloc[0]
        g = next((g for g in gs if win.winning_source_id in g["ids"]), None)
        text += (f" The project uses the {who(g) if g else win.winning_source_id}'s figure ({win.winning_source_id}): "
                 f"{win.note}.")
    else:
        e = estimate(reports, r.partner, r.from_month, r.to_month) if r.measure == "tonnes" else None
        used = next((g for g in gs if e is not None and set(g["ids"]) & set(e.sources)), None)
        text += (f" The project uses the {who(used)}'s, the later report (a revision); no resolution is on file."
                 if used else " No resolution is on file.")
    ids = tuple(s for g in gs for s in g["ids"])
    if agree:
        return CONFLICT, text, ids
    return verdict, why + " " + text, ids


def _against_computed(reports: Dataset, r, f: pd.DataFrame, verdict: str, why: str):
    """A claim contradicted by the value computed from the other figures, but stated as reported by an origin
    on file (a release's own annual total against the sum of months relayed by others): "sources disagree"."""
    # only a figure no other origin reports (several origins that agree with one another settle it)
    if verdict != WRONG or f.empty or len({_origin(reports, x) or x for x in f.source_id}) > 1:
        return verdict, why, ()
    v, slo, shi = stated_range(r.stated_value, r.approx == "yes")
    same = f[~((f.value + f.half_width < slo) | (f.value - f.half_width > shi))]
    if same.empty:
        return verdict, why, ()
    ids = tuple(dict.fromkeys(same.source_id))
    ev = evidence(reports, ids)
    by = "; ".join(e["origin"] + ": " + ", ".join(e["relays"]) for e in ev)
    return CONFLICT, (f"Sources disagree on {span_name(r.from_month, r.to_month)}: the stated figure is the one "
                      f"reported by the {by}; computed from the other figures on file instead: " + why), ids
