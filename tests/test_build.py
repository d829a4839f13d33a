"""The build: reports.yaml in, offline HTML and PDF out; incremental, atomic, locked."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path
import re

import pytest
from conftest import FIXTURE_SET, ROOT, run_build, write_report_set

from pipeline.build import cli as build
from pipeline.render import convert as render
from pipeline.reports import reportset, staleness
from helpers.errors import BuildError, ParameterError

#: Anything that would make the browser fetch from the network.
EXTERNAL = [
    re.compile(r"<script[^>]*\ssrc=", re.I),
    re.compile(r"<link[^>]*\shref=[\"']?(https?:)?//", re.I),
    re.compile(r"<(img|iframe|video|audio|source|embed|object)[^>]*\s(src|data)=[\"']?(https?:)?//", re.I),
    re.compile(r"@import", re.I),
    re.compile(r"url\(\s*[\"']?(https?:)?//", re.I),
    re.compile(r"@font-face", re.I),
]


def _digests(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _html_without_sources(text: str) -> str:
    return re.sub(r'<section[^>]*id="sources".*?</section>', "", text, flags=re.S)


# --------------------------------------------------------------------------- the report set


@pytest.mark.parametrize("name", ["../evil", "a/b", "..", "sub/../x", ""])
def test_report_name_with_dotdot_or_slash_is_refused(tmp_path, name):
    (tmp_path / "set.yaml").write_text(f'reports:\n  - name: "{name}"\n    notebook: x.ipynb\n')
    with pytest.raises(BuildError, match="report name .* is not allowed"):
        reportset.load_report_set(tmp_path / "set.yaml")


def test_malformed_yaml_is_one_line_naming_file_and_line(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text("reports:\n  - name: a\n    notebook: [x\n")
    assert build.main(["--config", str(path), "--output-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert "broken.yaml, line 4: not valid YAML" in err


def test_unknown_key_and_duplicate_name_are_refused(tmp_path):
    p = tmp_path / "set.yaml"
    p.write_text("reports:\n  - {name: a, notebook: x.ipynb, params: {}}\n")
    with pytest.raises(BuildError, match="unknown key 'params'"):
        reportset.load_report_set(p)
    fixture = ROOT / "tests/fixtures/build/report.ipynb"
    p.write_text(f"reports:\n  - {{name: a, notebook: {fixture}}}\n  - {{name: a, notebook: {fixture}}}\n")
    with pytest.raises(BuildError, match="used twice"):
        reportset.load_report_set(p)


def test_unknown_parameter_is_one_line_naming_report_parameter_and_allowed(tmp_path, capsys):
    config = write_report_set(tmp_path, {"alpha": {"greting": "hello"}})
    assert build.main(["--config", str(config), "--output-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "'greting'" in err and "report 'alpha'" in err and "allowed: greeting, as_of, fail" in err
    assert not list((tmp_path / "out").glob("alpha.*")), "nothing may be executed or published"


def test_only_an_unknown_report_is_one_line_listing_the_reports(tmp_path, capsys):
    config = write_report_set(tmp_path, FIXTURE_SET)
    assert build.main(["--config", str(config), "--output-dir", str(tmp_path / "out"), "--only", "gamma"]) == 1
    assert capsys.readouterr().err == "error: --only gamma: no such report; reports: alpha, beta\n"


def test_latest_resolves_to_the_latest_month_or_as_of():
    report = reportset.Report("r", ROOT / "tests/fixtures/build/report.ipynb", {"as_of": "latest"})
    defaults = {"greeting": "hello", "fail": False}
    assert reportset.resolve_parameters(report, "2025-12") == {**defaults, "as_of": "2025-12"}
    assert reportset.resolve_parameters(report, "2025-12", as_of="2025-06") == {**defaults, "as_of": "2025-06"}
    with pytest.raises(ParameterError, match="allowed: greeting, as_of, fail"):
        reportset.resolve_parameters(reportset.Report("r", report.notebook, {"nope": 1}), "2025-12")


def test_default_report_set_is_valid_and_names_the_notebooks_parameters():
    reports = reportset.load_report_set()
    names = [r.name for r in reports]
    assert {"main-2025-06", "main-latest", "destinations-us", "destinations-de", "claims-check",
            "outlook"} <= set(names)
    main = next(r for r in reports if r.name == "main-2025-06")
    assert main.parameters["as_of"] == "2025-06"
    for r in reports:
        if r.notebook.is_file():  # notebooks still being written are checked by the end-to-end test
            reportset.resolve_parameters(r, "2025-12")


# --------------------------------------------------------------------------- what is built


@pytest.mark.slow
def test_build_publishes_html_pdf_notebook_log_and_index(built_fixture_reports):
    out = built_fixture_reports.out
    for name in built_fixture_reports.names:
        for ext in ("html", "pdf", "ipynb", "log"):
            assert (out / f"{name}.{ext}").stat().st_size > 0, f"{name}.{ext}"
        state = json.loads((out / ".state" / f"{name}.json").read_text())
        assert state["title"] == "Fixture report"
    assert not (out / ".staging").exists(), "staging is cleaned up"


@pytest.mark.slow
def test_html_has_no_code_and_loads_nothing_from_the_network(built_fixture_reports):
    for name in built_fixture_reports.names:
        text = (built_fixture_reports.out / f"{name}.html").read_text()
        for marker in ("jp-InputArea", "jp-InputPrompt", "jp-OutputPrompt", "In&nbsp;[", "cm-editor",
                       "highlight", 'print(f"', "display(HTML"):
            assert marker not in text, f"{name}: code or prompt leaked ({marker})"
        rest = _html_without_sources(text)
        for pattern in EXTERNAL:
            assert not pattern.search(rest), f"{name}: external resource {pattern.pattern}"
        assert not re.search(r"""\s(src|href)=["']?(https?:)?//""", rest), f"{name}: URL outside sources"
        assert "require.js" not in text and "mathjax" not in text.lower()


@pytest.mark.slow
def test_html_has_contents_captioned_figures_sources_and_footer(built_fixture_reports, monkeypatch):
    text = (built_fixture_reports.out / "alpha.html").read_text()
    assert 'class="report-toc"' in text and 'href="#numbers"' in text and 'href="#a-table"' in text
    # every link of the contents resolves to a heading of the report (ASCII slugs: PDF links resolve too)
    ids = set(re.findall(r'\sid="([^"]+)"', text))
    assert all(h in ids for h in re.findall(r'href="#([^"]+)"', text))
    imgs = re.findall(r"<img[^>]*>", text)
    assert len(imgs) == 2 and all(re.search(r'alt="[^"]+"', i) and 'src="data:image/png;base64,' in i
                                  for i in imgs)
    assert 'alt="A small blue square"' in text, "a plain PNG takes its alt text from the cell metadata"
    assert "<figcaption>Figure 1. An orange square.</figcaption>" in text
    # the fixture cites no source: no list of every source on file (the reports list only those they cite)
    assert 'id="sources"' not in text
    footer = text[text.index('<footer class="report-footer">'):]
    from helpers.data.dataset import load_dataset

    ds = load_dataset()
    assert ds.checksum in footer and "Built " in footer and "git commit" in footer
    assert f'as_of = "{ds.latest_month}"' in footer, "latest resolved to a concrete month"
    # markup in a parameter (or any data field) is text, never markup
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_sources_from_data_are_escaped_and_not_duplicated():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T\n\n## Part one\n\nText.")])
    meta = {"name": "t", "title": "T", "built": "now", "commit": "abc", "data_checksum": "0" * 64,
            "notebook": "x.ipynb", "parameters": {}}
    evil = {"source_id": "S1", "outlet": "<script>alert('x')</script>", "agency": "", "title": "t&t",
            "url": "https://example.org/?a=1&b=<2>", "published": "2025-01", "accessed": "2025-02"}
    body = render.render_html(nb, meta, [evil])
    assert "<script>alert" not in body and "&lt;script&gt;alert(" in body
    assert "t&amp;t" in body and 'href="https://example.org/?a=1&amp;b=&lt;2&gt;"' in body
    own = nbformat.v4.new_markdown_cell('<section id="sources">Own sources</section>')
    body = render.render_html(nbformat.v4.new_notebook(cells=nb.cells + [own]), meta, [evil])
    assert body.count('id="sources"') == 1 and "alert" not in body
    heading = nbformat.v4.new_markdown_cell("## Sources\n\nThe notebook lists its own.")
    body = render.render_html(nbformat.v4.new_notebook(cells=nb.cells + [heading]), meta, [evil])
    assert "alert" not in body and body.count(">Sources<") == 2  # the heading and its contents entry


def test_contents_come_after_the_introduction():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\nIntro"), nbformat.v4.new_markdown_cell("## One\n\nText."),
        nbformat.v4.new_markdown_cell("### Sub: a – b\n\nMore."), nbformat.v4.new_markdown_cell("## One")])
    meta = {"name": "t", "title": "T", "built": "now", "commit": "abc", "data_checksum": "0" * 64,
            "notebook": "x.ipynb", "parameters": {}}
    out = render.render_html(nb, meta, [])
    assert out.index("<p>Intro</p>") < out.index('class="report-toc"') < out.index('<h2 id="one">')
    # ids are ASCII slugs, unique in the page; the contents nest an h3 under its h2
    assert '<li><a href="#one">One</a>\n<ol>\n<li><a href="#sub-a-b">Sub: a – b</a></li>\n</ol></li>' in out
    assert '<a href="#one-2">One</a>' in out and '<h2 id="one-2">' in out and 'href="#one-2">¶</a>' in out


def test_the_contents_are_not_kept_together_with_the_first_section():
    """A heading cell and the cell after it are one unbreakable block; the contents must stay outside
    it, or the block with the contents moves to page 2 and leaves the first page half empty."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title\n\nIntro."), nbformat.v4.new_markdown_cell("## At a glance"),
        nbformat.v4.new_markdown_cell("The summary."), nbformat.v4.new_markdown_cell("## Then\n\nMore.")])
    meta = {"name": "t", "title": "T", "built": "now", "commit": "abc", "data_checksum": "0" * 64,
            "notebook": "x.ipynb", "parameters": {}}
    body = render.render_html(nb, meta, [])
    nav = body.index('<nav aria-label="Contents" class="report-toc"')
    block = body.index('<div class="keep-together">')
    assert nav < block and body.index("</nav>") < block


def test_the_edition_and_whats_new_go_after_the_title_and_the_main_points():
    import nbformat

    points = nbformat.v4.new_markdown_cell("- one\n- two", metadata={"tags": ["main-points"]})
    cells = [nbformat.v4.new_markdown_cell("# Title\n\nIntro."), points, nbformat.v4.new_markdown_cell("## Part")]
    meta = {"name": "t", "title": "T", "built": "now", "commit": "abc", "data_checksum": "0" * 64,
            "notebook": "x.ipynb", "parameters": {}, "edition": "June 2025 edition",
            "news": {"since": "May 2025 edition", "lines": ["a <b>", "c"], "summary": "2 changes"}}
    body = render.render_html(nbformat.v4.new_notebook(cells=cells), meta, [])
    assert '¶</a></h1><p class="report-edition">June 2025 edition</p><p>Intro.</p>' in body
    news = ('<aside class="report-news"><h2 id="what-s-new-since-the-previous-edition-may-2025-edition">'
            "What's new since the previous edition (May 2025 edition)</h2><ul><li>a &lt;b&gt;</li><li>c</li></ul></aside>")
    assert "</ul>\n</section>" + news in body
    # the contents list what's new, and go after it, before the first section
    assert body.index(news) < body.index('class="report-toc"') < body.index('<h2 id="part">')
    assert '<a href="#what-s-new-since-the-previous-edition-may-2025-edition">' in body
    # without main points, both go after the title
    body = render.render_html(nbformat.v4.new_notebook(cells=[cells[0], cells[2]]), meta, [])
    assert '¶</a></h1><p class="report-edition">June 2025 edition</p><aside class="report-news">' in body


def test_only_a_heading_cell_is_kept_with_the_cell_after_it():
    """A cell that begins with a heading but has prose after it is not a heading cell: nothing is kept
    together from it (a pattern over the HTML once spanned from such a cell to the next heading cell)."""
    import nbformat

    md = nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook(cells=[md("# T"), md("## A\n\nProse."), md("Between."), md("## B"), md("After B."),
                                         md("Last.")])
    meta = {"name": "t", "title": "T", "built": "now", "commit": "abc", "data_checksum": "0" * 64,
            "notebook": "x.ipynb", "parameters": {}}
    body = render.render_html(nb, meta, [])
    assert body.count('<div class="keep-together">') == 1
    block = body[body.index('<div class="keep-together">'):]
    block = block[:block.index("</div></div>")]
    assert '<h2 id="b">' in block and "After B." in block and "Prose." not in block and "Last." not in block


@pytest.mark.slow
def test_pdf_has_the_content_and_page_numbers(built_fixture_reports):
    from pypdf import PdfReader

    reader = PdfReader(built_fixture_reports.out / "alpha.pdf")
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Fixture report" in text and "3,188" in text
    assert re.search(r"Page 1 of \d+", text)


@pytest.mark.slow
def test_index_links_every_report_with_title_and_the_technical_page_its_parameters_and_build_time(built_fixture_reports):
    index = (built_fixture_reports.out / "index.html").read_text()
    technical = (built_fixture_reports.out / "technical.html").read_text()
    for name in built_fixture_reports.names:
        assert f'href="{name}.html"' in index and f'href="{name}.pdf"' in index
        assert f'href="{name}.log"' in technical and f'href="{name}.ipynb"' in technical
    assert "Fixture report" in index and 'href="technical.html"' in index
    assert "Built " in technical and "greeting" in technical
    assert "<script>alert" not in index and "<script>alert" not in technical


# --------------------------------------------------------------------------- incremental


@pytest.mark.slow
def test_second_build_rebuilds_nothing(published):
    out, config = published
    before = _digests(out)
    proc = run_build("--config", config, "--output-dir", out)
    assert proc.returncode == 0, proc.stderr
    assert "0 built, 2 up to date" in proc.stdout
    assert _digests(out) == before


@pytest.mark.slow
def test_force_rebuilds_and_a_changed_parameter_rebuilds_only_its_report(published, capsys):
    out, config = published
    assert build.main(["--config", str(config), "--output-dir", str(out), "--force", "--only", "beta",
                       "--no-progress"]) == 0
    assert "1 built, 0 up to date" in capsys.readouterr().out
    config = write_report_set(config.parent, dict(FIXTURE_SET, beta={"greeting": "changed"}))
    alpha = (out / "alpha.html").read_bytes()
    assert build.main(["--config", str(config), "--output-dir", str(out), "--no-progress"]) == 0
    assert "1 built, 1 up to date" in capsys.readouterr().out
    assert (out / "alpha.html").read_bytes() == alpha
    assert "changed as of 2025-06" in (out / "beta.html").read_text()


@pytest.mark.slow
def test_as_of_pins_latest_and_rebuilds_only_reports_using_it(published, capsys):
    out, config = published
    assert build.main(["--config", str(config), "--output-dir", str(out), "--as-of", "2025-03",
                       "--no-progress"]) == 0
    assert "1 built, 1 up to date" in capsys.readouterr().out
    assert json.loads((out / ".state" / "alpha.json").read_text())["parameters"]["as_of"] == "2025-03"
    assert build.main(["--config", str(config), "--output-dir", str(out), "--as-of", "2025-3"]) == 1
    assert "not a month" in capsys.readouterr().err


# --------------------------------------------------------------------------- atomic, locked


@pytest.mark.slow
def test_failing_report_leaves_the_published_one_untouched(published, capsys):
    out, config = published
    before = _digests(out)
    failing = write_report_set(config.parent, dict(FIXTURE_SET, alpha={"fail": True}), name="fail.yaml")
    code = build.main(["--config", str(failing), "--output-dir", str(out), "--only", "alpha", "--no-progress"])
    assert code != 0
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert re.match(r"error: report 'alpha' failed in cell In \[\d+\] \(cell #\d+\): "
                    r"ValueError: boom in the fixture", errors[0]), errors[0]
    after = _digests(out)
    after.pop("index.html"), before.pop("index.html")
    assert after == before, "the published report must stay byte-identical"
    assert (out / ".state" / "alpha.failed.log").is_file()
    assert not (out / ".staging").exists()


@pytest.mark.slow
def test_two_builds_at_once_do_not_corrupt_the_output(tmp_path):
    config = write_report_set(tmp_path, {"solo": {"greeting": "concurrent"}})
    out = tmp_path / "out"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:  # two processes of their own, started together
        procs = list(pool.map(lambda _: run_build("--config", config, "--output-dir", out, timeout=300), range(2)))
    results = [(p.stdout, p.stderr, p.returncode) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    summaries = sorted(r[0].strip().splitlines()[-1].split(": ", 1)[1].split(" in ")[0] for r in results)
    assert summaries == ["0 built, 1 up to date, 0 failed", "1 built, 0 up to date, 0 failed"], results
    assert any("waiting for another build" in r[1] for r in results)
    state = json.loads((out / ".state" / "solo.json").read_text())
    assert state["hash"] == staleness.input_hash(reportset.load_report_set(config)[0], staleness.shared_inputs_hash())
    assert "concurrent as of 2025-06" in (out / "solo.html").read_text()
    assert (out / "solo.pdf").read_bytes().startswith(b"%PDF")
    assert not (out / ".staging").exists()


# --------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_default_report_set_end_to_end(built_default_reports):
    from pypdf import PdfReader

    out = built_default_reports.out
    index = (out / "index.html").read_text()
    for name in built_default_reports.names:
        assert (out / f"{name}.html").stat().st_size > 0 and (out / f"{name}.pdf").stat().st_size > 0
        assert f'href="{name}.html"' in index and f'href="{name}.pdf"' in index
        text = (out / f"{name}.html").read_text()
        assert "jp-InputArea" not in text and not re.search(r"<script[^>]*\ssrc=", text)
    pdf = "\n".join(p.extract_text() for p in PdfReader(out / "main-2025-06.pdf").pages)
    assert "3,188" in pdf and "353" in pdf


def test_sources_section_lists_the_sources_the_report_cites():
    import nbformat

    from pipeline.render.convert import cited_sources

    sources = [{"source_id": i} for i in ("S1", "S2", "S29")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("As reported by S2 (and not S2x).")])
    assert [s["source_id"] for s in cited_sources(nb, sources)] == ["S2"]
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<td>reported (S29)</td>"})]
    nb.cells.append(cell)
    assert [s["source_id"] for s in cited_sources(nb, sources)] == ["S2", "S29"]
    # a report that cites none lists them all rather than none
    assert cited_sources(nbformat.v4.new_notebook(), sources) == sources
    # ids are whole runs of word characters and '-': not inside a longer id, nor next to a '-'
    others = [{"source_id": i} for i in ("R-1", "R", "1", "a.b", "ü2")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("See R-1 and a.b, not R-12, X-1 or xü2.")])
    assert [s["source_id"] for s in cited_sources(nb, others)] == ["R-1", "a.b"]


def test_staleness_depends_on_the_library_data_templates_rendering_code_and_locks_not_on_the_build_command():
    """Issue 34: staleness from content, with no hand-bumped version: the code a report is executed and
    rendered with (found by reading pipeline/build/worker.py's imports) and the locked versions are inputs."""
    import sys

    import helpers.analysis.series
    import pipeline.build.cli
    import pipeline.render.convert

    files = {p.resolve() for _, p in staleness.shared_inputs()}
    assert Path(helpers.analysis.series.__file__).resolve() in files       # the library the notebooks import
    assert (render.TEMPLATES / "magnet" / "index.html.j2").resolve() in files
    assert (ROOT / "data" / "raw" / "2025-brief" / "SHA256SUMS").resolve() in files   # each batch's checksums
    assert not any(p.suffix == ".md" for p in files)                 # data documentation is not an input
    pipeline_dir = Path(pipeline.build.cli.__file__).resolve().parents[1]
    for module in ("build/worker", "render/convert", "render/preprocessors", "render/bulletin", "render/inline", "build/execute",
                   "reports/editions"):   # what executes and renders a report (imported in a function too)
        assert pipeline_dir / f"{module}.py" in files, module
    lock = ROOT / "requirements" / f"lock-py{sys.version_info.major}{sys.version_info.minor}.txt"
    assert lock.resolve() in files                                   # the locked versions
    # editing the command that builds (magnet-build's entry point) or the importer rebuilds nothing
    assert Path(pipeline.build.cli.__file__).resolve() not in files
    assert not [p for p in files if pipeline_dir / "intake" in p.parents]
    assert not hasattr(staleness, "STATE_VERSION")


def test_a_killed_imports_staging_folder_is_not_an_input(tmp_path):
    """Reads ignore data/.import-* (what a killed import left until the next import sweeps it): so does staleness."""
    (tmp_path / "raw" / "b").mkdir(parents=True)
    (tmp_path / "raw" / "b" / "figures.csv").write_text("x\n")
    (tmp_path / ".import-abc" / "b").mkdir(parents=True)
    (tmp_path / ".import-abc" / "b" / "figures.csv").write_text("y\n")
    assert [p.relative_to(tmp_path).as_posix() for _, p in staleness._files(tmp_path, (".md",))] == ["raw/b/figures.csv"]


@pytest.mark.slow
def test_a_comment_in_the_build_command_rebuilds_nothing(published, project_copy):
    """Append a comment to the module defining magnet-build's entry point (in a copy of the project),
    build again with that copy: nothing is stale."""
    import importlib.metadata

    entry = next(e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "magnet-build")
    module = project_copy.joinpath(*entry.module.split(".")).with_suffix(".py")
    out, config = published
    module.write_bytes(module.read_bytes() + b"\n# an edit to the build command\n")
    proc = run_build("--config", config, "--output-dir", out, cwd=project_copy,
                     env={"PYTHONPATH": str(project_copy), "MAGNET_PROJECT_ROOT": str(project_copy)})
    assert proc.returncode == 0, proc.stderr
    assert "0 built, 2 up to date" in proc.stdout


@pytest.mark.slow
def test_a_number_typed_into_the_prose_fails_the_report_and_keeps_the_published_one(published, tmp_path):
    import nbformat

    out, config = published
    before = (out / "beta.html").read_bytes()
    nb = nbformat.read(str(ROOT / "tests/fixtures/build/report.ipynb"), as_version=4)
    nb.cells[-1].source = "### A table\n\n| month | tonnes |\n|---|---|\n| 2025-06 | 3,188 |"
    typed = tmp_path / "typed.ipynb"
    nbformat.write(nb, str(typed))
    text = config.read_text(encoding="utf-8").replace(str(ROOT / "tests/fixtures/build/report.ipynb"), str(typed))
    config.write_text(text, encoding="utf-8")
    proc = run_build("--config", config, "--output-dir", out, "--only", "beta")
    assert proc.returncode == 1
    assert "report 'beta': the prose types 1 number(s) that come from no fact, first '3,188'" in proc.stderr
    assert (out / "beta.html").read_bytes() == before


@pytest.mark.slow
def test_inline_facts_are_filled_from_the_kernel(published):
    import nbformat

    out, _ = published
    html = (out / "beta.html").read_text(encoding="utf-8")
    assert "3,188" in html and "{eval}" not in html and "magnet-inline" not in html
    executed = nbformat.read(str(out / "beta.ipynb"), as_version=4)
    table = executed.cells[-1]
    assert table.metadata["user_expressions"][0]["expression"] == "june_tonnes"   # jupyterlab-myst's format
    # the kernel's own answer, as IPython gives jupyterlab-myst (a str's repr, which it shows unquoted)
    assert table.metadata["user_expressions"][0]["result"]["data"]["text/plain"] == "'3,188'"
    assert "'3,188'" not in html
    assert "No anchor" not in (out / "beta.log").read_text(encoding="utf-8")


def test_a_pdf_does_not_depend_on_the_reports_printed_before_it(tmp_path):
    """Reports share WeasyPrint's font configuration within a worker: the PDFs stay byte-identical."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from pipeline.render.convert import render_pdf

    first = "<html><body><h1>First</h1><p>Mono <code>x = 1</code> and <b>bold</b> text.</p></body></html>"
    second = "<html><body><h1>Second — ünïcode</h1><p><i>Italic</i> text, 3,188 t.</p></body></html>"
    render_pdf(first, tmp_path / "first.pdf")
    render_pdf(second, tmp_path / "second.pdf")
    alone = HTML(string=second, base_url=str(tmp_path) + "/",
                 url_fetcher=URLFetcher(allowed_protocols={"data", "file"})).write_pdf()
    assert (tmp_path / "second.pdf").read_bytes() == alone


# --------------------------------------------------------------------------- the suite's own command server


@pytest.mark.slow
def test_the_command_server_imported_the_libraries_and_no_project_module(tmp_path):
    """conftest.run_command forks commands from a server that imported pandas, nbconvert and WeasyPrint once
    (a server that failed to is silent, and every command then pays for them) and none of the project's
    modules (a command on a copy of the project must import the copy's)."""
    from conftest import run_command

    (tmp_path / "probe.py").write_text(
        "import sys\nprint(sorted(m for m in ('pandas', 'nbconvert', 'weasyprint', 'helpers', 'pipeline')"
        " if m in sys.modules))\n", encoding="utf-8")
    proc = run_command("probe", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['nbconvert', 'pandas', 'weasyprint']"


def test_a_no_op_build_imports_neither_pandas_nor_nbconvert(built_default_reports, tmp_path):
    """`make bench`'s no-op target (under 0.2 s) rests on this: deciding that nothing changed reads the
    inputs' bytes and the report set, and imports none of the data, notebook or rendering libraries."""
    import shutil
    import subprocess
    import sys

    from conftest import EPOCH

    out = tmp_path / "out"
    shutil.copytree(built_default_reports.out, out, symlinks=True)
    code = ("import runpy, sys\nsys.argv = ['magnet-build', '--no-progress', '--output-dir', sys.argv[1]]\n"
            "try:\n    runpy.run_module('pipeline.build.cli', run_name='__main__')\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code\n"
            "print(sorted(m for m in ('pandas', 'nbconvert', 'nbformat', 'weasyprint', 'matplotlib') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=dict(__import__("os").environ, SOURCE_DATE_EPOCH=EPOCH))
    assert proc.returncode == 0, proc.stderr
    assert " 0 built," in proc.stdout, proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout
