"""Scenario projections from a month of data, and their backtest against what came after.

A scenario says how many months exports take to return to the 2024 level
(``None``: they stay where they are). From the last known month at or before
``as_of``, each scenario moves in a straight line to the level in that many
months and stays there. The 2024 level is either the average of the 2024 months
that are known (``"average"``) or the same calendar month of 2024 (``"same_month"``,
falling back to the average where that month is not known); every projected row
says which.

Wherever the data hold actual values after ``as_of``, :func:`backtest` sets each
scenario against them. These are deliberately simple what-ifs, not forecasts.
"""

from __future__ import annotations

import math

import pandas as pd

from .data import TOTAL, Dataset
from .errors import ParameterError
from .series import add_months, build_monthly_series, month_range

BASELINES = ("average", "same_month")


def baseline_level(dataset: Dataset, year: int = 2024, partner: str = TOTAL) -> dict:
    """The average monthly tonnage of ``year`` over its known months (reported or derived).

    Returns ``{"tonnes", "months_known", "months_reported", "months_derived", "months"}``
    (``tonnes`` is NaN when no month is known).
    """
    df = build_monthly_series(dataset, partner, f"{year}-01", f"{year}-12")
    known = df[df.status != "missing"]
    return dict(tonnes=float(known.tonnes.mean()) if len(known) else math.nan, months_known=len(known),
                months_reported=int((known.status == "reported").sum()),
                months_derived=int((known.status == "derived").sum()), months=list(known.month))


def starting_point(dataset: Dataset, as_of: str, partner: str = TOTAL) -> tuple[str, float]:
    """The last month at or before ``as_of`` with a known tonnage, and that tonnage."""
    df = build_monthly_series(dataset, partner, add_months(as_of, -24), as_of)
    known = df[df.status != "missing"]
    if known.empty:
        raise ParameterError("as_of", as_of, "a month with a known tonnage in the two years before it")
    last = known.iloc[-1]
    return str(last.month), float(last.tonnes)


def project(dataset: Dataset, as_of: str, horizon: int, scenarios: dict, baseline: str = "average",
            base_year: int = 2024, partner: str = TOTAL) -> pd.DataFrame:
    """Each scenario's monthly tonnage for the ``horizon`` months after ``as_of``.

    Columns: scenario, month, step (months after the starting point), tonnes,
    target (the 2024 level aimed at), target_basis (how that level was computed).
    """
    if baseline not in BASELINES:
        raise ParameterError("baseline", baseline, "one of " + ", ".join(BASELINES))
    start_month, start_value = starting_point(dataset, as_of, partner)
    avg = baseline_level(dataset, base_year, partner)
    same = build_monthly_series(dataset, partner, f"{base_year}-01", f"{base_year}-12").set_index("month")
    months = month_range(add_months(as_of, 1), add_months(as_of, horizon))
    rows = []
    for name, n in scenarios.items():
        for m in months:
            step = len(month_range(start_month, m)) - 1
            target, basis = avg["tonnes"], f"{base_year} average of {avg['months_known']} known months"
            if baseline == "same_month":
                e = same.loc[f"{base_year}-{m[5:]}"]
                if e.status != "missing":
                    target, basis = float(e.tonnes), f"{pd.Timestamp(e.name):%B %Y} ({e.status})"
                else:
                    basis += f" ({pd.Timestamp(f'{base_year}-{m[5:]}'):%B %Y} is not known)"
            frac = 0.0 if n is None else min(step / n, 1.0)
            rows.append(dict(scenario=name, month=m, step=step, tonnes=start_value + (target - start_value) * frac,
                             target=target, target_basis=basis))
    return pd.DataFrame(rows, columns=["scenario", "month", "step", "tonnes", "target", "target_basis"])


def actual_series(dataset: Dataset, as_of: str, horizon: int, history: int = 12,
                  partner: str = TOTAL) -> pd.DataFrame:
    """The actual monthly series from ``history`` months before ``as_of`` to the end of the horizon
    (cut at the latest month of data): month, tonnes, low, high, status."""
    end = min(add_months(as_of, horizon), dataset.latest_month)
    df = build_monthly_series(dataset, partner, add_months(as_of, -history + 1), end)
    return df[["month", "tonnes", "low", "high", "status", "sources", "method"]]


def backtest(actual: pd.DataFrame, projections: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Each scenario against the actual values after ``as_of`` (months with no known value left out).

    Columns: scenario, month, projected, actual, actual_low, actual_high, error_t
    (projected − actual), error_pct (of actual).
    """
    after = actual[(actual.month > as_of) & (actual.status != "missing")]
    df = projections.merge(after, on="month", suffixes=("", "_actual"))
    out = pd.DataFrame(dict(scenario=df.scenario, month=df.month, projected=df.tonnes, actual=df.tonnes_actual,
                            actual_low=df.low, actual_high=df.high))
    out["error_t"] = out.projected - out.actual
    out["error_pct"] = out.error_t / out.actual * 100
    return out.reset_index(drop=True)


def backtest_summary(bt: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: months compared, mean absolute error (t and %), mean error (bias, t)."""
    if bt.empty:
        return pd.DataFrame(columns=["scenario", "months", "mean_abs_error_t", "mean_abs_error_pct", "mean_error_t"])
    g = bt.groupby("scenario", sort=False)
    return pd.DataFrame(dict(months=g.size(), mean_abs_error_t=g.error_t.apply(lambda s: s.abs().mean()),
                             mean_abs_error_pct=g.error_pct.apply(lambda s: s.abs().mean()),
                             mean_error_t=g.error_t.mean())).reset_index()
