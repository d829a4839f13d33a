"""Build and publish the reports: ``reports.yaml`` in, offline HTML and PDF out.

``magnet-build`` (``make reports``) reads a report set (``reports.yaml``: a notebook,
its parameters and an output name per report), executes each notebook with
papermill, renders it with the ``magnet`` nbconvert template (no code, a table of
contents, captioned figures with alt text, sources, a footer saying when, from
what data, with what parameters and at which commit it was built) and prints the
HTML to PDF with WeasyPrint. Everything runs through the Python APIs in one
process and its forked workers.

For each report ``NAME`` the output folder (``reports/``) gets ``NAME.html``,
``NAME.pdf``, the executed ``NAME.ipynb`` and ``NAME.log``; ``index.html`` links
them all. Reports are built in ``reports/.staging/`` and replace the published
files only when every format succeeded; a failed report leaves the published one
untouched. ``reports/.build.lock`` serialises concurrent builds. A report whose
inputs (notebook, data, ``helpers/`` including the template, parameters) did not
change since its last build is not rebuilt: ``reports/.state/NAME.json`` holds
the hash of its inputs. That check runs before anything heavy is imported, so a
no-op build takes a fraction of a second.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import html
import json
import logging
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .errors import BuildError, MagnetError, ParameterError

#: The nbconvert template (``helpers/templates/magnet``).
TEMPLATE = "magnet"
#: Files published per report, in publishing order (HTML last: it is what people open).
PUBLISHED = ("ipynb", "log", "pdf", "html")
#: Bumped when the build itself changes what it writes for the same inputs.
STATE_VERSION = 1
#: The parameter value meaning "the latest month with data".
LATEST = "latest"

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ENTRY_KEYS = ("name", "notebook", "parameters")
#: Cells that never appear in a report.
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell", "hide-cell"}
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EXTERNAL_RE = re.compile(r"""<script[^>]*\ssrc=|<link[^>]*\shref=["']?(https?:)?//|<img[^>]*\ssrc=["']?(https?:)?//"""
                         r"""|@import\s+url\(\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//""", re.I)


@dataclass(frozen=True)
class Report:
    """One entry of the report set: a notebook, its parameters and an output name."""

    name: str
    notebook: Path
    parameters: dict


# --------------------------------------------------------------------------- the report set


def check_name(name, where: str) -> str:
    """An output name: letters, digits, ``_ . -``; never ``..`` or a path separator."""
    if not isinstance(name, str) or not name or ".." in name or "/" in name or "\\" in name \
            or not NAME_RE.match(name):
        raise BuildError(f"{where}: report name {name!r} is not allowed: letters, digits, '_', '.', '-' "
                         "(no '/', no '..'); it names the output files")
    return name


def _plain(value):
    """YAML values as JSON-able Python (dates become ISO text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def load_report_set(path: Path | None = None) -> list[Report]:
    """Read and check a report set (``reports.yaml``); notebook paths are relative to its folder."""
    import yaml

    path = Path(path or paths.REPORT_SET)
    where = paths.relative(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildError(f"{where}: cannot read the report set ({exc.strerror})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BuildError(f"{where}{line}: not valid YAML ({problem})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("reports"), list) or not doc["reports"]:
        raise BuildError(f"{where}: expected a mapping with a non-empty list 'reports:' "
                         "(each item: name, notebook, parameters)")
    reports, seen = [], set()
    for i, entry in enumerate(doc["reports"], start=1):
        at = f"{where}, report #{i}"
        if not isinstance(entry, dict):
            raise BuildError(f"{at}: expected a mapping with keys {', '.join(ENTRY_KEYS)}")
        unknown = [k for k in entry if k not in ENTRY_KEYS]
        if unknown:
            raise BuildError(f"{at}: unknown key '{unknown[0]}'; allowed: {', '.join(ENTRY_KEYS)}")
        name = check_name(entry.get("name"), at)
        at = f"{where}, report '{name}'"
        if name in seen:
            raise BuildError(f"{at}: the name is used twice (output names must be unique)")
        seen.add(name)
        nb = entry.get("notebook")
        if not isinstance(nb, str) or not nb.endswith(".ipynb"):
            raise BuildError(f"{at}: 'notebook' must be the path of a .ipynb file, got {nb!r}")
        nb_path = (path.parent / nb).resolve()
        if not nb_path.is_file():
            raise BuildError(f"{at}: notebook {nb} does not exist")
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            raise BuildError(f"{at}: 'parameters' must be a mapping of name: value")
        reports.append(Report(name=name, notebook=nb_path, parameters=_plain(params)))
    return reports


# --------------------------------------------------------------------------- what changed


def _hash_tree(h, root: Path, skip_suffixes: tuple[str, ...] = (".pyc",)) -> None:
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in skip_suffixes:
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")


def shared_inputs_hash() -> str:
    """Hash of what every report depends on: ``data/`` (without its ``*.md``) and ``helpers/`` (with the template)."""
    h = hashlib.sha256(f"magnet-build state {STATE_VERSION}\0".encode())
    _hash_tree(h, paths.DATA, (".md",))  # every data file and the checksum manifest; not the documentation
    _hash_tree(h, Path(__file__).resolve().parent)
    return h.hexdigest()


def input_hash(report: Report, shared: str, as_of: str | None = None) -> str:
    """Hash of everything a report's output depends on."""
    h = hashlib.sha256(shared.encode())
    notebook = report.notebook.read_bytes()
    h.update(notebook)
    # --as-of only matters to reports using `latest` (given here, or as the notebook's default)
    uses_latest = LATEST in report.parameters.values() or LATEST.encode() in notebook
    h.update(json.dumps({"parameters": report.parameters, "as_of": as_of if uses_latest else None},
                        sort_keys=True).encode())
    return h.hexdigest()


def read_state(out_dir: Path, name: str) -> dict | None:
    """The state of a published report (``.state/NAME.json``), or None."""
    try:
        return json.loads((out_dir / ".state" / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_up_to_date(report: Report, out_dir: Path, digest: str) -> bool:
    """True when the published report was built from exactly these inputs and is complete."""
    state = read_state(out_dir, report.name)
    return bool(state and state.get("hash") == digest
                and all((out_dir / f"{report.name}.{ext}").is_file() for ext in ("html", "pdf")))


# --------------------------------------------------------------------------- parameters


def _default_is_latest(default) -> bool:
    return isinstance(default, str) and default.strip() in (f'"{LATEST}"', f"'{LATEST}'")


def resolve_parameters(report: Report, latest_month: str, as_of: str | None = None) -> dict:
    """Check the report's parameters against its notebook's and resolve ``latest``.

    Runs before anything is executed: an unknown name is a ParameterError naming
    the report, the parameter and the allowed ones. ``latest`` (given, or the
    notebook's default) becomes ``as_of`` when given, else the latest month.
    """
    import papermill as pm

    declared = pm.inspect_notebook(str(report.notebook))
    rel = paths.relative(report.notebook)
    for key, value in report.parameters.items():
        if key not in declared:
            allowed = ", ".join(declared) or "none (the notebook has no cell tagged 'parameters')"
            raise ParameterError(key, value, f"report '{report.name}': not a parameter of {rel}; "
                                 f"allowed: {allowed}")
    month = as_of or latest_month
    params = {k: (month if v == LATEST else v) for k, v in report.parameters.items()}
    for key, info in declared.items():
        if key not in params and _default_is_latest(info.get("default")):
            params[key] = month
    return params


# --------------------------------------------------------------------------- one report (worker)

_EXPORTER = None


def _exporter():
    """The HTML exporter with the ``magnet`` template, made once per process."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        # no code is shown, so no syntax-highlighting stylesheet either
        config = Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}})
        ex = HTMLExporter(config=config, template_name=TEMPLATE, extra_template_basedirs=[str(paths.TEMPLATES)])
        ex.exclude_input = True
        ex.exclude_input_prompt = True
        ex.exclude_output_prompt = True
        ex.embed_images = True
        ex.require_js_url = ""
        ex.mathjax_url = ""
        ex.mermaid_js_url = ""
        _EXPORTER = ex
    return _EXPORTER


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(ANSI_RE.sub("", str(text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notebook_title(nb, default: str) -> str:
    """The text of the first markdown cell's ``# Title`` line."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.match(r"^\s*#\s+(.+)$", cell.source, re.M)
            return m.group(1).strip() if m else default
    return default


def _has_sources_section(nb) -> bool:
    """True when the notebook has its own sources: an element ``id="sources"`` or a "Sources" heading."""
    pattern = re.compile(r"""id\s*=\s*["']sources["']""", re.I)
    heading = re.compile(r"^\s{0,3}#{1,3}\s+Sources\s*#*\s*$", re.I | re.M)
    for cell in nb.cells:
        if pattern.search(cell.source) or (cell.cell_type == "markdown" and heading.search(cell.source)):
            return True
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if any(pattern.search(str(data.get(m, ""))) for m in ("text/html", "text/markdown")):
                return True
    return False


def cited_sources(nb, sources: list[dict]) -> list[dict]:
    """The sources whose ids the report's text or outputs mention (all of them when none is found)."""
    text = "\n".join([c.source for c in nb.cells] + [
        str(o.get("data", {}).get(m, "")) + str(o.get("text", ""))
        for c in nb.cells for o in c.get("outputs", []) for m in ("text/html", "text/markdown", "text/plain")])
    cited = [s for s in sources if re.search(rf"(?<![\w-]){re.escape(s['source_id'])}(?![\w-])", text)]
    return cited or sources


def _prepare(nb):
    """Drop what a reader must not see: parameter cells, tagged cells, stderr, empty code cells."""
    cells = []
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def table_of_contents(body: str) -> str:
    """A ``<nav>`` listing the h2/h3 headings (with ids) of the rendered report."""
    items = []
    for level, anchor, inner in re.findall(r'<h([23])[^>]*\sid="([^"]+)"[^>]*>(.*?)</h\1>', body, re.S):
        text = re.sub(r"<[^>]+>", "", inner).replace("¶", "").strip()
        if text:
            items.append((int(level), anchor, text))
    if not items:
        return ""
    out, open_sub = ['<nav class="report-toc" aria-label="Contents"><h2>Contents</h2><ol>'], False
    for i, (level, anchor, text) in enumerate(items):
        if level == 3 and not open_sub and i > 0:
            out[-1] = out[-1].removesuffix("</li>")
            out.append("<ol>")
            open_sub = True
        elif level == 2 and open_sub:
            out.append("</ol></li>")
            open_sub = False
        out.append(f'<li><a href="#{anchor}">{text}</a></li>')
    if open_sub:
        out.append("</ol></li>")
    out.append("</ol></nav>")
    return "\n".join(out)


def insert_toc(body: str) -> str:
    """Put the table of contents after the introduction: before the cell of the first section heading."""
    toc = table_of_contents(body)
    body = body.replace("<!--magnet-toc-->", "", 1)
    first = re.search(r"<h2[^>]*\sid=", body)
    cell = body.rfind("<div", 0, first.start()) if first else -1
    if cell < 0:
        start = body.find("<main>")
        return body[: start + len("<main>")] + "\n" + toc + body[start + len("<main>"):] if start >= 0 else body
    return body[:cell] + toc + "\n" + body[cell:]


def render_html(nb, meta: dict, sources: list[dict]) -> str:
    """The report's HTML: the template, its table of contents, checked to fetch nothing."""
    title = meta["title"]
    nb = _prepare(nb)
    nb.metadata["title"] = title
    magnet = dict(meta, sources=[] if _has_sources_section(nb) else cited_sources(nb, sources))
    body, _ = _exporter().from_notebook_node(nb, resources={"magnet": magnet})
    body = insert_toc(body)
    bad = EXTERNAL_RE.search(body)
    if bad:
        raise BuildError(f"report '{meta['name']}': the HTML would load an external resource "
                         f"({_one_line(body[bad.start():bad.start() + 80])})")
    return body


def render_pdf(body: str, target: Path) -> None:
    """Print the HTML to PDF with WeasyPrint, fetching nothing beyond data: and file: URLs."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data", "file"})
    HTML(string=body, base_url=str(target.parent) + "/", url_fetcher=fetcher).write_pdf(str(target))


@contextlib.contextmanager
def _stderr_to(path: Path):
    """Send file descriptor 2 (inherited by the kernel) to ``path`` for the duration."""
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.dup2(fd, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)


class _UnknownParameterWatch(logging.Handler):
    """Collects papermill's "Passed unknown parameter" warnings."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.names: list[str] = []

    def emit(self, record):
        m = re.match(r"Passed unknown parameter:\s*(.+)", record.getMessage())
        if m:
            self.names.append(m.group(1).strip())


def build_one(job: dict) -> dict:
    """Execute, render and print one report into the staging folder; never raises."""
    t0 = time.perf_counter()
    name, staging = job["name"], Path(job["staging"])
    handler = logging.FileHandler(staging / f"{name}.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(n) for n in ("papermill", "weasyprint", "magnet.build")]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    log = loggers[-1]
    unknown = _UnknownParameterWatch()
    loggers[0].addHandler(unknown)
    result = {"name": name, "ok": False}
    try:
        import papermill as pm

        log.info("report %s: %s with %s", name, job["notebook"], json.dumps(job["parameters"]))
        try:
            with _stderr_to(staging / f"{name}.log"):  # the kernel's own warnings go to the log too
                nb = pm.execute_notebook(job["notebook"], str(staging / f"{name}.ipynb"),
                                         parameters=job["parameters"], kernel_name=job.get("kernel", "python3"),
                                         cwd=job["cwd"],
                                         progress_bar=False, log_output=True,
                                         request_save_on_cell_execute=False)
        except pm.PapermillExecutionError as exc:
            result["error"] = (f"report '{name}' failed in cell In [{exc.exec_count}] "
                               f"(cell #{exc.cell_index}): {exc.ename}: {_one_line(exc.evalue)}")
            return result
        if unknown.names:  # checked before the run; papermill's own warning must never pass silently
            result["error"] = (f"report '{name}': papermill passed unknown parameter(s) "
                               f"{', '.join(unknown.names)} to {paths.relative(Path(job['notebook']))}")
            return result
        t1 = time.perf_counter()
        if job.get("kernel", "python3") != "python3":  # the executed notebook names the usual kernel
            import nbformat

            source = json.loads(Path(job["notebook"]).read_text(encoding="utf-8"))
            nb.metadata["kernelspec"] = source.get("metadata", {}).get("kernelspec") or {
                "name": "python3", "display_name": "Python 3", "language": "python"}
            nb.metadata.get("papermill", {})["kernel_name"] = nb.metadata["kernelspec"]["name"]
            nbformat.write(nb, str(staging / f"{name}.ipynb"))
        title = notebook_title(nb, name)
        meta = dict(job["meta"], name=name, title=title)
        body = render_html(nb, meta, job["sources"])
        (staging / f"{name}.html").write_text(body, encoding="utf-8")
        t2 = time.perf_counter()
        render_pdf(body, staging / f"{name}.pdf")
        t3 = time.perf_counter()
        log.info("executed %.1f s, html %.1f s, pdf %.1f s", t1 - t0, t2 - t1, t3 - t2)
        result.update(ok=True, title=title, seconds=round(t3 - t0, 2))
    except Exception as exc:  # one line per failed report, whatever went wrong
        log.exception("report %s failed", name)
        result["error"] = f"report '{name}' failed: {type(exc).__name__}: {_one_line(exc)}"
    finally:
        loggers[0].removeHandler(unknown)
        for lg in loggers:
            lg.removeHandler(handler)
        handler.close()
    return result


# --------------------------------------------------------------------------- publishing


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def publish(name: str, staging: Path, out_dir: Path, state: dict) -> None:
    """Move a complete report from staging over the published one, then record its state."""
    for ext in PUBLISHED:
        os.replace(staging / f"{name}.{ext}", out_dir / f"{name}.{ext}")
    (out_dir / ".state").mkdir(exist_ok=True)
    _write_atomic(out_dir / ".state" / f"{name}.json", json.dumps(state, indent=1, sort_keys=True))
    (out_dir / ".state" / f"{name}.failed.log").unlink(missing_ok=True)


def index_html(reports: list[Report], out_dir: Path) -> str:
    """The index page: every published report with its title, parameters and build time."""
    rows = []
    for r in reports:
        state = read_state(out_dir, r.name)
        if not state or not (out_dir / f"{r.name}.html").is_file():
            continue
        e = html.escape
        params = ", ".join(f"<code>{e(k)} = {e(json.dumps(v, ensure_ascii=False))}</code>"
                           for k, v in state.get("parameters", {}).items()) or "none"
        rows.append(f'<li><h2><a href="{e(r.name)}.html">{e(state.get("title", r.name))}</a></h2>'
                    f'<p><a href="{e(r.name)}.pdf">PDF</a> · <a href="{e(r.name)}.ipynb">executed notebook</a>'
                    f' · <a href="{e(r.name)}.log">build log</a></p>'
                    f'<p class="meta">Parameters: {params}<br>Built {e(state.get("built", "?"))} from '
                    f'<code>{e(state.get("notebook", ""))}</code> at commit <code>{e(state.get("commit", "?"))}</code>'
                    f', data checksum <code>{e(str(state.get("data_checksum", "?"))[:12])}</code></p></li>')
    css = ("body{font-family:'DejaVu Sans','Segoe UI',Helvetica,Arial,sans-serif;color:#1d1d1f;max-width:52rem;"
           "margin:0 auto;padding:1.5rem;line-height:1.5}h1{font-size:1.8rem}ol{padding-left:1.2rem}"
           "li{margin-bottom:1.2rem}li h2{font-size:1.15rem;margin:0}li p{margin:.2rem 0}a{color:#0072b2}"
           ".meta{color:#5f6368;font-size:.88rem}code{font-size:.9em}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>China's rare-earth magnet exports: reports</title><style>{css}</style></head><body><main>"
            "<h1>China's rare-earth magnet exports: reports</h1>"
            f"<p>{len(rows)} report(s), each as HTML and PDF; built by <code>make reports</code>.</p>"
            f"<ol>{''.join(rows)}</ol></main></body></html>\n")


def write_index(reports: list[Report], out_dir: Path) -> Path:
    """Write ``index.html`` (atomically, and only when it changed)."""
    target = out_dir / "index.html"
    text = index_html(reports, out_dir)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        _write_atomic(target, text)
    return target


def git_commit() -> str:
    """The short commit of the project, ``+dirty`` when tracked files changed; ``unknown`` outside git."""
    import subprocess

    try:
        rev = subprocess.run(["git", "-C", str(paths.ROOT), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        if rev.returncode:
            return "unknown"
        dirty = subprocess.run(["git", "-C", str(paths.ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# --------------------------------------------------------------------------- the build


@dataclass
class BuildResult:
    """What a build did: names built, up to date and failed (with one-line errors)."""

    built: list
    up_to_date: list
    failed: list  # one-line messages
    seconds: float
    index: Path


def _lock(out_dir: Path, timeout: float):
    from filelock import FileLock, Timeout

    lock = FileLock(str(out_dir / ".build.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"waiting for another build to finish ({paths.relative(out_dir / '.build.lock')})...",
              file=sys.stderr)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise BuildError(f"another build still holds {paths.relative(out_dir / '.build.lock')} after "
                             f"{timeout:.0f} s; try again when it has finished") from None
    return lock


def build(reports: list[Report], out_dir: Path | None = None, *, force: bool = False,
          jobs: int | None = None, as_of: str | None = None, index_reports: list[Report] | None = None,
          lock_timeout: float = 3600, progress: bool | None = None, warm: bool = True) -> BuildResult:
    """Build the reports that changed (all with ``force``) and publish those that succeed."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir or paths.REPORTS).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if as_of is not None and not MONTH_RE.match(as_of):
        raise BuildError(f"--as-of {as_of!r} is not a month YYYY-MM")
    lock = _lock(out_dir, lock_timeout)
    try:
        shared = shared_inputs_hash()
        digests = {r.name: input_hash(r, shared, as_of) for r in reports}
        todo = [r for r in reports if force or not is_up_to_date(r, out_dir, digests[r.name])]
        done = [r.name for r in reports if r not in todo]
        built, failed = [], []
        if todo:
            built, failed = _run(todo, out_dir, digests, jobs, as_of, progress, warm)
        index = write_index(index_reports or reports, out_dir)
    finally:
        lock.release()
    return BuildResult(built=built, up_to_date=done, failed=failed,
                       seconds=time.perf_counter() - t0, index=index)


def _run(todo: list[Report], out_dir: Path, digests: dict, jobs: int | None, as_of: str | None,
         progress: bool | None, warm: bool = True) -> tuple[list, list]:
    staging = out_dir / ".staging" / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}"
    staging.mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        stack.callback(_remove_staging, staging)
        # The kernel zygote starts first: it imports while this process does.
        kernel_name = stack.enter_context(warm_kernels(staging / "zygote")) if warm else (lambda: "python3")
        return _run_staged(todo, out_dir, staging, digests, jobs, as_of, progress, kernel_name)


def _remove_staging(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.parent.rmdir()
    except OSError:
        pass


def _run_staged(todo, out_dir, staging, digests, jobs, as_of, progress, kernel_name) -> tuple[list, list]:
    # Heavy imports only now (and before forking, so every worker inherits them). jsonschema
    # (under nbformat) compiles an IRI grammar at import when rfc3987_syntax is installed:
    # 1.3 s for a format check notebooks never use, so this process does without it.
    sys.modules.setdefault("rfc3987_syntax", None)
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401
    from tqdm import tqdm

    from .data import load_dataset

    # The kernel must be this environment's: put its kernelspecs first.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        + [str(Path(sys.prefix) / "share" / "jupyter")])
    dataset = load_dataset()
    latest = dataset.latest_month
    params = {r.name: resolve_parameters(r, latest, as_of) for r in todo}  # all checked before any runs
    _exporter()
    cols = ["source_id", "outlet", "agency", "title", "url", "published", "accessed"]
    sources = [{c: str(row[c]) for c in cols} for _, row in dataset.sources.iterrows()]
    commit = git_commit()
    kernel = kernel_name()
    jobs_list = []
    for r in todo:
        built_at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        meta = {"built": built_at, "commit": commit, "data_checksum": dataset.checksum,
                "notebook": paths.relative(r.notebook),
                "parameters": {k: json.dumps(v, ensure_ascii=False) for k, v in params[r.name].items()}}
        jobs_list.append({"name": r.name, "notebook": str(r.notebook), "cwd": str(r.notebook.parent),
                          "parameters": params[r.name], "staging": str(staging), "meta": meta,
                          "sources": sources, "kernel": kernel})
    # longest first (as last built), so the slowest report does not start last
    previous = {r.name: (read_state(out_dir, r.name) or {}).get("seconds", float("inf")) for r in todo}
    jobs_list.sort(key=lambda j: -previous[j["name"]])
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    built, failed = [], []
    bar = tqdm(total=len(todo), desc="building reports", unit="report", file=sys.stderr,
               disable=(not progress) if progress is not None else None)
    by_name = {r.name: r for r in todo}
    try:
        for res in _execute(jobs_list, jobs):
            r = by_name[res["name"]]
            bar.update(1)
            if res["ok"]:
                meta = next(j["meta"] for j in jobs_list if j["name"] == r.name)
                publish(r.name, staging, out_dir, {
                    "version": STATE_VERSION, "hash": digests[r.name], "title": res["title"],
                    "built": meta["built"], "parameters": params[r.name], "notebook": meta["notebook"],
                    "commit": commit, "data_checksum": dataset.checksum, "seconds": res["seconds"]})
                built.append(r.name)
                bar.write(f"built {r.name} ({res['seconds']:.1f} s)", file=sys.stderr)
            else:
                log = staging / f"{r.name}.log"
                if log.is_file():
                    (out_dir / ".state").mkdir(exist_ok=True)
                    os.replace(log, out_dir / ".state" / f"{r.name}.failed.log")
                failed.append(res["error"] + f" (log: {paths.relative(out_dir / '.state' / (r.name + '.failed.log'))})")
    finally:
        bar.close()
    return built, failed


def _execute(jobs_list: list[dict], jobs: int):
    """Yield each job's result as it finishes: in this process, or in ``jobs`` forked workers."""
    if jobs == 1:
        for job in jobs_list:
            yield build_one(job)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(build_one, job) for job in jobs_list]
        for fut in as_completed(futures):
            yield fut.result()


# --------------------------------------------------------------------------- warm kernels
#
# Starting a kernel and importing pandas, matplotlib and the helpers costs each
# report a few seconds. A "zygote" process does those imports once per build,
# then forks one fresh kernel per report: every report still gets its own new
# kernel process (nothing from one report reaches another), minus the start-up.
# jupyter_client launches a tiny client (the kernelspec's argv) that asks the
# zygote for a kernel and stands in for it: it forwards signals and exits when
# the kernel does. Should the zygote not come up, the build uses the ordinary
# ``python3`` kernel.

WARM_KERNEL = "magnet-warm"
PRELOAD = ("ipykernel.kernelapp", "pandas", "matplotlib.pyplot", "helpers.data", "helpers.series",
           "helpers.compare", "helpers.plotting", "helpers.claims", "helpers.params", "helpers.outlook")


def _zygote(sock_path: str) -> None:
    """Serve kernels: import what every report imports, then fork one kernel per request."""
    import importlib
    import signal
    import socket

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for module in PRELOAD:
        try:
            importlib.import_module(module)
        except Exception:  # a module that fails to import fails in the report itself, with its cell
            pass
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp = sock_path + ".tmp"
    srv.bind(tmp)
    srv.listen(16)
    os.replace(tmp, sock_path)  # the socket appears only when ready
    children = []
    while True:
        conn, _ = srv.accept()
        with conn:
            req = json.loads(conn.makefile("r", encoding="utf-8").readline() or "{}")
            if req.get("quit"):
                break
            pid = os.fork()
            if pid == 0:  # the kernel
                srv.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.chdir(req["cwd"])
                os.environ.clear()
                os.environ.update(req["env"])
                os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
                from ipykernel.kernelapp import IPKernelApp

                sys.argv = ["ipykernel_launcher", *req["argv"]]
                if sys.path and sys.path[0] in ("", os.getcwd()):
                    sys.path.pop(0)
                try:
                    IPKernelApp.launch_instance(argv=req["argv"])
                finally:
                    os._exit(0)
            children.append(pid)
            conn.sendall(f"{pid}\n".encode())
    for pid in children:
        try:
            os.kill(pid, 9)
        except OSError:
            pass


def _kernel_client(sock_path: str, argv: list[str]) -> int:
    """The process jupyter_client manages: get a forked kernel, relay signals, exit with it."""
    import signal
    import socket

    deadline = time.monotonic() + 120
    while True:
        try:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(sock_path)
            break
        except OSError:
            conn.close()
            if time.monotonic() > deadline:
                print(f"error: no kernel zygote at {sock_path}", file=sys.stderr)
                return 1
            time.sleep(0.05)
    with conn:
        conn.sendall((json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}) + "\n").encode())
        pid = int(conn.makefile("r").readline())
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: os.kill(pid, signum))
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return 0
        time.sleep(0.05)


@contextlib.contextmanager
def warm_kernels(folder: Path):
    """A zygote for this build; yields a function giving the kernel name to use (``python3`` as fallback)."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    sock = folder / "zygote.sock"
    spec = folder / "kernels" / WARM_KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "helpers.build", "--kernel-client", str(sock), "-f", "{connection_file}"],
        "display_name": "Python 3 (magnet-exports)", "language": "python"}), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(paths.ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    with open(folder / "zygote.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "helpers.build", "--zygote", str(sock)], cwd=str(paths.ROOT),
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(folder)] + ([old] if old else []))
    def kernel_name() -> str:
        """The warm kernel once the zygote listens; ``python3`` if it did not come up."""
        deadline = time.monotonic() + 60
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                return "python3"
            time.sleep(0.02)
        return WARM_KERNEL

    try:
        yield kernel_name
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old
        try:
            import socket

            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                c.settimeout(5)
                c.connect(str(sock))
                c.sendall(b'{"quit": true}\n')
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``magnet-build``: build the report set; ``error: <one line>`` and exit 1 on failure."""
    parser = argparse.ArgumentParser(prog="magnet-build", description=__doc__.splitlines()[0])
    parser.add_argument("--config", "--set", dest="config", type=Path, default=None, metavar="PATH",
                        help="the report set (default: reports.yaml at the project root)")
    parser.add_argument("--only", action="append", metavar="NAME", help="build only this report (repeatable)")
    parser.add_argument("--force", action="store_true", help="rebuild even reports whose inputs did not change")
    parser.add_argument("--output-dir", type=Path, default=None, metavar="DIR",
                        help="publish into DIR (default: reports/)")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                        help="parallel workers (default: the number of cores)")
    parser.add_argument("--as-of", default=None, metavar="YYYY-MM",
                        help="the month 'latest' stands for (default: the latest month with data)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--cold-kernels", action="store_true",
                        help="start every kernel from scratch (no pre-imported kernel zygote)")
    parser.add_argument("--zygote", help=argparse.SUPPRESS)
    parser.add_argument("--kernel-client", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.zygote:
        _zygote(args.zygote)
        return 0
    if args.kernel_client:
        return _kernel_client(args.kernel_client, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        if args.jobs is not None and args.jobs < 1:
            raise BuildError(f"--jobs {args.jobs}: needs at least 1 worker")
        reports = load_report_set(args.config)
        selected = reports
        if args.only:
            names = [r.name for r in reports]
            unknown = [n for n in args.only if n not in names]
            if unknown:
                raise BuildError(f"--only {unknown[0]}: no such report; reports: {', '.join(names)}")
            selected = [r for r in reports if r.name in args.only]
        result = build(selected, args.output_dir, force=args.force, jobs=args.jobs, as_of=args.as_of,
                       index_reports=reports, progress=False if args.no_progress else None,
                       warm=not args.cold_kernels)
    except MagnetError as exc:
        print(f"error: {_one_line(exc, 1000)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; published reports are unchanged", file=sys.stderr)
        return 130
    for line in result.failed:
        print(f"error: {line}", file=sys.stderr)
    print(f"{paths.relative(result.index)}: {len(result.built)} built, {len(result.up_to_date)} up to date, "
          f"{len(result.failed)} failed in {result.seconds:.1f} s")
    return 1 if result.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
