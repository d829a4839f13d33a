"""The built reports in headless Chromium with the network cut off: they must need nothing else
(the default build's pages: test_accessibility, which opens each once for both checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def check_offline(browser, page_path: Path, screenshot: Path) -> None:
    """Open ``page_path`` via file://; fail on any other request, console error or broken image; save a
    picture of the whole page at ``screenshot``."""
    external, errors = [], []
    page = browser.new_page()

    def route(r):
        url = r.request.url
        if url.startswith(("file://", "data:")):
            r.continue_()
        else:
            external.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    images = page.eval_on_selector_all(
        "img", "els => els.map(i => ({complete: i.complete, width: i.naturalWidth, alt: i.getAttribute('alt')}))")
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    assert external == [], f"{page_path.name} requested {external}"
    assert errors == [], f"{page_path.name} logged console errors {errors}"
    for i, img in enumerate(images):
        assert img["complete"] and img["width"] > 0, f"{page_path.name}: image #{i} did not load"
        assert (img["alt"] or "").strip(), f"{page_path.name}: image #{i} has no alt text"


def test_fixture_reports_open_offline(browser, built_fixture_reports, tmp_path):
    out = built_fixture_reports.out
    for name in built_fixture_reports.names + ["index"]:
        check_offline(browser, out / f"{name}.html", tmp_path / f"{name}.png")
    assert (tmp_path / "alpha.png").stat().st_size > 0
