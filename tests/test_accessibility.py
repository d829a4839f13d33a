"""Every built report and the index, checked with axe-core in headless Chromium: no violation of
WCAG 2.1 A and AA (contrast of text included), and nothing loaded from outside the page (test_browser
checks the fixture reports the same way). axe-core comes from the axe-playwright-python package
(its axe.min.js): nothing is downloaded when the tests run, and the pages load nothing either."""

from __future__ import annotations

from pathlib import Path

import pytest

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def page(browser):
    """A page that loads only ``file://`` and ``data:`` URLs; it records every other request it refused
    (``p.external``) and every console error (``p.errors``)."""
    p = browser.new_page()
    p.external, p.errors = [], []

    def route(r):
        if r.request.url.startswith(("file://", "data:")):
            r.continue_()
        else:
            p.external.append(r.request.url)
            r.abort()

    p.route("**/*", route)
    p.on("console", lambda m: p.errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: p.errors.append(str(e)))
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


def test_every_report_the_index_and_the_technical_page_open_offline_with_no_accessibility_violation(
        page, built_default_reports):
    """Each page of the default build, opened once: it asks for nothing but itself and its data (the
    network is cut off), logs no error, every image loads and has alt text, and axe finds nothing."""
    out = built_default_reports.out
    problems = []
    for name in built_default_reports.names + ["index", "technical"]:
        page.external.clear(), page.errors.clear()
        problems += axe_violations(page, out / f"{name}.html")
        images = page.eval_on_selector_all(
            "img", "els => els.map(i => ({complete: i.complete, width: i.naturalWidth, alt: i.getAttribute('alt')}))")
        problems += [f"{name}: requested {u}" for u in page.external] + [f"{name}: console: {e}" for e in page.errors]
        problems += [f"{name}: image #{i} did not load or has no alt text" for i, img in enumerate(images)
                     if not (img["complete"] and img["width"] > 0 and (img["alt"] or "").strip())]
    assert problems == []
