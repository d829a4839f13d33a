"""The house plotting style: derived values look different, missing months are marked, every figure has alt text."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.charts import plotting, seriescharts, figures, events, colours
from helpers.data.dataset import load_dataset


@pytest.fixture(scope="module")
def ds(frozen):
    plotting.use_house_style()
    return frozen


def test_monthly_figure_distinguishes_reported_derived_and_missing(ds):
    fig = plotting.plot_monthly(ds, end="2025-06")
    ax = fig.axes[0]
    hatches = {p.get_hatch() for p in ax.patches if hasattr(p, "get_hatch")}
    assert plotting.DERIVED_HATCH in hatches and None in hatches
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("n/r") == 2  # Jan 2024, Mar 2024 (December 2024 is now derived)
    assert "tonnes" in ax.get_ylabel()
    assert "1,238 t" in fig.alt_text and "derived" in fig.alt_text and "May 2025" in fig.alt_text
    plt.close(fig)


def test_events_and_controls_period_come_from_the_timeline(ds):
    ev = events.events_in_window(ds, "2024-01", "2025-06")
    assert list(ev.event_id) == ["E1", "E2", "E3", "E4", "E5", "E6"]
    periods = events.controls_periods(ds, "2025-06")
    assert periods[0][0] == pd.Timestamp("2025-04-04")
    legend = events.event_legend(ds, "2024-01", "2025-06")
    assert "(2) 4 Apr 2025 Announcement No. 18" in legend and "Shaded" in legend
    # an event after the window is not drawn
    assert "Busan" not in legend


def test_figure_html_is_svg_with_escaped_alt_caption_and_its_data(ds):
    fig = plotting.plot_cumulative(ds, end="2025-06")
    html = figures.figure_html(fig, 'Caption <script>alert("x")</script>', alt='alt "quoted" <b>')
    assert html.count("<svg") == 1 and "<img" not in html and "image/png" not in html
    assert re.search(r'<svg role="img" aria-label="alt &quot;quoted&quot; &lt;b&gt;"', html)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert '<script type="text/csv" class="magnet-data" data-kind="figure">' in html
    plt.close(fig)


def _titles(svg: str) -> list[str]:
    """The tooltips of the data marks of an SVG chart (``<g class="mark"><title>…``)."""
    return re.findall(r'<g id="[^"]*mark-\d+" class="mark">\s*<title>([^<]*)</title>', svg)


@pytest.mark.parametrize("which", ["monthly", "partner", "cumulative", "top"])
def test_every_value_drawn_has_a_titled_mark_and_a_csv_row(ds, which):
    from helpers.analysis import compare

    fig = {"monthly": lambda: plotting.plot_monthly(ds, end="2025-12"),
           "partner": lambda: plotting.plot_partner_vs_total(ds, "US", "2024-01", "2025-12"),
           "cumulative": lambda: plotting.plot_cumulative(ds, end="2025-12"),
           "top": lambda: plotting.plot_top_destinations(compare.top_destinations(ds, "2025-12", 10),
                                                         "December 2025", "DE", ds, "2025-12")}[which]()
    html = figures.figure_html(fig, "c")
    rows = list(__import__("csv").DictReader(__import__("io").StringIO(
        __import__("html").unescape(re.search(r'text/csv[^>]*>\n(.*?)</script>', html, re.S).group(1)))))
    titles = [t for t in _titles(html) if not t.startswith("Event ")]
    # one titled mark per value drawn, and one CSV row per value drawn: the same count
    assert len(rows) == len(titles) > 0
    # each row's value is what its mark says (whole tonnes or a share to one decimal), with its month
    for row, title in zip(rows, titles):
        value = float(row["value"])
        shown = f"{round(value):,} t" if row["unit"] == "t" else f"{value:.1f}%"
        assert shown.replace("-", "−") in __import__("html").unescape(title), (row, title)
        assert row["status"] in ("reported", "derived") and row["sources"]
        if row["status"] == "derived":
            assert "derived" in title
            assert row["unit"] != "t" or (row["low"] and row["high"] and "range" in title)
    plt.close(fig)


def test_months_without_data_are_marked_and_titled_not_drawn_as_zero(ds):
    fig = plotting.plot_monthly(ds, end="2025-06")
    html = figures.figure_html(fig, "c")
    assert html.count('class="mark-missing"') == 2 and "January 2024: not reported" in html
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "n/r: not reported (no data, not zero)" in labels
    assert any(x.startswith("Shaded: Announcement No. 18") for x in labels)   # shaded periods are in the legend
    plt.close(fig)


def test_event_numbers_never_overlap_on_the_drawn_chart(ds):
    # June 2025 has three events in a fortnight (5, 9 and 19 June), October–November three more
    for fig in (plotting.plot_monthly(ds, end="2025-12"), plotting.plot_partner_vs_total(ds, "US", "2024-01", "2025-12"),
                plotting.plot_monthly(ds, start="2025-03", end="2025-12")):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in fig.event_marks]
        assert len(boxes) >= 6
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), (a, b)
        plt.close(fig)


def test_event_levels_put_close_events_on_separate_rows():
    assert events.event_levels([0, 5, 10, 100]) == [0, 1, 2, 0]
    assert events.event_levels([0, 20, 40]) == [0, 0, 0]


def test_chart_titles_state_their_point(ds):
    fig = plotting.plot_monthly(ds, end="2025-12")
    assert fig.axes[0].get_title(loc="left") == ("China's rare-earth magnet exports: lowest in May 2025 (1,238 t), "
                                                 "5,952 t in December 2025")
    plt.close(fig)


def test_one_event_key_lists_every_event_with_its_date(ds):
    key = events.event_key_html(ds, "2024-01", "2025-06")
    assert key.count("<tr>") == 7 and "4 April 2025" in key and "Announcement No. 18" in key


def test_partner_figure_and_scenarios_have_alt_text(ds):
    fig = plotting.plot_partner_vs_total(ds, "DE", "2024-01", "2025-12")
    assert "Germany" in fig.alt_text and "share" in fig.alt_text
    plt.close(fig)
    actual = pd.DataFrame({"month": ["2025-05", "2025-06", "2025-07"], "tonnes": [1238.0, 3188.0, 5577.0],
                           "low": [1237.5, 3187.5, 5576.5], "high": [1238.5, 3188.5, 5577.5],
                           "status": ["reported"] * 3})
    proj = pd.DataFrame({"scenario": ["fast", "fast"], "month": ["2025-07", "2025-08"], "tonnes": [4000.0, 5000.0]})
    fig = plotting.plot_scenarios(actual, proj, "2025-06")
    assert "fast" in fig.alt_text and "after it for 1 month," in fig.alt_text
    plt.close(fig)


def test_scenario_chart_breaks_at_missing_months_and_marks_derived(ds):
    actual = pd.DataFrame({"month": ["2024-12", "2025-01", "2025-02", "2025-03"],
                           "tonnes": [float("nan"), 6357.0, 3548.0, 5361.0],
                           "low": [float("nan"), 6356.5, 3490.0, 5306.0], "high": [float("nan"), 6357.5, 3605.0, 5418.0],
                           "status": ["missing", "reported", "derived", "derived"]})
    proj = pd.DataFrame({"scenario": ["flat"], "month": ["2025-04"], "tonnes": [5361.0]})
    fig = plotting.plot_scenarios(actual, proj, "2025-03")
    line = fig.axes[0].lines[0]
    assert pd.isna(line.get_ydata()[0])  # not drawn across the unknown month
    assert "Derived (range shown)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    plt.close(fig)


def test_chart_colours_meet_wcag_contrast_on_white():
    # data marks: 3:1 against the background (WCAG 2.1, 1.4.11); text drawn in the chart: 4.5:1
    for c in [colours.PALETTE[k] for k in ("total", "focus", "base", "other")] + colours.SCENARIO_COLORS:
        assert colours.contrast(c) >= 3.0, c
    for c in (colours.PALETTE["event"], colours.PALETTE["missing"], "#595959"):
        assert colours.contrast(c) >= 4.5, c


# --------------------------------------------------------------------------- issue 35's charts


def _csv_rows(fig):
    import csv
    import io

    return list(csv.DictReader(io.StringIO(figures.data_csv(fig))))


def test_the_unit_value_chart_draws_each_price_with_its_provenance_and_its_csv(ds):
    fig = seriescharts.plot_unit_value(ds, start="2024-01", end="2026-03")
    rows = {(r["month"], r["status"]): r for r in _csv_rows(fig)}
    h1 = rows[("2025-01..2025-06", "derived")]            # $1.02 bn ÷ 22,319 t
    assert h1["unit"] == "USD/kg" and float(h1["low"]) < float(h1["value"]) < float(h1["high"])
    assert round(float(h1["value"]), 1) == 45.7 and "S51" in h1["sources"] and h1["method"].startswith("value ÷ tonnes")
    assert rows[("2024-08", "reported")]["value"] == "46.985"
    assert "US dollars per kg" in fig.axes[0].get_ylabel() and "derived from a value and a tonnage" in fig.alt_text
    plt.close(fig)


def test_the_long_history_shades_the_gaps_and_never_draws_a_multi_month_total_as_a_month(ds):
    fig = seriescharts.plot_history(ds, start="2023-08", end="2026-03")
    rows = _csv_rows(fig)
    assert "months not on file" in fig.axes[0].get_legend_handles_labels()[1]
    averages = [r for r in rows if "monthly average" in r["series"]]
    assert all(".." in r["month"] and r["status"] == "derived" and "÷" in r["method"] for r in averages)
    months = [r["month"] for r in rows if ".." not in r["month"]]
    assert "2024-01" not in months and "2025-06" in months          # January 2024 is a gap, not zero
    assert "not on file, shaded as gaps" in fig.alt_text
    plt.close(fig)


def test_europe_against_the_united_states_draws_both_tonnages_and_shares(ds):
    fig = seriescharts.plot_partners_vs_total(ds, ["EU", "US"], start="2025-01", end="2025-12")
    rows = _csv_rows(fig)
    eu = {r["month"]: r for r in rows if r["series"] == "share of total, European Union (aggregate)"}
    assert round(float(eu["2025-06"]["value"]), 1) == 42.8 and eu["2025-06"]["status"] == "reported"
    assert any(r["series"] == "share of total, United States" for r in rows)
    assert "the European Union and the United States" in fig.alt_text
    plt.close(fig)


def test_the_minerals_total_has_a_chart_of_its_own(ds):
    fig = seriescharts.plot_scope(ds, "cn:rare-earths", start="2025-01", end="2025-12")
    rows = _csv_rows(fig)
    assert rows and all(r["status"] == "reported" for r in rows)
    assert "a series of its own" in fig.alt_text
    assert not any(r["series"].startswith("China's rare-earth magnet") for r in rows)   # never the magnet line
    assert "rare earths" in fig.axes[0].get_title(loc="left")
    plt.close(fig)
