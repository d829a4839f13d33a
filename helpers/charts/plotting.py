"""The house plotting style: one look for every figure of every report.

- One palette (Okabe–Ito) that survives colour-blindness, and shapes that
  survive greyscale: reported values are solid, derived values hatched and
  lighter with an error bar for the range their rounding allows, missing
  months are marked "n/r" (not reported) on the axis — never drawn as zero.
- The dated policy steps of ``data/raw/*/events.csv`` are drawn on every time
  axis: numbered markers (the caption's legend lists them) and the controls
  period shaded.
- Units on axes, and alt text built from the data for every figure
  (``fig.alt_text``); :func:`show` puts the figure, its alt text and its caption
  into the notebook as one ``<figure>`` element.
- Figures are SVG (vector on screen and in print). Every data mark carries a
  native SVG ``<title>`` (month, value, reported or derived with its range,
  sources), so hovering shows the value with no script; the values drawn, with
  their provenance, travel with the figure as CSV (``fig.data_rows``), which the
  build writes beside the report and links under the figure ("Data (CSV)").
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from helpers.analysis.compare import cumulative_by_month, monthly_table  # noqa: E402
from helpers.data.partners import TOTAL  # noqa: E402
from helpers.data.dataset import Dataset
from helpers.analysis.series import build_monthly_series, estimate  # noqa: E402
from helpers.text import fmt_sources, fmt_t, fmt_tonnes, in_sentence, month_name, span_name  # noqa: E402
from helpers.charts.figures import mark  # noqa: E402
from helpers.charts.colours import PALETTE, SCENARIO_COLORS  # noqa: E402
from helpers.charts.events import EVENT_ROW_PT, events_in_window, shade_periods, draw_events  # noqa: E402


#: The house style sheet (matplotlib): seaborn's whitegrid theme and the house's sizes.
HOUSE_STYLE = str(Path(__file__).with_name("house.mplstyle"))
DERIVED_HATCH = "////"
UNIT = "tonnes"


def use_house_style() -> None:
    """Apply the house style to matplotlib (call once per notebook): the style sheet ``house.mplstyle``."""
    plt.style.use(HOUSE_STYLE)


def _num(x) -> str:
    return "" if x is None or pd.isna(x) else f"{float(x):.4f}".rstrip("0").rstrip(".")


def _value_title(series: str, month: str, r, unit: str = "t") -> str:
    """``Exports, June 2025: 3,188 t, reported (sources S1, S41)``; a derived value with its range."""
    when = month_name(month) if re.fullmatch(r"\d{4}-\d{2}", str(month)) else str(month)
    srcs = fmt_sources(str(getattr(r, "sources", "") or "").replace(",", ";")) if getattr(r, "sources", "") else ""
    val = fmt_tonnes(r.tonnes) if unit == "t" else f"{r.tonnes:.1f}%"
    if r.status == "derived":
        rng = (f" (range {fmt_tonnes(r.low)} to {fmt_tonnes(r.high)})" if unit == "t" and pd.notna(r.low) else "")
        what = f"about {val}, derived{rng}"
    else:
        what = f"{val}, {r.status}"
    return f"{series}, {when}: {what}" + (f"; sources {srcs}" if srcs else "")


def _row(series: str, month: str, r, unit: str = "t") -> dict:
    return {"series": series, "month": month, "value": _num(r.tonnes), "unit": unit,
            "low": _num(getattr(r, "low", None)), "high": _num(getattr(r, "high", None)), "status": r.status,
            "sources": str(getattr(r, "sources", "") or "").replace(";", " "),
            "method": str(getattr(r, "method", "") or "")}


def month_mid(month: str) -> pd.Timestamp:
    """The middle of a month, where its bar is drawn."""
    return pd.Timestamp(month + "-01") + pd.Timedelta(days=14)


def _thousands(ax, axis: str = "y") -> None:
    getattr(ax, f"{axis}axis").set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _time_axis(ax, start: str, end: str) -> None:
    lo = pd.Timestamp(start + "-01") - pd.Timedelta(days=3)
    hi = pd.Timestamp(end + "-01") + pd.offsets.MonthEnd(0) + pd.Timedelta(days=3)
    ax.set_xlim(lo, hi)
    # a tick at each month's start in the window (labelled in January, April, July and October): what
    # MonthLocator finds there, given once instead of found by dateutil's rrule at every one of the
    # figure's layout passes (half the time of drawing a monthly chart)
    months = pd.date_range(lo, hi, freq="MS")
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(mdates.date2num(months[months.month.isin([1, 4, 7, 10])])))
    ax.xaxis.set_minor_locator(matplotlib.ticker.FixedLocator(mdates.date2num(months)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.grid(axis="x", visible=False)




def _bars(ax, df: pd.DataFrame, color: str, label: str, width_days: float = 24, offset_days: float = 0) -> None:
    """One bar per known month (derived ones hatched with their range), "n/r" on months not reported;
    every bar titled, and its value a CSV row of the figure."""
    x = [month_mid(m) + pd.Timedelta(days=offset_days) for m in df.month]
    rep = df.status == "reported"
    der = df.status == "derived"
    w = pd.Timedelta(days=width_days)
    fig = ax.figure
    bars = ax.bar([xi for xi, r in zip(x, rep) if r], df.tonnes[rep], width=w, color=color, label=f"{label}: reported",
                  zorder=2)
    for patch, r in zip(bars.patches, df[rep].itertuples()):
        mark(fig, patch, _value_title(label, r.month, r), _row(label, r.month, r))
    if der.any():
        bars = ax.bar([xi for xi, d in zip(x, der) if d], df.tonnes[der], width=w, facecolor="white", edgecolor=color,
                      hatch=DERIVED_HATCH, lw=1.0, label=f"{label}: derived (range shown)", zorder=2)
        for patch, r in zip(bars.patches, df[der].itertuples()):
            mark(fig, patch, _value_title(label, r.month, r), _row(label, r.month, r))
        xd = [xi for xi, d in zip(x, der) if d]
        lo = (df.tonnes - df.low)[der]
        hi = (df.high - df.tonnes)[der]
        ax.errorbar(xd, df.tonnes[der], yerr=[lo, hi], fmt="none", ecolor="black", elinewidth=1, capsize=3,
                    zorder=3)
    missing = False
    for xi, r in zip(x, df.itertuples()):
        if r.status == "missing":
            missing = True
            t = ax.annotate("n/r", (xi, 0), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                            fontsize=7, color="#595959", rotation=90)
            t.set_gid(f"nr-{label}-{r.month}")
            fig.__dict__.setdefault("missing_marks", []).append((t, f"{label}, {month_name(r.month)}: not reported"))
    if missing and not any(h.get_label() == "n/r: not reported (no data, not zero)"
                           for h in ax.get_legend_handles_labels()[0] if hasattr(h, "get_label")):
        ax.plot([], [], ls="none", marker="$n/r$", ms=14, color="#595959", label="n/r: not reported (no data, not zero)")


def point_title(df: pd.DataFrame, what: str) -> str:
    """A chart title that states its point, from the data: where the series bottomed out and where it ended."""
    known = df[df.status != "missing"]
    if known.empty:
        return f"{what}: no month is known"
    lo, hi, last = known.loc[known.tonnes.idxmin()], known.loc[known.tonnes.idxmax()], known.iloc[-1]
    if lo.month != last.month and lo.month != known.month.iloc[0] and lo.tonnes < 0.7 * hi.tonnes:
        return (f"{what}: lowest in {month_name(lo.month)} ({fmt_tonnes(lo.tonnes)}), "
                f"{fmt_tonnes(last.tonnes)} in {month_name(last.month)}")
    return f"{what}: {fmt_tonnes(last.tonnes)} in {month_name(last.month)}, highest in {month_name(hi.month)}"


def _alt_series(df: pd.DataFrame, what: str) -> str:
    known = df[df.status != "missing"]
    if known.empty:
        return f"{what}: no month has a reported or derived value."
    lo = known.loc[known.tonnes.idxmin()]
    hi = known.loc[known.tonnes.idxmax()]
    last = known.iloc[-1]
    n_der = int((df.status == "derived").sum())
    n_mis = int((df.status == "missing").sum())
    def months(n: int) -> str:
        return f"{n} month" if n == 1 else f"{n} months"

    return (f"{what}, {span_name(df.month.iloc[0], df.month.iloc[-1], long=True)}, in tonnes. Lowest {month_name(lo.month)} at "
            f"{fmt_tonnes(lo.tonnes)}, highest {month_name(hi.month)} at {fmt_tonnes(hi.tonnes)}, last shown "
            f"{month_name(last.month)} at {fmt_tonnes(last.tonnes)}. {months(n_der)} derived from reported changes and "
            f"totals (hatched, with their range); {months(n_mis)} not reported (marked n/r).")


def plot_monthly(dataset: Dataset, partner: str = TOTAL, start: str = "2024-01", end: str | None = None,
                 events: bool = True, compare_partner: str | None = None) -> plt.Figure:
    """Monthly exports of one partner (default: all destinations), with events and controls.

    ``compare_partner`` adds a second partner's bars beside the first.
    """
    end = end or dataset.latest_month
    df = monthly_table(dataset, partner, start, end)
    fig, ax = plt.subplots()
    name = dataset.partner_name(partner)
    if compare_partner:
        other = monthly_table(dataset, compare_partner, start, end)
        _bars(ax, df, PALETTE["total"], name, width_days=13, offset_days=-7)
        _bars(ax, other, PALETTE["focus"], dataset.partner_name(compare_partner), width_days=13, offset_days=7)
    else:
        _bars(ax, df, PALETTE["total"] if partner == TOTAL else PALETTE["focus"], name)
    ax.set_ylabel(f"Exports ({UNIT})")
    _thousands(ax)
    _time_axis(ax, start, end)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.08)
    if events:
        draw_events(ax, dataset, start, end)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.24), ncols=2)
    title = "China's rare-earth magnet exports" + ("" if partner == TOTAL else f" to {name}")
    rows = fig.__dict__.get("event_rows", 0)
    ax.set_title(point_title(df, title), loc="left", pad=(8 + EVENT_ROW_PT * rows) if events else 6)
    fig.tight_layout()
    fig.alt_text = _alt_series(df, f"Bar chart of {title.lower().replace('china', 'China')} by month")
    if events:
        ev = events_in_window(dataset, start, end)
        fig.alt_text += f" {len(ev)} policy events are marked with numbered dashed lines; the controls period is shaded."
    return fig


def plot_cumulative(dataset: Dataset, year: int = 2025, base_year: int = 2024, end: str | None = None) -> plt.Figure:
    """Year-to-date exports of ``year`` against ``base_year``, month by month."""
    end = end or dataset.latest_month
    cur = cumulative_by_month(dataset, year, end=end)
    base = cumulative_by_month(dataset, base_year, end=f"{base_year}-12")
    fig, ax = plt.subplots()
    for df, color, label, marker in ((base, PALETTE["base"], str(base_year), "s"), (cur, PALETTE["total"], str(year), "o")):
        known = df[df.status != "missing"]
        if known.empty:
            continue
        ax.plot(known.month_num, known.tonnes, color=color, marker=marker, lw=2, label=f"{label}", zorder=3)
        known = known.assign(sources="", method="")
        for r in known.itertuples():   # each point its own mark, titled, over the line's own marker
            pt, = ax.plot([r.month_num], [r.tonnes], ls="none", marker=marker, color=color,
                          mfc="white" if r.status == "derived" else color, zorder=5)
            e = estimate(dataset, TOTAL, f"{label}-01", r.month)   # its provenance: sources and method
            r = r._replace(sources=";".join(e.sources) if e else "", method=(e.method if e else "")) \
                if hasattr(r, "_replace") else r
            mark(fig, pt, _value_title(f"Since January {label}", r.month, r), _row(f"cumulative {label}", r.month, r))
        der = known[known.status == "derived"]
        ax.errorbar(der.month_num, der.tonnes, yerr=[der.tonnes - der.low, der.high - der.tonnes], fmt=marker,
                    mfc="white", color=color, capsize=3, zorder=4)
    ax.set_xticks(range(1, 13), ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
    ax.set_xlim(0.5, 12.5)
    ax.set_ylabel(f"Exports since January ({UNIT})")
    _thousands(ax)
    ax.set_ylim(0, None)
    ax.legend(title="Exports since January", loc="upper left")
    cur_known, base_known = cur[cur.status != "missing"], base[base.status != "missing"]
    point = ""
    if len(cur_known) and len(base_known):
        last = cur_known.iloc[-1]
        same = base_known[base_known.month_num == last.month_num]
        if len(same):
            pct = (last.tonnes / same.tonnes.iloc[0] - 1) * 100
            point = (f": {abs(pct):.1f}% {'below' if pct < 0 else 'above'} {base_year} by the end of "
                     f"{pd.Timestamp(last.month + '-01'):%B}")
    ax.set_title(f"Cumulative exports, {year} against {base_year}{point}".replace("-", "−"), loc="left")
    fig.tight_layout()
    parts = []
    for df, y in ((cur, year), (base, base_year)):
        known = df[df.status != "missing"]
        if known.empty:
            parts.append(f"{y}: no year-to-date total is known.")
        else:
            last = known.iloc[-1]
            parts.append(f"{y}: {fmt_t(last.tonnes)} by the end of {pd.Timestamp(last.month + '-01'):%B}"
                         f" ({len(known)} of 12 months known).")
    fig.alt_text = (f"Line chart of cumulative exports since January, {year} against {base_year}, in tonnes. "
                    + " ".join(parts) + " Hollow markers with error bars are derived totals.")
    return fig


def plot_partner_vs_total(dataset: Dataset, partner: str, start: str = "2024-01", end: str | None = None) -> plt.Figure:
    """Two panels: the partner's monthly tonnes, and its share of all destinations."""
    end = end or dataset.latest_month
    df = monthly_table(dataset, partner, start, end)
    name = dataset.partner_name(partner)
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(9, 5.6), height_ratios=[3, 2])
    _bars(ax1, df, PALETTE["focus"], name)
    ax1.set_ylabel(f"Exports ({UNIT})")
    _thousands(ax1)
    ax1.set_ylim(0, ax1.get_ylim()[1] * 1.1)
    draw_events(ax1, dataset, start, end)
    # the legend goes under the chart: inside it would cover the latest bars
    handles, labels = ax1.get_legend_handles_labels()
    ax1.set_title(point_title(df, f"Exports to {in_sentence(name)}"),
                  loc="left", pad=8 + EVENT_ROW_PT * fig.__dict__.get("event_rows", 0))
    share = df.dropna(subset=["share_pct"])
    # a share rests on two values: it is derived when either is (drawn hollow, like every derived value)
    total = build_monthly_series(dataset, TOTAL, start, end).set_index("month").status
    share = share.assign(status=["derived" if r.status == "derived" or total.get(r.month) == "derived" else r.status
                                 for r in share.itertuples()])
    # NaN months break the line: no line is drawn across months that are not known
    ax2.plot([month_mid(m) for m in df.month], df.share_pct, color=PALETTE["focus"], lw=1.5)
    for r in share.itertuples():
        pt, = ax2.plot([month_mid(r.month)], [r.share_pct], ls="none", marker="o", color=PALETTE["focus"], zorder=4,
                       mfc="white" if r.status == "derived" else PALETTE["focus"])
        mark(fig, pt, f"Share of all destinations, {month_name(r.month)}: {r.share_pct:.1f}% ({r.status})",
             {"series": f"share of total, {name}", "month": r.month, "value": _num(r.share_pct), "unit": "%",
              "status": r.status, "sources": str(r.sources).replace(";", " ")})
    shade_periods(ax2, dataset, start, end, legend=False)
    ax2.set_ylabel("Share of total (%)")
    ax2.set_ylim(0, max(5.0, (share.share_pct.max() if len(share) else 0) * 1.25))
    _time_axis(ax2, start, end)
    ax2.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncols=2, fontsize=8, frameon=False)
    fig.tight_layout()
    alt = _alt_series(df, f"Bar chart of monthly exports to {in_sentence(name)}")
    if len(share):
        hi = share.loc[share.share_pct.idxmax()]
        lo = share.loc[share.share_pct.idxmin()]
        alt += (f" Lower panel: the share of all destinations, known for {len(share)} "
                f"{'month' if len(share) == 1 else 'months'}, from {lo.share_pct:.1f}% ({month_name(lo.month)}) to "
                f"{hi.share_pct:.1f}% ({month_name(hi.month)}).")
    fig.alt_text = alt
    return fig


def plot_top_destinations(top: pd.DataFrame, month_label: str, highlight: str | None = None,
                          dataset: Dataset | None = None, month: str | None = None) -> plt.Figure:
    """Horizontal bars of :func:`helpers.analysis.compare.top_destinations`: the largest destinations of a
    month, largest on top, then the rest of the world; derived values hatched with their range.
    With ``dataset`` and ``month``, each bar's title and CSV row name its sources."""
    if dataset is not None and month and "sources" not in top:
        def sources_of(p: str) -> str:
            e = estimate(dataset, p, month)
            return ";".join(e.sources) if e else ""
        listed = [p for p in top.partner if p]
        rest = ";".join(dict.fromkeys(s for p in [TOTAL] + listed for s in sources_of(p).split(";") if s))
        top = top.assign(sources=[sources_of(p) if p else rest for p in top.partner])
    n = len(top)
    fig, ax = plt.subplots(figsize=(9, 0.42 * n + 1.3))
    y = list(range(n))[::-1]
    for yi, r in zip(y, top.itertuples()):
        rest = not r.partner
        color = PALETTE["missing"] if rest else PALETTE["focus"] if r.partner == highlight else PALETTE["total"]
        derived = r.status == "derived"
        bar = ax.barh(yi, r.tonnes, color="white" if derived else color, edgecolor=color,
                      hatch=DERIVED_HATCH if derived else None, lw=1.2, height=0.7)
        share_txt = "" if pd.isna(r.share_pct) else f", {r.share_pct:.1f}% of the total"
        mark(fig, bar.patches[0], f"{r.name}, {month_label}: " + (f"about {fmt_tonnes(r.tonnes)}, derived (range "
             f"{fmt_tonnes(r.low)} to {fmt_tonnes(r.high)})" if derived else f"{fmt_tonnes(r.tonnes)}, {r.status}")
             + share_txt + (f"; sources {fmt_sources(str(r.sources))}" if getattr(r, "sources", "") else ""),
             {"series": r.name, "month": month_label, "value": _num(r.tonnes), "unit": "t", "low": _num(r.low),
              "high": _num(r.high), "status": r.status,
              "sources": str(getattr(r, "sources", "") or "").replace(";", " ")})
        if derived and r.high > r.low:
            ax.errorbar(r.tonnes, yi, xerr=[[r.tonnes - r.low], [r.high - r.tonnes]], color="#333333", lw=1, capsize=3)
        share = "" if pd.isna(r.share_pct) else f"  {r.share_pct:.1f}%"
        ax.text(r.high if derived else r.tonnes, yi, f" {r.tonnes:,.0f} t{share}", va="center", fontsize=8)
    ax.set_yticks(y, list(top.name))
    ax.set_xlabel(f"Exports ({UNIT})")
    _thousands(ax, "x")
    ax.set_xlim(0, max(top.high.max(), top.tonnes.max()) * 1.22 if n else 1)
    ax.grid(axis="y", visible=False)
    first = top[top.partner.astype(bool)] if "partner" in top else top
    # "X first" only where X's first place is known (a published ranking, or tonnages that leave no room)
    known_first = len(first) and "rank" in first and first["rank"].iloc[0] == 1
    lead = f": {first.name.iloc[0]} first" if known_first else ""
    ax.set_title(f"The largest destinations with a known tonnage, {month_label}{lead}", loc="left")
    fig.tight_layout()
    listed = "; ".join(f"{r.name} {r.tonnes:,.0f} t" + ("" if pd.isna(r.share_pct) else f" ({r.share_pct:.1f}%)")
                       for r in top.itertuples())
    fig.alt_text = f"Horizontal bar chart of exports by destination in {month_label}, largest first: {listed}."
    return fig


def plot_scenarios(actual: pd.DataFrame, projections: pd.DataFrame, as_of: str,
                   bench: pd.DataFrame | None = None) -> plt.Figure:
    """Actual monthly totals, and each scenario's projection from ``as_of`` onwards.

    ``actual``: month, tonnes, low, high, status; ``projections``: scenario, month, tonnes;
    ``bench`` (optional, :func:`helpers.analysis.outlook.benchmarks`): the naive benchmark's median with
    its 80% and 95% intervals as shaded bands, and the drift benchmark's median.
    """
    fig, ax = plt.subplots()
    if bench is not None and len(bench):
        naive = bench[bench.method == "naive"]
        x = [month_mid(m) for m in naive.month]
        ax.fill_between(x, naive.low95, naive.high95, color=PALETTE["total"], alpha=0.08, lw=0,
                        label="Naive benchmark: 95% interval")
        ax.fill_between(x, naive.low80, naive.high80, color=PALETTE["total"], alpha=0.18, lw=0,
                        label="Naive benchmark: 80% interval")
        for method, ls in (("naive", "-"), ("drift", (0, (1, 1)))):
            b = bench[bench.method == method]
            ax.plot([month_mid(m) for m in b.month], b.tonnes, color="grey", ls=ls, lw=1.5,
                    label=f"Benchmark: {method}")
    known = actual[actual.status != "missing"]
    before = actual[actual.month <= as_of]  # missing months stay NaN: the line breaks there
    after = known[known.month > as_of]
    ax.plot([month_mid(m) for m in before.month], before.tonnes, color=PALETTE["total"], marker="o", lw=2,
            label=f"Actual to {month_name(as_of)}")
    for r in pd.concat([before[before.status != "missing"], after]).itertuples():
        pt, = ax.plot([month_mid(r.month)], [r.tonnes], ls="none", marker="o" if r.month <= as_of else "D",
                      color=PALETTE["total"] if r.month <= as_of else "black",
                      mfc="white" if r.status == "derived" else None, zorder=6)
        mark(fig, pt, _value_title("Actual exports", r.month, r), _row("actual", r.month, r))
    derived = before[before.status == "derived"]
    if len(derived):
        ax.errorbar([month_mid(m) for m in derived.month], derived.tonnes,
                    yerr=[derived.tonnes - derived.low, derived.high - derived.tonnes], fmt="o", mfc="white",
                    color=PALETTE["total"], capsize=3, zorder=4, label="Derived (range shown)")
    if len(after):
        ax.plot([month_mid(m) for m in after.month], after.tonnes, color="black", marker="D", lw=0, ms=6,
                label="Actual after (backtest)", zorder=5)
    for (name, group), color, ls in zip(projections.groupby("scenario", sort=False), SCENARIO_COLORS,
                                        ["--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]):
        ax.plot([month_mid(m) for m in group.month], group.tonnes, color=color, ls=ls, lw=2, label=f"Scenario: {name}")
        for r in group.itertuples():
            pt, = ax.plot([month_mid(r.month)], [r.tonnes], ls="none", marker=".", ms=7, color=color, zorder=5)
            mark(fig, pt, f"Scenario {name}, {month_name(r.month)}: {fmt_tonnes(r.tonnes)} (projected)",
                 {"series": f"scenario {name}", "month": r.month, "value": _num(r.tonnes), "unit": "t",
                  "status": "projected", "method": f"scenario {name}"})
    ax.axvline(pd.Timestamp(as_of + "-01") + pd.offsets.MonthEnd(0), color=PALETTE["event"], lw=0.8)
    ax.set_ylabel(f"Exports ({UNIT})")
    _thousands(ax)
    ax.set_ylim(0, None)
    months = list(actual.month) + list(projections.month)
    _time_axis(ax, min(months), max(months))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=3, frameon=False)  # never over the lines
    ax.set_title(f"Scenarios from {month_name(as_of)}" + (f", and the {len(after)} actual months after it"
                 if len(after) else ""), loc="left")
    fig.tight_layout()
    names = list(dict.fromkeys(projections.scenario))
    if bench is not None and len(bench):  # the bands are wide: keep the story's scale readable
        ax.set_ylim(0, max(float(actual.tonnes.max()), float(projections.tonnes.max()),
                           float(bench[bench.method == "naive"].high80.max())) * 1.05)
    fig.alt_text = (f"Line chart of monthly exports in tonnes: actual values to {month_name(as_of)} (hollow markers: "
                    "derived; gaps: not reported)"
                    + (f", actual values after it for {len(after)} {'month' if len(after) == 1 else 'months'}"
                       if len(after) else "")
                    + f", {len(names)} projected {'scenario' if len(names) == 1 else 'scenarios'}: "
                    + f"{', '.join(map(str, names))}"
                    + (", and the naive and drift benchmarks with the naive benchmark's 80% and 95% intervals"
                       if bench is not None and len(bench) else "") + ".")
    return fig
