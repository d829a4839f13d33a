"""Events on a chart's time axis: the controls shaded, each event a numbered marker, its key in words."""

from __future__ import annotations


import html

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import pandas as pd  # noqa: E402

from helpers.data.dataset import Dataset
from helpers.charts.colours import PALETTE  # noqa: E402
from helpers.charts.figures import data_block, mark  # noqa: E402

#: Event numbers: the least gap between two in one row, and the height of a row (points).
EVENT_GAP_PT, EVENT_ROW_PT = 17.0, 14.0


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

SHADES = ("controls", "controls2")

def shade_periods(ax, dataset: Dataset, start: str, end: str, legend: bool = True) -> None:
    """Shade each controls period in its own colour, named in the legend."""
    lo = pd.Timestamp(start + "-01")
    for i, (a, b, label) in enumerate(controls_periods(dataset, end)):
        if b < lo:
            continue
        ax.axvspan(max(a, lo), b, color=PALETTE[SHADES[i % len(SHADES)]], alpha=0.6, lw=0, zorder=0,
                   label=f"Shaded: {label} in force" if legend else None)

def event_levels(xs_pt: list[float]) -> list[int]:
    """The row of each event number, given their x positions (points): the lowest row where it
    keeps :data:`EVENT_GAP_PT` from every number already placed in that row (so none overlap)."""
    rows: list[list[float]] = []
    out = []
    for x in xs_pt:
        for level, placed in enumerate(rows):
            if all(abs(x - p) >= EVENT_GAP_PT for p in placed):
                placed.append(x)
                out.append(level)
                break
        else:
            rows.append([x])
            out.append(len(rows) - 1)
    return out

def draw_events(ax, dataset: Dataset, start: str, end: str) -> pd.DataFrame:
    """Shade the controls periods and mark each event with its number; return the events drawn.

    Numbers of events close together go on rows above one another, never on top of each other
    (:func:`event_levels`, on the axis's width in points)."""
    shade_periods(ax, dataset, start, end)
    ev = events_in_window(dataset, start, end)
    top = ax.get_ylim()[1]
    x0, x1 = (mdates.date2num(v) for v in ax.get_xlim()) if not isinstance(ax.get_xlim()[0], float) else ax.get_xlim()
    width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72 * 0.9  # after tight_layout: a little narrower
    xs = [(mdates.date2num(r.when) - x0) / (x1 - x0) * width_pt for r in ev.itertuples()]
    levels = event_levels(xs)
    for r, level in zip(ev.itertuples(), levels):
        ax.axvline(r.when, color=PALETTE["event"], lw=0.8, ls=(0, (2, 2)), zorder=1)
        t = ax.annotate(str(r.number), (r.when, top), xytext=(0, 2 + EVENT_ROW_PT * level), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8, color=PALETTE["event"],
                        bbox=dict(boxstyle="circle,pad=0.2", fc="white", ec=PALETTE["event"], lw=0.6),
                        annotation_clip=False)
        t.set_gid(f"event-{r.number}")
        ax.figure.__dict__.setdefault("event_marks", []).append(t)
        mark(ax.figure, t, f"Event {r.number}: {r.when.day} {r.when:%B %Y}, {r.label} ({r.source_id})")
    ax.figure.__dict__["event_rows"] = max(levels, default=-1) + 1
    return ev

def event_key_html(dataset: Dataset, start: str, end: str) -> str:
    """One key per report to the numbered event markers and shaded periods of its charts."""
    ev = events_in_window(dataset, start, end)
    if ev.empty:
        return ""
    rows = "".join(f"<tr><td>{r.number}</td><td>{r.when.day} {r.when:%B %Y}</td><td>{html.escape(r.label)}</td>"
                   f"<td>{html.escape(r.source_id)}</td></tr>" for r in ev.itertuples())
    shades = "".join(f"<li>{html.escape(lab)}: in force from {a.day} {a:%B %Y}"
                     + (f" to {b.day} {b:%B %Y}" if b < pd.Timestamp(end + '-01') + pd.offsets.MonthEnd(0) else "")
                     + "</li>" for a, b, lab in controls_periods(dataset, end))
    return ('<section class="event-key" aria-label="Events marked on the charts"><h3>Events marked on the charts</h3>'
            '<table class="event-key-table"><thead><tr><th scope="col">No.</th><th scope="col">Date</th>'
            f'<th scope="col">Event</th><th scope="col">Source</th></tr></thead><tbody>{rows}</tbody></table>'
            + (f"<p>Shaded periods:</p><ul>{shades}</ul>" if shades else "")
            + data_block(ev[["number", "date", "label", "description", "source_id"]].to_csv(
                index=False, lineterminator="\n"), "table") + "</section>")

def event_legend(dataset: Dataset, start: str, end: str) -> str:
    """The caption text that names the numbered event markers (a report shows :func:`event_key_html` once instead)."""
    ev = events_in_window(dataset, start, end)
    parts = [f"({r.number}) {r.when:%-d %b %Y} {r.label} [{r.source_id}]" for r in ev.itertuples()]
    shade = controls_periods(dataset, end)
    text = "Markers: " + "; ".join(parts) + "." if parts else ""
    if shade:
        text += " Shaded: " + "; ".join(f"{lab} ({a:%-d %b %Y}–{'' if b < pd.Timestamp(end + '-01') + pd.offsets.MonthEnd(0) else 'in force at '}{b:%-d %b %Y})"
                                       for a, b, lab in shade) + "."
    return text.strip()
