"""The house plotting style: derived values look different, missing months are marked, every figure has alt text."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers import plotting
from helpers.data import load_dataset


@pytest.fixture(scope="module")
def ds():
    plotting.use_house_style()
    return load_dataset()


def test_monthly_figure_distinguishes_reported_derived_and_missing(ds):
    fig = plotting.plot_monthly(ds, end="2025-06")
    ax = fig.axes[0]
    hatches = {p.get_hatch() for p in ax.patches if hasattr(p, "get_hatch")}
    assert plotting.DERIVED_HATCH in hatches and None in hatches
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("n/r") == 2  # Jan 2024, Mar 2024 (December 2024 is now derived)
    assert "tonnes" in ax.get_ylabel()
    assert "1,238.47 t" in fig.alt_text and "derived" in fig.alt_text
    plt.close(fig)


def test_events_and_controls_period_come_from_the_timeline(ds):
    ev = plotting.events_in_window(ds, "2024-01", "2025-06")
    assert list(ev.event_id) == ["E1", "E2", "E3", "E4", "E5", "E6"]
    periods = plotting.controls_periods(ds, "2025-06")
    assert periods[0][0] == pd.Timestamp("2025-04-04")
    legend = plotting.event_legend(ds, "2024-01", "2025-06")
    assert "(2) 4 Apr 2025 Announcement No. 18" in legend and "Shaded" in legend
    # an event after the window is not drawn
    assert "Busan" not in legend


def test_figure_html_embeds_png_with_escaped_alt_and_caption(ds):
    fig = plotting.plot_cumulative(ds, end="2025-06")
    html = plotting.figure_html(fig, 'Caption <script>alert("x")</script>', alt='alt "quoted" <b>')
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', html)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'alt="alt &quot;quoted&quot; &lt;b&gt;"' in html
    plt.close(fig)


def test_partner_figure_and_scenarios_have_alt_text(ds):
    fig = plotting.plot_partner_vs_total(ds, "DE", "2024-01", "2025-12")
    assert "Germany" in fig.alt_text and "share" in fig.alt_text
    plt.close(fig)
    actual = pd.DataFrame({"month": ["2025-05", "2025-06", "2025-07"], "tonnes": [1238.0, 3188.0, 5577.0],
                           "low": [1237.5, 3187.5, 5576.5], "high": [1238.5, 3188.5, 5577.5],
                           "status": ["reported"] * 3})
    proj = pd.DataFrame({"scenario": ["fast", "fast"], "month": ["2025-07", "2025-08"], "tonnes": [4000.0, 5000.0]})
    fig = plotting.plot_scenarios(actual, proj, "2025-06")
    assert "fast" in fig.alt_text and "after it for 1 month" in fig.alt_text
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
