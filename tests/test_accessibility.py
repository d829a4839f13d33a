"""Every built report and the index, checked with axe-core in headless Chromium: no violation of
WCAG 2.1 A and AA (contrast of text included). axe-core comes from the axe-playwright-python package
(its axe.min.js): nothing is downloaded when the tests run, and the pages load nothing either."""

from __future__ import annotations

from pathlib import Path

import pytest

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def page(browser):
    p = browser.new_page()
    p.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file://", "data:")) else r.abort())
    yield p
    p.close()


def axe_violations(page, path: Path) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page at ``path``, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    page.goto(path.as_uri(), wait_until="load")
    results = Axe().run(page, options=WCAG)
    return [f"{path.name}: {v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"][0])
                        for n in v["nodes"][:3])
            for v in results.response["violations"]]


def test_axe_finds_what_it_should(page, tmp_path):
    # the check itself can fail: light grey text on white and an image without alt text
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><main>'
                   '<p style="color:#bbbbbb">faint</p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                   "</main></body></html>", encoding="utf-8")
    found = " ".join(axe_violations(page, bad))
    assert "color-contrast" in found and "image-alt" in found


def test_every_report_the_index_and_the_technical_page_have_no_accessibility_violation(page, built_default_reports):
    out = built_default_reports.out
    problems = []
    for name in built_default_reports.names + ["index", "technical"]:
        problems += axe_violations(page, out / f"{name}.html")
    assert problems == []
