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
from dataclasses import dataclass
from pathlib import Path

from helpers import paths
from helpers.errors import BuildError, MagnetError
from helpers.patterns import MONTH_RE

from .executors import EXECUTORS, ExecutorSpec, run_jobs
from .kernels import warm_kernels
from .publish import git_commit, publish, write_index
from .render import exporter, one_line
from .reportset import Report, expand_sweeps, load_report_set, resolve_parameters
from .staleness import STATE_VERSION, input_hash, is_up_to_date, read_state, shared_inputs_hash
from .worker import build_one


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
          lock_timeout: float = 3600, progress: bool | None = None, warm: bool = True,
          executor: ExecutorSpec | None = None) -> BuildResult:
    """Build the reports that changed (all with ``force``) and publish those that succeed.

    ``executor`` says where the reports run (:mod:`pipeline.executors`; default: local processes).
    """
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
            built, failed = _run(todo, out_dir, digests, jobs, as_of, progress, warm, executor)
        index = write_index(index_reports or reports, out_dir)
    finally:
        lock.release()
    return BuildResult(built=built, up_to_date=done, failed=failed,
                       seconds=time.perf_counter() - t0, index=index)


def _run(todo: list[Report], out_dir: Path, digests: dict, jobs: int | None, as_of: str | None,
         progress: bool | None, warm: bool = True, executor: ExecutorSpec | None = None) -> tuple[list, list]:
    staging = out_dir / ".staging" / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}"
    staging.mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        stack.callback(_remove_staging, staging)
        # The kernel zygote starts first: it imports while this process does.
        # (remote workers cannot reach this machine's zygote: they start their kernels cold)
        warm = warm and not (executor and executor.remote)
        kernel_name = stack.enter_context(warm_kernels(staging / "zygote")) if warm else (lambda: "python3")
        return _run_staged(todo, out_dir, staging, digests, jobs, as_of, progress, kernel_name, executor)


def _remove_staging(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.parent.rmdir()
    except OSError:
        pass


def _run_staged(todo, out_dir, staging, digests, jobs, as_of, progress, kernel_name,
                executor: ExecutorSpec | None = None) -> tuple[list, list]:
    # Heavy imports only now (and before forking, so every worker inherits them). jsonschema
    # (under nbformat) compiles an IRI grammar at import when rfc3987_syntax is installed:
    # 1.3 s for a format check notebooks never use, so this process does without it.
    sys.modules.setdefault("rfc3987_syntax", None)
    for heavy in ("papermill", "weasyprint"):  # imported once here, inherited by every forked worker
        importlib.import_module(heavy)
    from tqdm import tqdm

    from helpers.data import load_dataset

    # The kernel must be this environment's: put its kernelspecs first.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        + [str(Path(sys.prefix) / "share" / "jupyter")])
    dataset = load_dataset()
    latest = dataset.latest_month
    params = {r.name: resolve_parameters(r, latest, as_of) for r in todo}  # all checked before any runs
    exporter()
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
        for res in run_jobs(build_one, jobs_list, jobs, executor):
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
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="where reports run: local processes (default) or a Dask cluster (docs/scaling.md)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="with --executor dask: the scheduler's address (default: a local Dask cluster)")
    args = parser.parse_args(argv)
    try:
        if args.jobs is not None and args.jobs < 1:
            raise BuildError(f"--jobs {args.jobs}: needs at least 1 worker")
        spec = ExecutorSpec(args.executor, args.scheduler)
        reports = expand_sweeps(load_report_set(args.config), as_of=args.as_of)
        selected = reports
        if args.only:
            names = [r.name for r in reports]
            unknown = [n for n in args.only if n not in names]
            if unknown:
                raise BuildError(f"--only {unknown[0]}: no such report; reports: {', '.join(names)}")
            selected = [r for r in reports if r.name in args.only]
        result = build(selected, args.output_dir, force=args.force, jobs=args.jobs, as_of=args.as_of,
                       index_reports=reports, progress=False if args.no_progress else None,
                       warm=not args.cold_kernels, executor=spec)
    except MagnetError as exc:
        print(f"error: {one_line(exc, 1000)}", file=sys.stderr)
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
