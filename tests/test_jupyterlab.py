"""The notebook is the report where researchers open it: a real JupyterLab in headless Chromium.

JupyterLab (with jupyterlab-myst, from the locked environment) serves a copy of notebook 01 with
its outputs and its Markdown's stored values cleared (jupyterlab-myst shows the values a notebook
was saved with as soon as it opens, so only a kernel run can show them here); the test runs all its
cells as a researcher would and reads the rendered Markdown: the ``{eval}`` roles show the
kernel's values ("3,188 t"), not their source, a chapter the parameters do not show says so where
it stands, and every code cell ran without an error.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import require_chromium
from helpers import paths

NOTEBOOK = "01_controls_to_agreement.ipynb"
#: What JupyterLab shows of an exception's traceback or of a warning: an output of text on stderr.
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``(url, token)`` of a JupyterLab serving a copy of the notebooks (the tracked ones stay untouched)."""
    require_chromium()
    root = tmp_path_factory.mktemp("lab")
    nb = json.loads((paths.NOTEBOOKS / NOTEBOOK).read_text(encoding="utf-8"))
    for cell in nb["cells"]:  # as if never run: what the test reads can only come from this run
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cell["metadata"].pop("user_expressions", None)
    (root / NOTEBOOK).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    # every cell rendered (JupyterLab renders only the cells in view by default), no autosave
    settings = root / ".settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}', encoding="utf-8")
    docmanager = root / ".settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text('{"autosave": false}', encoding="utf-8")
    apputils = root / ".settings" / "@jupyterlab" / "apputils-extension"   # no "Jupyter news?" toast
    apputils.mkdir(parents=True)
    (apputils / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}', encoding="utf-8")
    # nothing a researcher reads here depends on the extension manager (it would ask PyPI) or on the check
    # whether JupyterLab needs a rebuild (node processes): both off
    labconfig = root / ".jupyter" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text('{"buildCheck": false, "buildAvailable": false}', encoding="utf-8")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".jupyter"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
               JUPYTERLAB_SETTINGS_DIR=str(root / ".settings"), JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"))
    cmd = [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", f"--port={port}",
           "--ip=127.0.0.1", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
           "--expose-app-in-browser", "--ServerApp.disable_check_xsrf=True", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly"]
    if os.getuid() == 0:
        cmd.append("--allow-root")
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start: " + (root / "lab.log").read_text()[-2000:])
        assert proc.poll() is None, (root / "lab.log").read_text()[-2000:]
        yield url, token, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_jupyterlab_runs_the_notebook_and_shows_the_story_with_its_numbers(lab, browser):
    url, token, root = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        # wait for the kernel, then Run All, as the Run menu does. Every wait polls ten times a second: by
        # default playwright evaluates its condition on every animation frame
        page.wait_for_function("() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                               " return w && w.sessionContext && w.sessionContext.session"
                               " && w.sessionContext.session.kernel"
                               " && w.sessionContext.session.kernel.status === 'idle'; }", timeout=120_000, polling=100)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # every code cell has run (its prompt numbered), or one stopped Run All with an error; the kernel idle
        # (an error or a warning is text on stderr)
        page.wait_for_function(
            "() => { const nb = document.querySelector('.jp-Notebook');"
            " const prompts = [...nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim());"
            " const ran = prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p));"
            f" return (ran || nb.querySelector('{STDERR}'))"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'; }",
            timeout=180_000, polling=100)
        errors = page.eval_on_selector_all(STDERR, "els => els.map(e => e.innerText.slice(0, 500))")
        assert errors == [], errors
        # the Markdown cells render their expressions after the kernel answers, one by one and in no set
        # order: read them until they show what the assertions below look for (a minute at most)
        deadline = time.monotonic() + 60
        while True:
            markdown = page.eval_on_selector_all(".jp-MarkdownCell .jp-RenderedMarkdown, .jp-MarkdownCell .myst",
                                                 "els => els.map(e => e.innerText)")
            text = "\n".join(markdown)
            if ("Not in this report: shown from July 2025" in text and "{eval}" not in text) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for i, where in enumerate(["The question", "Not in this report"]):  # for a person to look at
            page.locator(".jp-MarkdownCell", has_text=where).first.scroll_into_view_if_needed(timeout=10_000)
            page.screenshot(path=str(root / f"jupyterlab-{i}.png"))
    finally:
        page.close()
    assert "3,188 t" in text, text[:2000]
    assert "{eval}" not in text, "a role is shown as its source, not its value"
    # the defaults end in June 2025: July's chapter is in the notebook, marked as not in this report
    assert "Not in this report: shown from July 2025" in text
