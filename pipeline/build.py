"""``magnet-build``: build the report set into ``reports/``, only what changed, never half-published.

For each report ``NAME`` the output folder gets ``NAME.html``, ``NAME.pdf``, the
executed ``NAME.ipynb`` and ``NAME.log``; ``index.html`` links them all. Reports
are built in ``reports/.staging/`` by parallel workers (:mod:`pipeline.worker`) on
warm kernels (:mod:`pipeline.kernels`) and replace the published files only when
every format succeeded (:mod:`pipeline.publish`); a failed report leaves the
published one untouched. ``reports/.build.lock`` serialises concurrent builds.
Reports whose inputs did not change are skipped (:mod:`pipeline.staleness`).
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
from helpers.patterns import DATE_RE, MONTH_RE

from . import checks
from .publish import publish, unlisted, write_atomic, write_index
from .publish import prune as prune_reports
from .render import one_line
from .executors import EXECUTORS, ExecutorSpec
from .reportset import Report, expand_sweeps, load_report_set, resolve_parameters, uses_latest
from .staleness import STATE_VERSION, input_hash, is_up_to_date, read_state, shared_inputs_hash
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


class Stopped(KeyboardInterrupt):
    """The build was told to stop (SIGTERM, SIGINT): finished reports stay published, the rest is dropped."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _FlockLock:
    """``.build.lock`` held with ``flock(2)``, as filelock's FileLock holds it on Unix (the two exclude
    each other), without importing filelock: a no-op build takes a tenth of a second, 25 ms of it
    was that import."""

    def __init__(self, fd: int):
        self._fd = fd

    def release(self) -> None:
        import fcntl

        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _lock(out_dir: Path, timeout: float):
    """Hold ``out_dir/.build.lock`` (waiting up to ``timeout`` seconds for another build)."""
    try:
        import fcntl
    except ImportError:  # not Unix
        return _file_lock(out_dir, timeout)
    where = paths.relative(out_dir / ".build.lock")
    try:
        fd = os.open(out_dir / ".build.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise BuildError(f"{where}: not writable ({exc.strerror or type(exc).__name__})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another build to finish ({where})...", file=sys.stderr)
            deadline = time.monotonic() + timeout
            while True:
                time.sleep(0.05)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise BuildError(f"another build still holds {where} after "
                                         f"{timeout:.0f} s; try again when it has finished") from None
    except BuildError:
        os.close(fd)
        raise
    except OSError:  # a file system without flock: filelock's own fallback
        os.close(fd)
        return _file_lock(out_dir, timeout)
    return _FlockLock(fd)


def _file_lock(out_dir: Path, timeout: float):
    from filelock import FileLock, Timeout

    where = paths.relative(out_dir / ".build.lock")
    lock = FileLock(str(out_dir / ".build.lock"))
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            print(f"waiting for another build to finish ({where})...", file=sys.stderr)
            try:
                lock.acquire(timeout=timeout)
            except Timeout:
                raise BuildError(f"another build still holds {where} after "
                                 f"{timeout:.0f} s; try again when it has finished") from None
    except OSError as exc:
        raise BuildError(f"{where}: not writable ({exc.strerror or type(exc).__name__})") from None
    return lock


def _without_iri_grammar() -> None:
    """jsonschema (under nbformat, under papermill) compiles an IRI grammar at import when
    rfc3987_syntax is installed: 1.3 s for a format check notebooks never use, so the build does
    without it. Called before anything imports papermill or nbformat (resolve_parameters does)."""
    sys.modules.setdefault("rfc3987_syntax", None)


def build(reports: list[Report], out_dir: Path | None = None, *, force: bool = False,
          jobs: int | None = None, as_of: str | None = None, index_reports: list[Report] | None = None,
          lock_timeout: float = 3600, progress: bool | None = None, warm: bool = True,
          prune: bool = False, executor: ExecutorSpec | None = None) -> BuildResult:
    """Build the reports that changed (all with ``force``) and publish those that succeed.

    ``executor`` says where the reports run (:mod:`pipeline.executors`; default: local processes).

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
    lock = _lock(out_dir, lock_timeout)
    try:
        cleaned = clear_leftovers(out_dir)
        shared = shared_inputs_hash()
        digests = {r.name: input_hash(r, shared, as_of) for r in reports}
        todo = [r for r in reports if force or not is_up_to_date(r, out_dir, digests[r.name])]
        done = [r.name for r in reports if r not in todo]
        built, failed = [], []
        with contextlib.ExitStack() as stack:
            kernel_name = staging = None
            if todo:
                staging = out_dir / ".staging" / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}"
                staging.mkdir(parents=True)
                stack.callback(_remove_staging, staging)
                # The kernel zygote starts first: it imports (and loads the data) while this process
                # loads the data and checks. It starts no kernel until a report asks for one, after
                # every check passed. (remote workers cannot reach this machine's zygote: they start
                # their kernels cold)
                from .kernels import warm_kernels

                warm_here = warm and not (executor and executor.remote)
                kernel_name = (stack.enter_context(warm_kernels(staging / "zygote")) if warm_here
                               else (lambda: "python3"))
            if todo or as_of is not None:
                _without_iri_grammar()
                from helpers.data import load_dataset

                dataset = load_dataset()
                checks.as_of(as_of, dataset)
            if todo:
                # unknown parameter names: the set itself is wrong, nothing runs
                params = {r.name: resolve_parameters(r, _latest_known(r, dataset), as_of) for r in todo}
                params, bad = checks.report_errors(todo, params, dataset)
                for name, line in bad.items():
                    failed.append(line + f" (log: {_failed_log(out_dir, name, line)})")
                runnable = [r for r in todo if r.name not in bad]
                if runnable:
                    built, failed_run = _run_staged(runnable, out_dir, staging, digests, jobs, progress,
                                                    kernel_name, dataset, params, executor)
                    failed += failed_run
                if built:   # the whole dataset beside the reports, when the data changed
                    from .datapackage import write_data_package

                    write_data_package(dataset, out_dir)
        pruned = prune_reports(whole_set, out_dir) if prune else []
        index = write_index(whole_set, out_dir)
        extra = unlisted(whole_set, out_dir)
    finally:
        lock.release()
    return BuildResult(built=built, up_to_date=done, failed=failed,
                       seconds=time.perf_counter() - t0, index=index, pruned=pruned, unlisted=extra,
                       cleaned=cleaned)


def _failed_log(out_dir: Path, name: str, text: str) -> str:
    """Write a failure found before running into ``.state/NAME.failed.log``; its path for messages."""
    (out_dir / ".state").mkdir(exist_ok=True)
    target = out_dir / ".state" / f"{name}.failed.log"
    write_atomic(target, f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} pre-flight check failed, nothing was run\n"
                         f"{text}\n")
    return paths.relative(target)


# --------------------------------------------------------------------------- leftovers of killed builds


def _processes_mentioning(text: str) -> list[int]:
    """This user's processes whose command line contains ``text`` (Linux ``/proc``; [] elsewhere)."""
    found, needle, me = [], text.encode(), os.getpid()
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if entry.stat().st_uid == os.getuid() and needle in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def clear_leftovers(out_dir: Path) -> list[str]:
    """Remove what killed builds left in ``out_dir`` (called under the lock, so no build is running there).

    Their staging folders (``.staging/RUN``, with the zygote's socket) and half-written
    temporary files go, and any process still naming such a folder on its command
    line (a zygote or kernel that outlived its build) is killed.
    """
    import signal

    removed = []
    root = out_dir / ".staging"
    if root.is_dir():
        for run in sorted(root.iterdir()):
            for pid in _processes_mentioning(str(run)):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            if run.is_dir() and not run.is_symlink():
                shutil.rmtree(run, ignore_errors=True)
            else:
                run.unlink(missing_ok=True)
            removed.append(run.name)
        with contextlib.suppress(OSError):
            root.rmdir()
    for folder in (out_dir, out_dir / ".state"):
        for tmp in folder.glob(".*.tmp") if folder.is_dir() else ():
            tmp.unlink(missing_ok=True)
    return removed


@contextlib.contextmanager
def _signals_held():
    """Hold SIGTERM and SIGINT while a report is published, so a stop never lands mid-move."""
    import signal

    held = {signal.SIGTERM, signal.SIGINT}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def stop_on_signals():
    """SIGTERM and SIGINT raise :class:`Stopped` in the build, after killing its worker processes.

    Killing the workers first lets the pool shut down at once; their kernel clients
    and kernels follow (parent-death signals, :func:`pipeline.kernels.die_with_parent`),
    and the zygote is stopped by :func:`pipeline.kernels.warm_kernels` on the way out.
    """
    import signal

    def stop(signum, _frame):
        for sig in (signal.SIGTERM, signal.SIGINT):  # once: the way out must not be interrupted
            signal.signal(sig, signal.SIG_IGN)
        if "multiprocessing" in sys.modules:
            for child in sys.modules["multiprocessing"].active_children():
                with contextlib.suppress(OSError):
                    child.kill()
        raise Stopped(signum)

    try:
        old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _latest_known(report: Report, dataset) -> str:
    """The month ``latest`` stands for in a report: the latest month known on its ``as_known_on`` date, if any."""
    date = str(report.parameters.get("as_known_on") or "")
    return dataset.known_on(date).latest_month if DATE_RE.match(date) and len(date) == 10 else dataset.latest_month


def with_known_on(reports: list[Report], date: str) -> list[Report]:
    """Every report whose notebook declares ``as_known_on`` gets ``date`` (``--as-known-on``)."""
    import dataclasses

    _without_iri_grammar()
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


def _run_staged(todo, out_dir, staging, digests, jobs, progress, kernel_name, dataset, params,
                executor: ExecutorSpec | None = None) -> tuple[list, list]:
    # Heavy imports only now (and before forking, so every worker inherits them).
    _without_iri_grammar()
    for heavy in ("papermill", "weasyprint"):  # imported once here, inherited by every forked worker
        importlib.import_module(heavy)
    from tqdm import tqdm

    from . import provenance
    from .editions import edition_label
    from .executors import run_jobs
    from .publish import git_commit
    from .render import exporter
    from .worker import build_one

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
    for r in todo:
        meta = {"built": built_at, "commit": commit, "data_checksum": dataset.checksum, "versions": versions,
                "notebook": paths.relative(r.notebook),
                "edition": edition_label(params[r.name], uses_latest(r), dataset.partner_name,
                                         checks.defaults(r, dataset)),
                "parameters": {k: json.dumps(v, ensure_ascii=False) for k, v in params[r.name].items()}}
        jobs_list.append({"name": r.name, "notebook": str(r.notebook), "cwd": str(r.notebook.parent),
                          "parameters": params[r.name], "staging": str(staging), "meta": meta,
                          "sources": sources, "kernel": kernel, "out_dir": str(out_dir),
                          "build_pid": os.getpid()})
    # longest first (as last built), so the slowest report does not start last
    previous = {r.name: (read_state(out_dir, r.name) or {}).get("seconds", float("inf")) for r in todo}
    jobs_list.sort(key=lambda j: -previous[j["name"]])
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    built, failed = [], []
    bar = tqdm(total=len(todo), desc="building reports", unit="report", file=sys.stderr,
               disable=(not progress) if progress is not None else None)
    by_name = {r.name: r for r in todo}
    try:
        for res in run_jobs(build_one, jobs_list, jobs, executor):
            r = by_name[res["name"]]
            bar.update(1)
            if res["ok"]:
                meta = next(j["meta"] for j in jobs_list if j["name"] == r.name)
                with _signals_held():
                    publish(r.name, staging, out_dir, {
                        "version": STATE_VERSION, "hash": digests[r.name], "title": res["title"],
                        "edition": meta["edition"], "news": res.get("news", ""),
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


# --------------------------------------------------------------------------- warm kernels
#
# Starting a kernel and importing pandas, matplotlib and the helpers costs each
# report a few seconds. A "zygote" process does those imports once per build,
# then forks one fresh kernel per report: every report still gets its own new
# kernel process (nothing from one report reaches another), minus the start-up.
# jupyter_client launches a tiny client (the kernelspec's argv) that asks the
# zygote for a kernel and stands in for it: it forwards signals and exits when
# the kernel does. Should the zygote not come up, the build uses the ordinary
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
    parser.add_argument("--prune", action="store_true",
                        help="remove published reports that are no longer in the set (their files, state and "
                             "failed log)")
    args = parser.parse_args(argv)
    import signal

    with stop_on_signals():
        try:
            code = _main(args)
        except Stopped as exc:
            name = signal.Signals(exc.signum).name
            print(f"error: stopped by {name}; reports already published stay, the rest were not changed",
                  file=sys.stderr)
            code = 128 + exc.signum
    if argv is None and Path(sys.argv[0]).name in ("magnet-build", "build.py"):
        exit_now(code)
    return code


def exit_now(code: int) -> None:
    """End the ``magnet-build`` process at once, once the build is over: its output is flushed,
    its lock released, its workers and kernel zygote gone. The interpreter's own teardown of
    pandas, WeasyPrint, nbconvert and the rest (0.3 s) would do nothing a finished build needs."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _main(args) -> int:
    try:
        if args.jobs is not None and args.jobs < 1:
            raise BuildError(f"--jobs {args.jobs}: needs at least 1 worker")
        spec = ExecutorSpec(args.executor, args.scheduler)
        out_dir = Path(args.output_dir or paths.REPORTS)
        reports = expand_sweeps(load_report_set(args.config), as_of=args.as_of,
                                cache=out_dir / ".state" / "sweeps.cache")
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
        where = paths.relative(Path(exc.filename)) if exc.filename else "reports"
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
