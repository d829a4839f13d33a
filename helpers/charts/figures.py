"""Figures and tables as a reader gets them: data marks with titles, inline SVG, the CSV of the values beside."""

from __future__ import annotations


import csv
import html
import io
import itertools
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402



#: The CSV columns of a figure's data (the values drawn and their provenance).
DATA_COLUMNS = ("series", "month", "value", "unit", "low", "high", "status", "sources", "method")

def mark(fig, artist, title: str, row: dict | None = None) -> None:
    """Give a drawn data mark its tooltip (an SVG ``<title>``) and, with ``row``, its CSV row."""
    marks = fig.__dict__.setdefault("marks", [])
    gid = f"mark-{len(marks) + 1}"
    artist.set_gid(gid)
    marks.append((gid, title))
    if row is not None:
        fig.__dict__.setdefault("data_rows", []).append({k: row.get(k, "") for k in DATA_COLUMNS})

_FIGURE_NUMBERS = itertools.count(1)

def figure_svg(fig: plt.Figure, alt: str) -> str:
    """The figure as inline SVG: text kept as text, every mark's ``<title>`` inserted (native tooltips),
    the whole labelled by its alt text (``role="img"``)."""
    buf = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "magnet", "svg.id": "fig"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    titles = dict(fig.__dict__.get("marks", []))
    titles.update({t.get_gid(): txt for t, txt in fig.__dict__.get("missing_marks", [])})
    n = 0

    def titled(m):   # matplotlib writes each artist with a gid as <g id="GID">: its title goes first inside
        nonlocal n
        gid = html.unescape(m.group(1))
        if gid not in titles:
            return m.group(0)
        n += 1
        cls = "mark" if gid.startswith(("mark-", "event-")) else "mark-missing"
        return f'<g id="{m.group(1)}" class="{cls}">\n   <title>{html.escape(titles[gid], quote=False)}</title>'

    text = re.sub(r'<g id="([^"]+)">', titled, buf.getvalue())
    text = text[text.index("<svg"):]   # no XML declaration or doctype inside an HTML page
    # ids unique in the page (several figures in one report): prefix them with the figure's own number
    prefix = f"f{next(_FIGURE_NUMBERS)}-"   # the figure's number in this kernel: the same in every build
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r'(url\(#|href="#)([^)"]+)', lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)
    label = html.escape(alt, quote=True)
    text = re.sub(r"^<svg\b", f'<svg role="img" aria-label="{label}" class="report-chart"', text, count=1)
    fig.__dict__["titled_marks"] = n
    return text

def data_csv(fig: plt.Figure) -> str:
    """The values a figure draws, one row each, with their provenance (``DATA_COLUMNS``)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=DATA_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(fig.__dict__.get("data_rows", []))
    return buf.getvalue()

def data_block(csv_text: str, kind: str) -> str:
    """The CSV behind a figure or table, carried inside its HTML (inert); the build writes it beside the
    report and puts a "Data (CSV)" link in its place (``pipeline.render.convert``)."""
    return f'<script type="text/csv" class="magnet-data" data-kind="{kind}">\n{html.escape(csv_text, quote=False)}</script>'

def figure_html(fig: plt.Figure, caption: str, alt: str | None = None) -> str:
    """The figure as a self-contained ``<figure>``: inline SVG with titled marks, alt text, caption
    (all escaped), and the CSV of the values drawn."""
    alt = alt or getattr(fig, "alt_text", "") or caption
    svg = figure_svg(fig, alt)
    return (f'<figure class="report-figure">{svg}'
            f"<figcaption>{html.escape(caption)}</figcaption>{data_block(data_csv(fig), 'figure')}</figure>")

def table_html(df: pd.DataFrame, data: pd.DataFrame | None = None, **to_html) -> str:
    """A table as HTML (``DataFrame.to_html`` options, escaped) with the CSV of what it shows (``data``:
    the same rows with full precision and provenance, when the table rounds or formats them)."""
    to_html.setdefault("escape", True)
    out = (data if data is not None else df).to_csv(index=to_html.get("index", True), lineterminator="\n")
    return df.to_html(**to_html) + data_block(out, "table")

def show_table(df: pd.DataFrame, data: pd.DataFrame | None = None, **to_html) -> None:
    """Display a table with its data (:func:`table_html`)."""
    from IPython.display import HTML, display

    display(HTML(table_html(df, data, **to_html)))

def show(fig: plt.Figure, caption: str, alt: str | None = None) -> None:
    """Display ``fig`` in the notebook as a captioned figure with alt text, then close it."""
    from IPython.display import HTML, display

    try:
        display(HTML(figure_html(fig, caption, alt)))
    finally:
        plt.close(fig)
