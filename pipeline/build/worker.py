"""One report, in a worker: execute its notebook with papermill, render HTML and PDF into staging.

:func:`build_one` never raises: it returns ``ok`` or a one-line error naming the
report, the cell and the error, and writes the full log beside the outputs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import time
from pathlib import Path

from helpers import paths

from pipeline.reports import editions, stages
from pipeline.build import hindsight
from pipeline.render import inline, provenance
from pipeline.render.convert import ANSI_RE, notebook_title, one_line, render_pdf, render_report


def statements_shown(nb) -> dict:
    """The statements the report's code cells showed beside their HTML (taken out of the outputs)."""
    from helpers.analysis.judge import collect

    return collect(nb)


def judge_statements(stated: dict, known_on: str | None) -> list[str]:
    """Every statement the report makes, judged with the data as known on the edition's date."""
    from helpers.data.dataset import load_dataset
    from helpers.analysis.judge import check_stated

    return check_stated(stated, load_dataset().known_on(known_on or ""))


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
    build_pid = job.get("build_pid")
    if build_pid and os.getpid() != build_pid and os.getppid() == build_pid:
        from pipeline.build.kernels import die_with_parent

        die_with_parent(None, build_pid)  # a forked worker dies with the build (kill -9 included)
    logging.raiseExceptions = False   # a log that cannot be written is not a traceback on stderr
    try:
        handler = logging.FileHandler(staging / f"{name}.log", encoding="utf-8")
    except OSError as exc:   # a full disk (no inode left): the report fails in one line
        return {"name": name, "ok": False, "error": f"report '{name}' failed: {paths.relative(staging / (name + '.log'))}: "
                f"{exc.strerror or exc}"}
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

        import nbformat

        from pipeline.build.execute import execute_report

        log.info("report %s: %s with %s (kernel %s)", name, job["notebook"], json.dumps(job["parameters"]),
                 job.get("kernel", "python3"))
        try:
            with _stderr_to(staging / f"{name}.log"):  # the kernel's own warnings go to the log too
                # the one way to execute: the contract, the {eval} facts filled, stable ids (pipeline/build/execute.py)
                nb = execute_report(Path(job["notebook"]), staging / f"{name}.ipynb", job["parameters"],
                                    cwd=Path(job["cwd"]), kernel_name=job.get("kernel", "python3"),
                                    check_parameters=False,  # resolved and checked before the build started
                                    log_output=True)
        except pm.PapermillExecutionError as exc:
            result["error"] = (f"report '{name}' failed in cell In [{exc.exec_count}] "
                               f"(cell #{exc.cell_index}): {exc.ename}: {one_line(exc.evalue)}")
            # the log holds the whole failure: the kernel's traceback and the full error
            trace = ANSI_RE.sub("", "\n".join(exc.traceback or []))
            log.error("report %s failed in cell In [%s] (cell #%s)\n%s\n%s: %s", name, exc.exec_count,
                      exc.cell_index, trace, exc.ename, ANSI_RE.sub("", str(exc.evalue)))
            return result
        if unknown.names:  # checked before the run; papermill's own warning must never pass silently
            result["error"] = (f"report '{name}': papermill passed unknown parameter(s) "
                               f"{', '.join(unknown.names)} to {paths.relative(Path(job['notebook']))}")
            return result
        t1 = time.perf_counter()
        stated = nb.metadata.get("magnet", {}).pop("stated", {})
        known_on = hindsight.known_on_date(job["parameters"])
        found = hindsight.check(nb, known_on, stated) if known_on else []
        if found:  # an edition as known on a date states nothing published after it
            log.error("report %s, as known on %s, states what was published later:\n%s", name, known_on,
                      "\n".join(found))
            result["error"] = (f"report '{name}' is as known on {known_on} but {found[0]}"
                               + (f" (and {len(found) - 1} more: see {name}.log)" if len(found) > 1 else ""))
            return result
        stated.update(statements_shown(nb))
        wrong = judge_statements(stated, known_on)
        if wrong:  # a report publishes only what it has judged true
            log.error("report %s states what the data do not support:\n%s", name, "\n".join(wrong))
            result["error"] = (f"report '{name}': {wrong[0]}"
                               + (f" (and {len(wrong) - 1} more: see {name}.log)" if len(wrong) > 1 else ""))
            return result
        typed = [(cell.source.splitlines()[0][:50], n) for cell in nb.cells if cell.cell_type == "markdown"
                 for n in inline.typed_numbers(cell.source)]
        if typed:
            result["error"] = (f"report '{name}': the prose types {len(typed)} number(s) that come from no fact, "
                               f"first '{typed[0][1]}' in the Markdown cell '{typed[0][0]}'; write "
                               "{eval}`expression` instead")
            return result
        if job.get("kernel", "python3") != "python3":  # the executed notebook names the usual kernel
            source = json.loads(Path(job["notebook"]).read_text(encoding="utf-8"))
            nb.metadata["kernelspec"] = source.get("metadata", {}).get("kernelspec") or {
                "name": "python3", "display_name": "Python 3", "language": "python"}
            nb.metadata.get("papermill", {})["kernel_name"] = nb.metadata["kernelspec"]["name"]
        nb.metadata["magnet"] = {"edition": job["meta"].get("edition", ""), "built": job["meta"].get("built", ""),
                                 "commit": job["meta"].get("commit", ""), "versions": job["meta"].get("versions", {})}
        provenance.scrub_notebook(nb, name, job["meta"].get("notebook", ""))
        nbformat.write(nb, str(staging / f"{name}.ipynb"))
        facts = editions.stated_facts(stated)
        previous = editions.read_facts(Path(job["out_dir"]) / f"{name}.facts.json") if job.get("out_dir") else None
        news = editions.whats_new(previous, facts, job["meta"].get("edition", ""))
        (staging / f"{name}.facts.json").write_text(json.dumps(
            {"edition": job["meta"].get("edition", ""), "built": job["meta"].get("built", ""), "facts": facts},
            indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        inline.rendered_markdown(nb)
        title = notebook_title(nb, name)
        meta = dict(job["meta"], name=name, title=title, news=news)
        body = render_report(nb, meta, job["sources"], staging, stated)
        (staging / f"{name}.html").write_text(body, encoding="utf-8")
        t2 = time.perf_counter()
        render_pdf(body, staging / f"{name}.pdf")
        t3 = time.perf_counter()
        stages.stage("rendered")
        log.info("executed %.1f s, html %.1f s, pdf %.1f s", t1 - t0, t2 - t1, t3 - t2)
        result.update(ok=True, title=title, news=news["summary"], seconds=round(t3 - t0, 2))
    except Exception as exc:  # one line per failed report, whatever went wrong
        log.exception("report %s failed", name)
        from pipeline.publish.guard import disk_full, is_disk_full

        result["error"] = (f"report '{name}' failed: {disk_full(exc, staging, what='the report')}" if is_disk_full(exc)
                           else f"report '{name}' failed: {type(exc).__name__}: {one_line(exc)}")
    finally:
        loggers[0].removeHandler(unknown)
        for lg in loggers:
            lg.removeHandler(handler)
        try:
            handler.close()
        except OSError:   # its last flush, on a full disk: the error is already the report's
            pass
    return result

