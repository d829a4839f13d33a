"""Charts of issue 35: destinations side by side with their shares, the unit value, the long history with its
gaps, and another series in a chart of its own; in the house style of :mod:`helpers.charts.plotting` (whose primitives they
use; a notebook shows them with ``figures.show``)."""

from __future__ import annotations

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from helpers.analysis.compare import monthly_table
from helpers.data.partners import TOTAL
from helpers.data.dataset import Dataset
from helpers.months import month_range
from helpers.charts.plotting import DERIVED_HATCH, UNIT, _bars, _num, _row, _thousands, _time_axis, _value_title, month_mid
from helpers.charts.colours import PALETTE, SCENARIO_COLORS
from helpers.charts.figures import mark
from helpers.analysis.series import build_monthly_series
from helpers.text import fmt_sources, fmt_tonnes, in_sentence, month_name, span_name


def plot_partners_vs_total(dataset: Dataset, partners: list[str], start: str = "2024-01",
                           end: str | None = None) -> plt.Figure:
    """Several destinations side by side (the EU as reported for the bloc against the United States, say):
    their monthly tonnes (top, derived hatched with their range, "n/r" where not reported) and each one's share
    of all destinations (bottom: hollow where the share rests on a derived value; no line across a gap)."""
    end = end or dataset.latest_month
    colours = [PALETTE["total"], PALETTE["focus"], PALETTE["other"], SCENARIO_COLORS[2]]
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(9, 5.8), height_ratios=[3, 2])
    n = len(partners)
    width = 26 / n
    total = build_monthly_series(dataset, TOTAL, start, end).set_index("month").status
    alt, top_share = [], 5.0
    for i, (partner, colour) in enumerate(zip(partners, colours)):
        name = dataset.partner_name(partner)
        df = monthly_table(dataset, partner, start, end)
        _bars(ax1, df, colour, name, width_days=width - 1, offset_days=(i - (n - 1) / 2) * width)
        share = df.dropna(subset=["share_pct"])
        share = share.assign(status=["derived" if r.status == "derived" or total.get(r.month) == "derived"
                                     else r.status for r in share.itertuples()])
        ax2.plot([month_mid(m) for m in df.month], df.share_pct, color=colour, lw=1.5, label=name)
        for r in share.itertuples():
            pt, = ax2.plot([month_mid(r.month)], [r.share_pct], ls="none", marker="o", color=colour, zorder=4,
                           mfc="white" if r.status == "derived" else colour)
            mark(fig, pt, f"{name}, share of all destinations, {month_name(r.month)}: "
                 f"{'about ' if r.status == 'derived' else ''}{r.share_pct:.1f}% ({r.status})",
                 {"series": f"share of total, {name}", "month": r.month, "value": _num(r.share_pct), "unit": "%",
                  "status": r.status, "sources": str(r.sources).replace(";", " ")})
        if len(share):
            top_share = max(top_share, share.share_pct.max() * 1.2)
            hi, lo = share.loc[share.share_pct.idxmax()], share.loc[share.share_pct.idxmin()]
            alt.append(f"{name}: tonnage known for {int((df.status != 'missing').sum())} of {len(df)} months; "
                       f"share of all destinations from {lo.share_pct:.1f}% ({month_name(lo.month)}) to "
                       f"{hi.share_pct:.1f}% ({month_name(hi.month)}).")
        else:
            alt.append(f"{name}: tonnage known for {int((df.status != 'missing').sum())} of {len(df)} months.")
    ax1.set_ylabel(f"Exports ({UNIT})")
    _thousands(ax1)
    ax1.set_ylim(0, ax1.get_ylim()[1] * 1.1)
    names = " and ".join(in_sentence(dataset.partner_name(p)) for p in partners)
    ax1.set_title(f"Exports to {names}", loc="left", pad=8)
    ax2.set_ylabel("Share of total (%)")
    ax2.set_ylim(0, top_share)
    _time_axis(ax2, start, end)
    handles, labels = ax1.get_legend_handles_labels()
    ax2.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncols=2, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.alt_text = (f"Bar chart of monthly exports to {names}, {month_name(start)} to {month_name(end)}, with "
                    "their shares of all destinations below. " + " ".join(alt))
    return fig


def plot_unit_value(dataset: Dataset, partner: str = TOTAL, start: str = "2016-01", end: str | None = None) -> plt.Figure:
    """The unit value of exports (US dollars per kg) over time, a series of its own (:mod:`helpers.analysis.values`): a
    month's price as a dot (hollow where derived from value ÷ tonnes, with its range), a price over several
    months as a line across them. Nothing is drawn between prices: a gap is a gap."""
    from helpers.analysis.values import unit_values

    end = end or dataset.latest_month
    df = unit_values(dataset, partner)
    df = df[(df["last"] >= start) & (df["first"] <= end)]
    name = dataset.partner_name(partner)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    colour = PALETTE["total"] if partner == TOTAL else PALETTE["focus"]
    seen = set()
    for r in df.itertuples():
        derived = r.status == "derived"
        label = ("one month" if r.first == r.last else "average over several months") + (
            ": derived from value ÷ tonnes (range shown)" if derived else ": reported")
        kw = {"label": label} if label not in seen else {}
        seen.add(label)
        when = month_name(r.first) if r.first == r.last else span_name(r.first, r.last)
        if r.first == r.last:
            art, = ax.plot([month_mid(r.first)], [r.value], ls="none", marker="o", ms=6, color=colour, zorder=4,
                           mfc="white" if derived else colour, **kw)
        else:
            x0 = pd.Timestamp(r.first + "-01")
            x1 = pd.Timestamp(r.last + "-01") + pd.offsets.MonthEnd(0)
            art, = ax.plot([x0, x1], [r.value, r.value], color=colour, lw=2.2, ls="--" if derived else "-", **kw)
        if derived and r.high > r.low:
            x = month_mid(r.first) if r.first == r.last else (pd.Timestamp(r.first + "-01")
                                                               + (pd.Timestamp(r.last + "-28") - pd.Timestamp(r.first + "-01")) / 2)
            ax.errorbar([x], [r.value], yerr=[[r.value - r.low], [r.high - r.value]], fmt="none", ecolor="black",
                        elinewidth=1, capsize=3, zorder=3)
        what = (f"about ${r.value:.1f} per kg, derived (range ${r.low:.1f} to ${r.high:.1f})" if derived
                else f"${r.value:.1f} per kg, reported")
        mark(fig, art, f"Unit value, {name}, {when}: {what}; sources {fmt_sources(r.sources)}",
             {"series": f"unit value, {name}", "month": r.first if r.first == r.last else f"{r.first}..{r.last}",
              "value": _num(r.value), "unit": "USD/kg", "low": _num(r.low), "high": _num(r.high), "status": r.status,
              "sources": r.sources.replace(";", " "), "method": r.method})
    ax.set_ylabel("US dollars per kg")
    lo = min([40.0] + list(df.low)) if len(df) else 40.0
    ax.set_ylim(max(0.0, lo * 0.85), max([60.0] + list(df.high)) * 1.1 if len(df) else 100)
    _time_axis(ax, start, end)
    # a long axis: a tick each January only
    years = pd.date_range(start[:4] + "-01-01", end[:4] + "-12-31", freq="YS")
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(mdates.date2num(years)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_title(f"Unit value of China's rare-earth magnet exports{'' if partner == TOTAL else ' to ' + in_sentence(name)}",
                 loc="left", pad=6)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, fontsize=8, frameon=False)
    fig.tight_layout()
    n1 = int((df["first"] == df["last"]).sum())
    fig.alt_text = (f"Chart of the unit value of China's rare-earth magnet exports in US dollars per kg, "
                    f"{month_name(start)} to {month_name(end)}: {n1} single months and {len(df) - n1} multi-month "
                    f"averages, {int((df.status == 'derived').sum())} of them derived from a value and a tonnage."
                    + (f" From ${df.value.min():.1f} to ${df.value.max():.1f} per kg." if len(df) else ""))
    return fig


def plot_history(dataset: Dataset, partner: str = TOTAL, start: str = "2016-01", end: str | None = None) -> plt.Figure:
    """The long history: every month on file from ``start`` (solid reported, hatched derived with its range),
    the months not on file shaded as gaps (never zero, never joined), and where a reported total over several
    months covers a gap, its monthly average drawn across those months as a dotted line (derived: the total ÷
    its months, not any one month's value). Every mark titled and a row of the figure's CSV."""
    from helpers.analysis.series import derive as _derive, reported as _reported

    end = end or dataset.latest_month
    df = build_monthly_series(dataset, partner, start, end)
    name = dataset.partner_name(partner)
    colour = PALETTE["total"] if partner == TOTAL else PALETTE["focus"]
    fig, ax = plt.subplots(figsize=(9, 4.4))
    x = [month_mid(m) for m in df.month]
    w = pd.Timedelta(days=26)
    rep, der = df.status == "reported", df.status == "derived"
    bars = ax.bar([xi for xi, r in zip(x, rep) if r], df.tonnes[rep], width=w, color=colour, label="reported", zorder=2)
    for patch, r in zip(bars.patches, df[rep].itertuples()):
        mark(fig, patch, _value_title(name, r.month, r), _row(name, r.month, r))
    if der.any():
        bars = ax.bar([xi for xi, d in zip(x, der) if d], df.tonnes[der], width=w, facecolor="white", edgecolor=colour,
                      hatch=DERIVED_HATCH, lw=0.6, label="derived (range shown)", zorder=2)
        for patch, r in zip(bars.patches, df[der].itertuples()):
            mark(fig, patch, _value_title(name, r.month, r), _row(name, r.month, r))
        ax.errorbar([xi for xi, d in zip(x, der) if d], df.tonnes[der], yerr=[(df.tonnes - df.low)[der],
                    (df.high - df.tonnes)[der]], fmt="none", ecolor="black", elinewidth=0.7, capsize=1.5, zorder=3)
    # the gaps: runs of months not on file, shaded
    gaps, run = [], []
    for m, st in zip(df.month, df.status):
        if st == "missing":
            run.append(m)
        elif run:
            gaps.append(run)
            run = []
    if run:
        gaps.append(run)
    for i, g in enumerate(gaps):
        ax.axvspan(pd.Timestamp(g[0] + "-01"), pd.Timestamp(g[-1] + "-01") + pd.offsets.MonthEnd(0),
                   color="#EDEDED", zorder=0, lw=0, label="months not on file" if i == 0 else None)
    # reported multi-month totals over the gaps: their monthly average, shortest spans first
    missing = set(df.month[df.status == "missing"])
    known = _derive(dataset).estimates
    covered: set = set()
    spans = sorted(((k, e) for k, e in _reported(dataset).reported_totals.items()
                    if k[0] == partner and k[1] != k[2] and k[1] >= start and k[2] <= end),
                   key=lambda ke: (len(month_range(ke[0][1], ke[0][2])), ke[0][1]))
    first_avg = True
    for (p, a, b), e in spans:
        months = month_range(a, b)
        gap = [m for m in months if m in missing and m not in covered]
        if not gap:
            continue
        covered |= set(months)
        n = len(months)
        avg, lo, hi = e.value / n, e.low / n, e.high / n
        art, = ax.plot([pd.Timestamp(a + "-01"), pd.Timestamp(b + "-01") + pd.offsets.MonthEnd(0)], [avg, avg],
                       color="#333333", lw=1.4, ls=":", zorder=3,
                       label="monthly average of a reported multi-month total" if first_avg else None)
        first_avg = False
        when = span_name(a, b)
        mark(fig, art, f"{name}, {when}: {fmt_tonnes(e.value)} in all ({', '.join(e.sources)}), about "
             f"{fmt_tonnes(avg)} a month on average; no single month of it is shown by this line",
             {"series": f"{name}, monthly average of a multi-month total", "month": f"{a}..{b}", "value": _num(avg),
              "unit": "t", "low": _num(lo), "high": _num(hi), "status": "derived",
              "sources": " ".join(e.sources), "method": f"reported total {fmt_tonnes(e.value)} ÷ {n} months"})
    ax.set_ylabel(f"Exports ({UNIT})")
    _thousands(ax)
    _time_axis(ax, start, end)
    years = pd.date_range(start[:4] + "-01-01", end[:4] + "-12-31", freq="YS")
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(mdates.date2num(years)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_ylim(0, ax.get_ylim()[1] * 1.05)
    title = "China's rare-earth magnet exports" + ("" if partner == TOTAL else f" to {name}")
    ax.set_title(f"{title}, {span_name(start, end)}", loc="left", pad=6)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, fontsize=8, frameon=False)
    fig.tight_layout()
    nk = int((df.status != "missing").sum())
    fig.alt_text = (f"Bar chart of {title.lower().replace('china', 'China')} by month, {month_name(start)} to "
                    f"{month_name(end)}: {nk} of {len(df)} months on file ({int(rep.sum())} reported, {int(der.sum())} "
                    f"derived); {len(df) - nk} months are not on file, shaded as gaps in {len(gaps)} runs.")
    return fig


def plot_scope(dataset: Dataset, series: str, start: str = "2024-01", end: str | None = None,
               partner: str = TOTAL) -> plt.Figure:
    """One other series in a chart of its own (GAC's rare-earth minerals, Bloomberg's rare-earth products): its
    monthly tonnages as reported, never derived, never on the magnet chart's axis; "n/r" where none is on
    file. Every bar titled with its scope and sources, and a row of the figure's CSV."""
    from helpers.data.tables import SERIES

    end = end or dataset.latest_month
    scope = SERIES[series]
    f = dataset.figures
    f = f[(f.series == series) & (f.measure == "tonnes") & (f.partner == partner) & (f.from_month == f.to_month)
          & (f.from_month >= start) & (f.to_month <= end)]
    rows = []
    for m in month_range(start, end):
        g = f[f.from_month == m]
        if g.empty:
            rows.append({"month": m, "tonnes": float("nan"), "low": float("nan"), "high": float("nan"),
                         "status": "missing", "sources": ""})
            continue
        best = g.loc[g.half_width.idxmin()]
        rows.append({"month": m, "tonnes": float(best.value), "low": float((g.value - g.half_width).max()),
                     "high": float((g.value + g.half_width).min()), "status": "reported",
                     "sources": ";".join(dict.fromkeys(g.source_id))})
    df = pd.DataFrame(rows)
    label = scope.goods.split(":")[0].split(" (")[0]
    fig, ax = plt.subplots(figsize=(9, 3.6))
    _bars(ax, df, PALETTE["other"], label[:1].upper() + label[1:])
    ax.set_ylabel(f"Exports ({UNIT})")
    _thousands(ax)
    _time_axis(ax, start, end)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.08)
    ax.set_title(f"{scope.tariff[:1].upper() + scope.tariff[1:]}: {label}", loc="left", pad=6, fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, fontsize=8, frameon=False)
    fig.tight_layout()
    known = df[df.status == "reported"]
    fig.alt_text = (f"Bar chart of {label}, a series of its own ({scope.tariff}; {scope.publisher}), "
                    f"{month_name(start)} to {month_name(end)}: {len(known)} of {len(df)} months on file"
                    + (f", from {fmt_tonnes(known.tonnes.min())} to {fmt_tonnes(known.tonnes.max())}." if len(known)
                       else "."))
    return fig
