"""Scenario projections from a month of data, benchmarks with intervals, and their backtests.

An edition of the outlook is made on a day (``projected_on``: by default the day the
``as_of`` month was released) and uses only the data as known on that day: its 2024
level, its starting point and its benchmarks could all have been computed then.

A scenario says how many months exports take to reach a target (``None``: they stay
where they are): the 2024 level, a multiple of it, or the highest month on file (a
restocking that overshoots the 2024 level). From the last known month at or before
``as_of``, each scenario moves in a straight line to its target in that many months and
stays there. The 2024 level is either the average of the 2024 months that are known
(``"average"``) or the same calendar month of 2024 (``"same_month"``, falling back to
the average where that month is not known); every projected row says which.

The data-driven paths are two standard benchmarks (:func:`benchmarks`), fitted with
statsmodels' ARIMA on the logarithm of the monthly tonnage, months not on file left
missing (the Kalman filter skips them, nothing is interpolated): **naive** (a random
walk: next month as the last, ARIMA(0,1,0)) and **drift** (a random walk with the
average monthly change, ARIMA(0,1,0) with a trend), each with its 80% and 95%
prediction interval. :func:`rolling_backtest` refits them at every origin month on
the data as known on the day that month was released, and sets each forecast
against the month's value on file now (rolling origin, one to ``horizon`` months ahead).

Wherever the data hold actual values after ``as_of``, :func:`backtest` sets each
scenario against them. Scenarios are what-ifs, not forecasts; the benchmarks are the
simplest honest forecasts, the yardstick any other must beat.
"""

from __future__ import annotations

import math

import pandas as pd

import numpy as np

from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset
from helpers.errors import ParameterError
from helpers.months import add_months, month_range
from helpers.analysis.series import build_monthly_series, estimate

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

    A scenario is ``months`` (to the 2024 level), ``None`` (stays at the starting level) or
    ``[months, target]``: ``target`` ``"peak"`` (the highest month on file up to ``as_of``) or
    a number (that multiple of the 2024 level, e.g. ``1.2``).

    Columns: scenario, month, step (months after the starting point), tonnes,
    target (the 2024 level aimed at), target_basis (how that level was computed).
    """
    if baseline not in BASELINES:
        raise ParameterError("baseline", baseline, "one of " + ", ".join(BASELINES))
    start_month, start_value = starting_point(dataset, as_of, partner)
    avg = baseline_level(dataset, base_year, partner)
    same = build_monthly_series(dataset, partner, f"{base_year}-01", f"{base_year}-12").set_index("month")
    months = month_range(add_months(as_of, 1), add_months(as_of, horizon))
    peak = highest_month(dataset, as_of, partner)
    rows = []
    for name, spec in scenarios.items():
        for m in months:
            step = len(month_range(start_month, m)) - 1
            target, basis = avg["tonnes"], f"{base_year} average of {avg['months_known']} known months"
            if baseline == "same_month":
                e = same.loc[f"{base_year}-{m[5:]}"]
                if e.status != "missing":
                    target, basis = float(e.tonnes), f"{pd.Timestamp(e.name):%B %Y} ({e.status})"
                else:
                    basis += f" ({pd.Timestamp(f'{base_year}-{m[5:]}'):%B %Y} is not known)"
            n, to = (spec, None) if not isinstance(spec, (list, tuple)) else spec
            if to == "peak":
                target, basis = peak[1], f"the highest month on file, {pd.Timestamp(peak[0]):%B %Y}"
            elif to is not None:
                target, basis = target * float(to), f"{float(to):g} × {basis}"
            frac = 0.0 if n is None else min(step / n, 1.0)
            rows.append(dict(scenario=name, month=m, step=step, tonnes=start_value + (target - start_value) * frac,
                             target=target, target_basis=basis))
    return pd.DataFrame(rows, columns=["scenario", "month", "step", "tonnes", "target", "target_basis"])


def actual_series(dataset: Dataset, as_of: str, horizon: int, history: int = 12,
                  partner: str = TOTAL, known_then: Dataset | None = None) -> pd.DataFrame:
    """The actual monthly series from ``history`` months before ``as_of`` to the end of the horizon
    (cut at the latest month of data): month, tonnes, low, high, status.

    With ``known_then`` (the data the projections were made with), the months up to ``as_of`` are as
    known then — the edition shows the history it projected from, not values worked out later — and the
    months after it as known in ``dataset`` (what came)."""
    end = min(add_months(as_of, horizon), dataset.latest_month)
    df = build_monthly_series(dataset, partner, add_months(as_of, -history + 1), end)
    if known_then is not None:
        then = build_monthly_series(known_then, partner, add_months(as_of, -history + 1), as_of)
        df = pd.concat([then, df[df.month > as_of]], ignore_index=True)
    return df[["month", "tonnes", "low", "high", "status", "sources", "method", "published"]]


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


def highest_month(dataset: Dataset, as_of: str, partner: str = TOTAL) -> tuple[str, float]:
    """The highest month with a known tonnage up to ``as_of`` (in the two years before it), and that tonnage."""
    df = build_monthly_series(dataset, partner, add_months(as_of, -23), as_of)
    known = df[df.status != "missing"]
    if known.empty:
        raise ParameterError("as_of", as_of, "a month with a known tonnage in the two years before it")
    top = known.loc[known.tonnes.idxmax()]
    return str(top.month), float(top.tonnes)


def release_day(dataset: Dataset, month: str, partner: str = TOTAL) -> str:
    """The day ``month``'s tonnage became known (its origin's release, ``YYYY-MM-DD``; "" when not on file)."""
    e = estimate(dataset, partner, month)
    return e.published if e is not None else ""


# --------------------------------------------------------------------------- benchmarks

#: The benchmarks: name -> the trend of an ARIMA(0,1,0) on log tonnes ("n": none, "t": a drift).
BENCHMARKS = {"naive": "n", "drift": "t"}
#: The prediction intervals drawn, in percent.
LEVELS = (80, 95)
#: Fewer known months than this before an origin and no benchmark is fitted there.
MIN_MONTHS = 6


def _history(dataset: Dataset, origin: str, partner: str = TOTAL, years: int = 3) -> pd.Series:
    df = build_monthly_series(dataset, partner, add_months(origin, -12 * years + 1), origin)
    s = pd.Series(df.tonnes.to_numpy(dtype=float), index=pd.PeriodIndex(df.month, freq="M"))
    s[df.status.to_numpy() == "missing"] = np.nan
    first = s.first_valid_index()
    return s.loc[first:] if first is not None else s.iloc[0:0]


def benchmarks(dataset: Dataset, origin: str, horizon: int, partner: str = TOTAL) -> pd.DataFrame:
    """The naive and drift forecasts for the ``horizon`` months after ``origin``, from the data given.

    Columns: method, month, step, tonnes (the median: exp of the log forecast), low80, high80,
    low95, high95, months_used (known months the fit saw). Empty when fewer than
    :data:`MIN_MONTHS` months are known or the last month (``origin``) is not.
    """
    import warnings

    from statsmodels.tsa.arima.model import ARIMA

    cols = ["method", "month", "step", "tonnes"] + [f"{b}{lv}" for lv in LEVELS for b in ("low", "high")] + [
        "months_used"]
    y = _history(dataset, origin, partner)
    if y.notna().sum() < MIN_MONTHS or y.empty or pd.isna(y.iloc[-1]):
        return pd.DataFrame(columns=cols)
    rows = []
    for method, trend in BENCHMARKS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels warns on short series; the interval says it all
            fit = ARIMA(np.log(y), order=(0, 1, 0), trend=trend).fit()
            fc = fit.get_forecast(horizon)
        mean = np.exp(fc.predicted_mean.to_numpy())
        bands = {lv: np.exp(fc.conf_int(alpha=1 - lv / 100).to_numpy()) for lv in LEVELS}
        for i in range(horizon):
            row = dict(method=method, month=add_months(origin, i + 1), step=i + 1, tonnes=float(mean[i]),
                       months_used=int(y.notna().sum()))
            for lv in LEVELS:
                row[f"low{lv}"], row[f"high{lv}"] = float(bands[lv][i, 0]), float(bands[lv][i, 1])
            rows.append(row)
    return pd.DataFrame(rows, columns=cols)


def rolling_backtest(dataset: Dataset, horizon: int, first_origin: str = "2024-01", last_origin: str | None = None,
                     partner: str = TOTAL) -> pd.DataFrame:
    """The benchmarks refitted at every origin month, each on the data as known on the day that month was
    released, against the values on file in ``dataset`` (rolling origin).

    Columns: origin, released (the day the fit's data are as known on), method, month, step, forecast,
    low80, high80, low95, high95, actual, error_t (forecast − actual), error_pct, inside80, inside95.
    """
    last_origin = last_origin or add_months(dataset.latest_month, -1)
    actual = build_monthly_series(dataset, partner, first_origin, dataset.latest_month).set_index("month")
    rows = []
    for origin in month_range(first_origin, last_origin):
        day = release_day(dataset, origin, partner)
        if not day or day[:7] > add_months(origin, 2):
            continue  # an origin is a month released in its own time, not one derived a year later
        fc = benchmarks(dataset.known_on(day) if day else dataset, origin, horizon, partner)
        for r in fc.itertuples(index=False):
            if r.month not in actual.index or actual.loc[r.month, "status"] == "missing":
                continue
            a = float(actual.loc[r.month, "tonnes"])
            rows.append(dict(origin=origin, released=day, method=r.method, month=r.month, step=r.step,
                             forecast=r.tonnes, low80=r.low80, high80=r.high80, low95=r.low95, high95=r.high95,
                             actual=a, error_t=r.tonnes - a, error_pct=(r.tonnes - a) / a * 100,
                             inside80=r.low80 <= a <= r.high80, inside95=r.low95 <= a <= r.high95))
    return pd.DataFrame(rows, columns=["origin", "released", "method", "month", "step", "forecast", "low80",
                                       "high80", "low95", "high95", "actual", "error_t", "error_pct", "inside80",
                                       "inside95"])


def rolling_summary(bt: pd.DataFrame) -> pd.DataFrame:
    """Per benchmark and months ahead: forecasts scored, mean absolute error (t and %), mean error (bias, t),
    and how often the actual month fell inside the 80% and 95% intervals (%)."""
    cols = ["method", "step", "forecasts", "mean_abs_error_t", "mean_abs_error_pct", "mean_error_t",
            "inside80_pct", "inside95_pct"]
    if bt.empty:
        return pd.DataFrame(columns=cols)
    g = bt.groupby(["method", "step"], sort=False)
    out = pd.DataFrame(dict(forecasts=g.size(), mean_abs_error_t=g.error_t.apply(lambda s: s.abs().mean()),
                            mean_abs_error_pct=g.error_pct.apply(lambda s: s.abs().mean()),
                            mean_error_t=g.error_t.mean(), inside80_pct=g.inside80.mean() * 100,
                            inside95_pct=g.inside95.mean() * 100)).reset_index()
    return out[cols].sort_values(["step", "method"], ignore_index=True)


def against_benchmarks(actual: pd.DataFrame, bench: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """The actual months after ``as_of`` against each benchmark's forecast and intervals made at ``as_of``.

    Columns: method, month, forecast, low80, high80, actual, position ("above the 80% interval", "inside the
    80% interval", …).
    """
    after = actual[(actual.month > as_of) & (actual.status != "missing")][["month", "tonnes"]]
    df = bench.merge(after, on="month", suffixes=("", "_actual"))
    if df.empty:
        return pd.DataFrame(columns=["method", "month", "forecast", "low80", "high80", "actual", "position"])

    def position(r):
        if r.tonnes_actual > r.high95:
            return "above the 95% interval"
        if r.tonnes_actual > r.high80:
            return "above the 80% interval"
        if r.tonnes_actual < r.low95:
            return "below the 95% interval"
        if r.tonnes_actual < r.low80:
            return "below the 80% interval"
        return "inside the 80% interval"

    return pd.DataFrame(dict(method=df.method, month=df.month, forecast=df.tonnes, low80=df.low80, high80=df.high80,
                             actual=df.tonnes_actual, position=df.apply(position, axis=1)))
