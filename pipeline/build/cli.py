"""``magnet-build``: build the report set into ``reports/``, only what changed, never half-published.

For each report ``NAME`` the output folder gets ``NAME.html``, ``NAME.pdf``, the
executed ``NAME.ipynb`` and ``NAME.log``; ``index.html`` links them all. Reports
are built in ``reports/.staging/`` by parallel workers (:mod:`pipeline.build.worker`) on
warm kernels (:mod:`pipeline.build.kernels`) and replace the published files only when
every format succeeded (:mod:`pipeline.publish.site`); a failed report leaves the
published one untouched. ``reports/.build.lock`` serialises concurrent builds.
Reports whose inputs did not change are skipped (:mod:`pipeline.reports.staleness`).
"""

from __future__ import annotations

import argparse
import importlib
import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from helpers import paths
from helpers.errors import BuildError, MagnetError, listing
from helpers.data.patterns import DATE_RE, MONTH_RE

from pipeline.build import checks
from pipeline.reports import stages
from pipeline.publish.guard import (Stopped, clear_leftovers, disk_full, is_disk_full, lock_output, published_size, quiet_logging,
                    signals_held, stop_on_signals)
from pipeline.publish.site import publish, unlisted, write_atomic, write_index, prune as prune_reports
from pipeline.render.convert import one_line
from pipeline.build.executors import EXECUTORS, ExecutorSpec, one_thread_per_report
from pipeline.reports.reportset import Report, load_report_set, resolve_parameters, uses_latest
from pipeline.reports.sweeps import expand_sweeps
from pipeline.reports.staleness import input_hash, is_up_to_date, read_state, shared_inputs_hash
# What only building a report needs (the worker, warm kernels, provenance, editions) is imported
# when there is a report to build: a no-op build imports none of it.


@dataclass
class BuildResult:
    """What a build did: names built, up to date and failed (with one-line errors)."""

    built: list
    up_to_date: list
    failed: list  # one-line messages
    seconds: float
    index: Path
    pruned: list = field(default_factory=list)    # reports removed by --prune
    unlisted: list = field(default_factory=list)  # published reports not in the set (kept)
    cleaned: list = field(default_factory=list)   # staging folders of killed builds removed


def build(reports: list[Report], out_dir: Path | None = None, *, force: bool = False,
          jobs: int | None = None, as_of: str | None = None, index_reports: list[Report] | None = None,
          lock_timeout: float = 3600, progress: bool | None = None, warm: bool = True,
          prune: bool = False, executor: ExecutorSpec | None = None) -> BuildResult:
    """Build the reports that changed (all with ``force``) and publish those that succeed.

    ``executor`` says where the reports run (:mod:`pipeline.build.executors`; default: local processes).

    Everything that can be checked before a kernel starts is checked first: the
    output folder, ``--as-of``, every report's parameters against the data. A
    report with bad parameters fails with one line; the others still build.
    ``index_reports`` is the whole set (``reports`` may be a selection of it):
    ``prune`` removes published reports not in it.
    """
    t0 = time.perf_counter()
    out_dir = checks.output_dir(Path(out_dir or paths.REPORTS).resolve())
    if as_of is not None and not MONTH_RE.match(as_of):
        raise BuildError(f"--as-of {as_of!r} is not a month YYYY-MM")
    whole_set = index_reports or reports
    lock = lock_output(out_dir, lock_timeout)
    edition = None
    try:
        cleaned = clear_leftovers(out_dir)
        edition = _Edition(out_dir)
        stages.stage("locked")
        shared = shared_inputs_hash()
        digests = {r.name: input_hash(r, shared, as_of)
                   for r in preflight_progress(reports, "checking what changed", progress)}
        todo = [r for r in reports if force or not is_up_to_date(r, edition.current, digests[r.name])]
        done = [r.name for r in reports if r not in todo]
        built, failed = [], []
        with contextlib.ExitStack() as stack:
            kernel_name = staging = None
            if todo:
                staging = out_dir / ".staging" / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}"
                staging.mkdir(parents=True)
                stack.callback(_remove_staging, staging)
                stack.enter_context(one_thread_per_report())   # before the zygote starts
                # The kernel zygote starts first: it imports (and loads the data) while this process
                # loads the data and checks. It starts no kernel until a report asks for one, after
                # every check passed. (remote workers cannot reach this machine's zygote: they start
                # their kernels cold)
                from pipeline.build.kernels import notebook_imports, warm_kernels

                warm_here = warm and not (executor and executor.remote)
                preload = notebook_imports(sorted({r.notebook for r in todo})) if warm_here else []
                kernel_name = (stack.enter_context(warm_kernels(staging / "zygote", preload)) if warm_here
                               else (lambda: "python3"))
                stages.stage("staged")
            if todo or as_of is not None:
                from helpers.data.dataset import load_dataset

                dataset = load_dataset()
                checks.as_of(as_of, dataset)
            if todo:
                # unknown parameter names: the set itself is wrong, nothing runs
                params = {r.name: resolve_parameters(r, _latest_known(r, dataset), as_of)
                          for r in preflight_progress(todo, "reading parameters", progress)}
                params, bad = checks.report_errors(preflight_progress(todo, "checking parameters", progress),
                                                   params, dataset)
                for name, line in bad.items():
                    failed.append(line + f" (log: {_failed_log(edition.dir, name, line)})")
                runnable = [r for r in todo if r.name not in bad]
                if runnable:
                    built, failed_run = _run_staged(runnable, edition, staging, digests, jobs, progress,
                                                    kernel_name, dataset, params, executor)
                    failed += failed_run
                if built:   # the whole dataset beside the reports, when the data changed
                    from pipeline.publish.datapackage import write_data_package

                    write_data_package(dataset, edition.dir)
        # a new edition of the whole set when something was built or pruned (or the index is missing):
        # the index, technical page and feed are written into it, then it is published in one swap. A
        # build that publishes nothing (another set's report failing, say) changes nothing published.
        gone = unlisted(whole_set, edition.current) if prune else []
        if built or gone or not (edition.current / "index.html").is_file():
            release = edition.begin()
            pruned = prune_reports(whole_set, release) if prune else []
            write_index(whole_set, release)
            edition.publish()
        else:
            pruned = []
        index = out_dir / "index.html"
        extra = unlisted(whole_set, edition.current)
    finally:
        try:
            if edition is not None:
                edition.abandon()   # an edition not published (an error, a stop) is removed
        finally:
            lock.release()
    return BuildResult(built=built, up_to_date=done, failed=failed,
                       seconds=time.perf_counter() - t0, index=index, pruned=pruned, unlisted=extra,
                       cleaned=cleaned)


class _Edition:
    """The published release (``current``) and the new one this build writes into, made on first use
    (:mod:`pipeline.publish.releases`)."""

    def __init__(self, root: Path):
        from pipeline.publish import releases

        self.root, self.current, self.new = root, releases.adopt(root), None

    @property
    def dir(self) -> Path:
        """Where this build writes now: its new release once begun, else the published one (a failed
        report's log, which no page shows)."""
        return self.new or self.current

    def begin(self) -> Path:
        from pipeline.publish import releases

        if self.new is None:
            self.new = releases.begin(self.root, self.current)
        return self.new

    def publish(self) -> None:
        from pipeline.publish import releases

        with signals_held():   # the swap is one rename; the links and clean-up around it are not interrupted
            self.current, self.new = releases.switch(self.root, self.new), None

    def abandon(self) -> None:
        if self.new is not None:
            shutil.rmtree(self.new, ignore_errors=True)
            self.new = None


#: A set of at least this many reports shows its pre-flight's progress (a large sweep takes a while).
PROGRESS_FROM = 50


def preflight_progress(reports: list, what: str, progress: bool | None) -> list:
    """``reports``, with a progress bar on stderr while they are gone through when there are many
    (``progress``: None shows it on a terminal only, False never, True always)."""
    if len(reports) < PROGRESS_FROM or progress is False:
        return reports
    from tqdm import tqdm

    return tqdm(reports, desc=f"pre-flight: {what}", unit="report", file=sys.stderr, leave=False,
                disable=None if progress is None else False, mininterval=0.5)


def _failed_log(out_dir: Path, name: str, text: str) -> str:
    """Write a failure found before running into ``.state/NAME.failed.log``; its path for messages."""
    (out_dir / ".state").mkdir(exist_ok=True)
    target = out_dir / ".state" / f"{name}.failed.log"
    write_atomic(target, f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} pre-flight check failed, nothing was run\n"
                         f"{text}\n")
    return _shown(target)


def _shown(path: Path) -> str:
    """A path inside a release as readers reach it: ``reports/.state/x.failed.log``, not
    ``reports/releases/ID/.state/x.failed.log``."""
    from pipeline.publish.releases import RELEASES

    parts = path.parts
    if RELEASES in parts:
        i = len(parts) - 1 - parts[::-1].index(RELEASES)
        path = Path(*parts[:i], *parts[i + 2:])
    try:   # (not paths.relative: it resolves the .state link back into the release)
        return str(Path(os.path.abspath(path)).relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def _latest_known(report: Report, dataset) -> str:
    """The month ``latest`` stands for in a report: the latest month known on its ``as_known_on`` date, if any."""
    date = str(report.parameters.get("as_known_on") or "")
    return dataset.known_on(date).latest_month if DATE_RE.match(date) and len(date) == 10 else dataset.latest_month


def with_known_on(reports: list[Report], date: str) -> list[Report]:
    """Every report whose notebook declares ``as_known_on`` gets ``date`` (``--as-known-on``)."""
    import dataclasses

    import papermill as pm

    if date and not (DATE_RE.match(date) and len(date) == 10):
        raise BuildError(f"--as-known-on {date!r} is not a date YYYY-MM-DD")
    out = []
    for r in reports:
        declares = "as_known_on" in pm.inspect_notebook(str(r.notebook))
        out.append(dataclasses.replace(r, parameters={**r.parameters, "as_known_on": date}) if declares else r)
    return out


# --------------------------------------------------------------------------- running


def _remove_staging(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.parent.rmdir()
    except OSError:
        pass


def _run_staged(todo, edition, staging, digests, jobs, progress, kernel_name, dataset, params,
                executor: ExecutorSpec | None = None) -> tuple[list, list]:
    out_dir = edition.current   # what is published: the last editions' facts and timings
    # Heavy imports only now (and before forking, so every worker inherits them).
    for heavy in ("papermill", "weasyprint"):  # imported once here, inherited by every forked worker
        importlib.import_module(heavy)
    from tqdm import tqdm

    from pipeline.render import provenance
    from pipeline.render.convert import exporter
    from pipeline.reports.editions import edition_label
    from pipeline.build.executors import run_jobs
    from pipeline.build.kernels import notebook_cells
    from pipeline.publish.site import git_commit
    from pipeline.build.worker import build_one

    # The kernel must be this environment's: put its kernelspecs first.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        + [str(Path(sys.prefix) / "share" / "jupyter")])
    exporter()
    cols = ["source_id", "outlet", "agency", "title", "url", "published", "accessed"]
    cols += [c for c in ("origin_id",) if c in dataset.sources]   # the origin register (when on file)
    sources = [{c: str(row[c]) for c in cols} for _, row in dataset.sources.iterrows()]
    commit = git_commit()
    kernel = kernel_name()
    jobs_list = []
    built_at = provenance.build_time(dataset).strftime("%Y-%m-%d %H:%M UTC")
    versions = provenance.versions()
    defaults = {}  # each notebook's defaults, resolved once (a sweep runs one notebook many times)
    for r in todo:
        if r.notebook not in defaults:
            defaults[r.notebook] = checks.defaults(r, dataset)
        meta = {"built": built_at, "commit": commit, "data_checksum": dataset.checksum, "versions": versions,
                "notebook": paths.relative(r.notebook),
                "edition": edition_label(params[r.name], uses_latest(r), dataset.partner_name,
                                         defaults[r.notebook]),
                "parameters": {k: json.dumps(v, ensure_ascii=False) for k, v in params[r.name].items()}}
        jobs_list.append({"name": r.name, "notebook": str(r.notebook), "cwd": str(r.notebook.parent),
                          "parameters": params[r.name], "staging": str(staging), "meta": meta,
                          "sources": sources, "kernel": kernel, "out_dir": str(out_dir),
                          "build_pid": os.getpid()})
    # longest first (as last built), so the slowest report does not start last; reports never built
    # into this folder first of all, the notebook with the most source first (code and prose: the most
    # to compute and to print; in yaml order the default set's cold build ended on the outlook)
    by_name = {r.name: r for r in todo}
    previous = {r.name: (read_state(out_dir, r.name) or {}).get("seconds", float("inf")) for r in todo}
    size = {nb: sum(len(src) for _, src in notebook_cells(nb)) for nb in {r.notebook for r in todo}}
    jobs_list.sort(key=lambda j: (-previous[j["name"]], -size[by_name[j["name"]].notebook]))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    built, failed = [], []
    bar = tqdm(total=len(todo), desc="building reports", unit="report", file=sys.stderr,
               disable=(not progress) if progress is not None else None)
    try:
        for res in run_jobs(build_one, jobs_list, jobs, executor):
            r = by_name[res["name"]]
            bar.update(1)
            if res["ok"]:
                meta = next(j["meta"] for j in jobs_list if j["name"] == r.name)
                with signals_held():
                    publish(r.name, staging, edition.begin(), {
                        "hash": digests[r.name], "title": res["title"],
                        "edition": meta["edition"], "news": res.get("news", ""),
                        "built": meta["built"], "parameters": params[r.name], "notebook": meta["notebook"],
                        "commit": commit, "data_checksum": dataset.checksum, "seconds": res["seconds"]})
                built.append(r.name)
                stages.stage("published")
                bar.write(f"built {r.name} ({res['seconds']:.1f} s)", file=sys.stderr)
            else:
                failed.append(res["error"] + f" (log: {_keep_failed_log(staging, edition.dir, r.name, res['error'])})")
    finally:
        bar.close()
    return built, failed


def _keep_failed_log(staging: Path, out_dir: Path, name: str, error: str) -> str:
    """Move a failed report's log to ``.state/NAME.failed.log`` (its path, for the message); a log left
    empty (a full disk) is replaced by the error line, and none is kept when even that cannot be written."""
    log, target = staging / f"{name}.log", out_dir / ".state" / f"{name}.failed.log"
    try:
        target.parent.mkdir(exist_ok=True)
        if log.is_file() and log.stat().st_size:
            os.replace(log, target)
        else:
            write_atomic(target, f"{error}\n")
    except OSError as exc:
        return f"none written: {exc.strerror or exc}"
    return _shown(target)


# --------------------------------------------------------------------------- the command


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
    parser.add_argument("--as-known-on", default=None, metavar="YYYY-MM-DD",
                        help="build every report with the data as known on this date (notebooks with an "
                             "'as_known_on' parameter): only figures published by then")
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="where reports run: local processes (default) or a Dask cluster (docs/scaling.md)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="with --executor dask: the scheduler's address (default: a local Dask cluster)")
    parser.add_argument("--scheduler-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="with --scheduler: how long to try reaching it (default: 30)")
    parser.add_argument("--prune", action="store_true",
                        help="remove published reports that are no longer in the set (their files, state and "
                             "failed log)")
    args = parser.parse_args(argv)
    import signal

    quiet_logging()   # before any worker forks: they inherit it
    stages.arm_workers()
    stages.stage("start")
    with stop_on_signals():
        try:
            code = _main(args)
        except Stopped as exc:
            name = signal.Signals(exc.signum).name
            print(f"error: stopped by {name}; nothing was published: the reports stay as they were",
                  file=sys.stderr)
            code = 128 + exc.signum
    return code


def _main(args) -> int:
    try:
        if args.jobs is not None and args.jobs < 1:
            raise BuildError(f"--jobs {args.jobs}: needs at least 1 worker")
        spec = ExecutorSpec(args.executor, args.scheduler, args.scheduler_timeout)
        reports = expand_sweeps(load_report_set(args.config), as_of=args.as_of)
        if args.as_known_on is not None:
            reports = with_known_on(reports, args.as_known_on)
        selected = reports
        if args.only:
            names = [r.name for r in reports]
            unknown = [n for n in args.only if n not in names]
            if unknown:
                raise BuildError(f"--only {unknown[0]}: no such report; reports: {', '.join(names)}")
            selected = [r for r in reports if r.name in args.only]
        result = build(selected, args.output_dir, force=args.force, jobs=args.jobs, as_of=args.as_of,
                       index_reports=reports, progress=False if args.no_progress else None,
                       warm=not args.cold_kernels, prune=args.prune, executor=spec)
    except MagnetError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. a full disk while publishing: what was published stays whole
        out = Path(args.output_dir or paths.REPORTS)
        if is_disk_full(exc):
            print(f"error: {disk_full(exc, out, 2 * published_size(out), 'a build')}; the published reports "
                  "were not changed", file=sys.stderr)
            return 1
        where = paths.relative(Path(exc.filename)) if exc.filename else paths.relative(out)
        print(f"error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    where = paths.relative(args.config) if args.config else "reports.yaml"
    if result.cleaned:
        print(f"removed the leftovers of {len(result.cleaned)} interrupted build(s): "
              f"{', '.join(result.cleaned)}", file=sys.stderr)
    if result.pruned:
        print(f"pruned {len(result.pruned)} report(s) no longer in {where}: {', '.join(result.pruned)}",
              file=sys.stderr)
    if result.unlisted:
        print(f"note: {len(result.unlisted)} published report(s) not in {where}: "
              f"{listing(result.unlisted, 'reports')} (magnet-build --prune removes them)", file=sys.stderr)
    for line in result.failed:
        print(f"error: {line}", file=sys.stderr)
    print(f"{paths.relative(result.index)}: {len(result.built)} built, {len(result.up_to_date)} up to date, "
          f"{len(result.failed)} failed in {result.seconds:.1f} s")
    return 1 if result.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
