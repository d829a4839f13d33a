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
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .compare import cumulative_by_month, monthly_table  # noqa: E402
from .data import TOTAL, Dataset  # noqa: E402
from .text import fmt_t, in_sentence  # noqa: E402

#: Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
PALETTE = {
    "total": OKABE_ITO["blue"],        # all destinations
    "focus": OKABE_ITO["vermillion"],  # the partner in focus
    "base": OKABE_ITO["sky"],          # the comparison year
    "other": OKABE_ITO["green"],
    "controls": "#D9D9D9",             # shaded controls period (light grey: fine in greyscale)
    "event": "#444444",
    "missing": "#777777",
}
SCENARIO_COLORS = [OKABE_ITO[c] for c in ("orange", "green", "purple", "sky", "yellow")]
DERIVED_HATCH = "////"
UNIT = "tonnes"


def use_house_style() -> None:
    """Apply the house style to matplotlib (call once per notebook)."""
    sns.set_theme(style="whitegrid", context="notebook", font="DejaVu Sans")
    plt.rcParams.update({
        "figure.figsize": (9, 4.2), "figure.dpi": 100, "savefig.dpi": 110,
        "axes.spines.top": False, "axes.spines.right": False, "axes.titleweight": "bold",
        "axes.titlesize": 12, "axes.labelsize": 10, "legend.frameon": False, "legend.fontsize": 9,
        "hatch.linewidth": 0.8,
    })


def month_mid(month: str) -> pd.Timestamp:
    """The middle of a month, where its bar is drawn."""
    return pd.Timestamp(month + "-01") + pd.Timedelta(days=14)


def _thousands(ax, axis: str = "y") -> None:
    getattr(ax, f"{axis}axis").set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _time_axis(ax, start: str, end: str) -> None:
    ax.set_xlim(pd.Timestamp(start + "-01") - pd.Timedelta(days=3),
                pd.Timestamp(end + "-01") + pd.offsets.MonthEnd(0) + pd.Timedelta(days=3))
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=[1, 4, 7, 10]))
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.grid(axis="x", visible=False)


def events_in_window(dataset: Dataset, start: str, end: str) -> pd.DataFrame:
    """The timeline's events between the first day of ``start`` and the last of ``end``, numbered."""
    ev = dataset.events.copy()
    lo = pd.Timestamp(start + "-01")
    hi = pd.Timestamp(end + "-01") + pd.offsets.MonthEnd(0)
    ev["when"] = pd.to_datetime(ev.date)
    ev = ev[(ev.when >= lo) & (ev.when <= hi)].sort_values("when").reset_index(drop=True)
    ev["number"] = range(1, len(ev) + 1)
    return ev


def controls_periods(dataset: Dataset, end: str) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    """(start, end, label) of each controls period; an open-ended one runs to ``end``."""
    hi = pd.Timestamp(end + "-01") + pd.offsets.MonthEnd(0)
    out = []
    for r in dataset.events[dataset.events.kind == "controls"].itertuples():
        a = pd.Timestamp(r.date)
        b = pd.Timestamp(r.end_date) if r.end_date else hi
        if a <= hi:
            out.append((a, min(b, hi), r.label))
    return out


def draw_events(ax, dataset: Dataset, start: str, end: str) -> pd.DataFrame:
    """Shade the controls periods and mark each event with its number; return the events drawn."""
    for a, b, label in controls_periods(dataset, end):
        ax.axvspan(a, b, color=PALETTE["controls"], alpha=0.45, lw=0, zorder=0)
    ev = events_in_window(dataset, start, end)
    top = ax.get_ylim()[1]
    level, previous = 0, None
    for r in ev.itertuples():
        # stagger the numbers of events that fall close together
        level = (level + 1) % 3 if previous is not None and (r.when - previous).days < 15 else 0
        previous = r.when
        ax.axvline(r.when, color=PALETTE["event"], lw=0.8, ls=(0, (2, 2)), zorder=1)
        ax.annotate(str(r.number), (r.when, top), xytext=(0, 2 + 13 * level), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8, color=PALETTE["event"],
                    bbox=dict(boxstyle="circle,pad=0.2", fc="white", ec=PALETTE["event"], lw=0.6),
                    annotation_clip=False)
    return ev


def event_legend(dataset: Dataset, start: str, end: str) -> str:
    """The caption text that names the numbered event markers."""
    ev = events_in_window(dataset, start, end)
    parts = [f"({r.number}) {r.when:%-d %b %Y} {r.label} [{r.source_id}]" for r in ev.itertuples()]
    shade = controls_periods(dataset, end)
    text = "Markers: " + "; ".join(parts) + "." if parts else ""
    if shade:
        text += " Shaded: " + "; ".join(f"{lab} ({a:%-d %b %Y}–{'' if b < pd.Timestamp(end + '-01') + pd.offsets.MonthEnd(0) else 'in force at '}{b:%-d %b %Y})"
                                       for a, b, lab in shade) + "."
    return text.strip()


def _bars(ax, df: pd.DataFrame, color: str, label: str, width_days: float = 24, offset_days: float = 0) -> None:
    x = [month_mid(m) + pd.Timedelta(days=offset_days) for m in df.month]
    rep = df.status == "reported"
    der = df.status == "derived"
    w = pd.Timedelta(days=width_days)
    ax.bar([xi for xi, r in zip(x, rep) if r], df.tonnes[rep], width=w, color=color, label=f"{label}: reported",
           zorder=2)
    if der.any():
        ax.bar([xi for xi, d in zip(x, der) if d], df.tonnes[der], width=w, facecolor="white", edgecolor=color,
               hatch=DERIVED_HATCH, lw=1.0, label=f"{label}: derived (range shown)", zorder=2)
        xd = [xi for xi, d in zip(x, der) if d]
        lo = (df.tonnes - df.low)[der]
        hi = (df.high - df.tonnes)[der]
        ax.errorbar(xd, df.tonnes[der], yerr=[lo, hi], fmt="none", ecolor="black", elinewidth=1, capsize=3,
                    zorder=3)
    for xi, m in zip(x, df.status):
        if m == "missing":
            ax.annotate("n/r", (xi, 0), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                        fontsize=7, color=PALETTE["missing"], rotation=90)


def _alt_series(df: pd.DataFrame, what: str) -> str:
    known = df[df.status != "missing"]
    if known.empty:
        return f"{what}: no month has a reported or derived value."
    lo = known.loc[known.tonnes.idxmin()]
    hi = known.loc[known.tonnes.idxmax()]
    last = known.iloc[-1]
    n_der = int((df.status == "derived").sum())
    n_mis = int((df.status == "missing").sum())
    return (f"{what}, {df.month.iloc[0]} to {df.month.iloc[-1]}, in tonnes. Lowest {lo.month} at "
            f"{fmt_t(lo.tonnes)}, highest {hi.month} at {fmt_t(hi.tonnes)}, last shown {last.month} at "
            f"{fmt_t(last.tonnes)}. {n_der} month(s) derived from reported changes and totals (hatched, with "
            f"their range); {n_mis} month(s) not reported (marked n/r).")


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
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncols=2)
    title = "China's rare-earth magnet exports" + ("" if partner == TOTAL else f" to {name}")
    ax.set_title(title + ", by month", loc="left", pad=40 if events else 6)
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
        der = known[known.status == "derived"]
        ax.errorbar(der.month_num, der.tonnes, yerr=[der.tonnes - der.low, der.high - der.tonnes], fmt=marker,
                    mfc="white", color=color, capsize=3, zorder=4)
    ax.set_xticks(range(1, 13), ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
    ax.set_xlim(0.5, 12.5)
    ax.set_ylabel(f"Exports since January ({UNIT})")
    _thousands(ax)
    ax.set_ylim(0, None)
    ax.legend(title="Year to date", loc="upper left")
    ax.set_title(f"Cumulative exports, {year} against {base_year}", loc="left")
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
    ax1.set_title(f"Exports to {in_sentence(name)}, and its share of all magnet exports", loc="left", pad=40)
    share = df.dropna(subset=["share_pct"])
    # NaN months break the line: no line is drawn across months that are not known
    ax2.plot([month_mid(m) for m in df.month], df.share_pct, color=PALETTE["focus"], marker="o", lw=1.5)
    for a, b, _ in controls_periods(dataset, end):
        ax2.axvspan(a, b, color=PALETTE["controls"], alpha=0.45, lw=0, zorder=0)
    ax2.set_ylabel("Share of total (%)")
    ax2.set_ylim(0, max(5.0, (share.share_pct.max() if len(share) else 0) * 1.25))
    _time_axis(ax2, start, end)
    ax2.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncols=2, fontsize=8, frameon=False)
    fig.tight_layout()
    alt = _alt_series(df, f"Bar chart of monthly exports to {in_sentence(name)}")
    if len(share):
        hi = share.loc[share.share_pct.idxmax()]
        lo = share.loc[share.share_pct.idxmin()]
        alt += (f" Lower panel: {name}'s share of all destinations, known for {len(share)} month(s), from "
                f"{lo.share_pct:.1f}% ({lo.month}) to {hi.share_pct:.1f}% ({hi.month}).")
    fig.alt_text = alt
    return fig


def plot_top_destinations(top: pd.DataFrame, month_label: str, highlight: str | None = None) -> plt.Figure:
    """Horizontal bars of :func:`helpers.compare.top_destinations`: the largest destinations of a
    month, largest on top, then the rest of the world; derived values hatched with their range."""
    n = len(top)
    fig, ax = plt.subplots(figsize=(9, 0.42 * n + 1.3))
    y = list(range(n))[::-1]
    for yi, r in zip(y, top.itertuples()):
        rest = not r.partner
        color = PALETTE["missing"] if rest else PALETTE["focus"] if r.partner == highlight else PALETTE["total"]
        derived = r.status == "derived"
        ax.barh(yi, r.tonnes, color="white" if derived else color, edgecolor=color,
                hatch=DERIVED_HATCH if derived else None, lw=1.2, height=0.7)
        if derived and r.high > r.low:
            ax.errorbar(r.tonnes, yi, xerr=[[r.tonnes - r.low], [r.high - r.tonnes]], color="#333333", lw=1, capsize=3)
        share = "" if pd.isna(r.share_pct) else f"  {r.share_pct:.1f}%"
        ax.text(r.high if derived else r.tonnes, yi, f" {r.tonnes:,.0f} t{share}", va="center", fontsize=8)
    ax.set_yticks(y, list(top.name))
    ax.set_xlabel(f"Exports ({UNIT})")
    _thousands(ax, "x")
    ax.set_xlim(0, max(top.high.max(), top.tonnes.max()) * 1.22 if n else 1)
    ax.grid(axis="y", visible=False)
    ax.set_title(f"The largest destinations with a known tonnage, {month_label}", loc="left")
    fig.tight_layout()
    listed = "; ".join(f"{r.name} {r.tonnes:,.0f} t" + ("" if pd.isna(r.share_pct) else f" ({r.share_pct:.1f}%)")
                       for r in top.itertuples())
    fig.alt_text = f"Horizontal bar chart of exports by destination in {month_label}, largest first: {listed}."
    return fig


def plot_scenarios(actual: pd.DataFrame, projections: pd.DataFrame, as_of: str,
                   bench: pd.DataFrame | None = None) -> plt.Figure:
    """Actual monthly totals, and each scenario's projection from ``as_of`` onwards.

    ``actual``: month, tonnes, low, high, status; ``projections``: scenario, month, tonnes;
    ``bench`` (optional, :func:`helpers.outlook.benchmarks`): the naive benchmark's median with
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
            label=f"Actual to {as_of}")
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
    ax.axvline(pd.Timestamp(as_of + "-01") + pd.offsets.MonthEnd(0), color=PALETTE["event"], lw=0.8)
    ax.set_ylabel(f"Exports ({UNIT})")
    _thousands(ax)
    ax.set_ylim(0, None)
    months = list(actual.month) + list(projections.month)
    _time_axis(ax, min(months), max(months))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=3, frameon=False)  # never over the lines
    ax.set_title(f"Scenarios from {as_of}", loc="left")
    fig.tight_layout()
    names = list(dict.fromkeys(projections.scenario))
    if bench is not None and len(bench):  # the bands are wide: keep the story's scale readable
        ax.set_ylim(0, max(float(actual.tonnes.max()), float(projections.tonnes.max()),
                           float(bench[bench.method == "naive"].high80.max())) * 1.05)
    fig.alt_text = (f"Line chart of monthly exports in tonnes: actual values to {as_of} (hollow markers: derived; "
                    "gaps: not reported)"
                    + (f", actual values after it for {len(after)} month(s)" if len(after) else "")
                    + f", {len(names)} projected scenario(s): {', '.join(map(str, names))}"
                    + (", and the naive and drift benchmarks with the naive benchmark's 80% and 95% intervals"
                       if bench is not None and len(bench) else "") + ".")
    return fig


def figure_html(fig: plt.Figure, caption: str, alt: str | None = None) -> str:
    """The figure as a self-contained ``<figure>``: embedded PNG, alt text, caption (all escaped)."""
    alt = alt or getattr(fig, "alt_text", "") or caption
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<figure class="report-figure"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}" style="max-width:100%;height:auto">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def show(fig: plt.Figure, caption: str, alt: str | None = None) -> None:
    """Display ``fig`` in the notebook as a captioned figure with alt text, then close it."""
    from IPython.display import HTML, display

    try:
        display(HTML(figure_html(fig, caption, alt)))
    finally:
        plt.close(fig)
