"""Benchmark the build against the naive route, side by side in one run (``make bench``).

The build (``magnet-build --force`` into a temporary folder: one process, forked
workers, papermill and nbconvert through their Python APIs, WeasyPrint in the
same worker) against the naive route on the same report set: per report, the
``papermill`` command, then ``jupyter nbconvert --to html``, then the
``weasyprint`` command for the PDF, each in its own process. Prints both wall
times and their ratio, the no-op rebuild time (nothing changed) and the peak
memory of each route (``resource.getrusage``, children included).

Peak memory is ``ru_maxrss`` of the largest process of each route, measured in
a forked process per route. The build's kernels are forked by its kernel zygote
and share its pages; they are reaped without ``wait`` and so are not in the
build's figure (the zygote, which holds the same imports, is).

Not a test: a measurement. The targets are a ratio of at least 4 and a no-op
rebuild under 1 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers import paths
from .reportset import load_report_set, resolve_parameters
from helpers.errors import MagnetError

BIN = Path(sys.executable).parent


def _peak_mib() -> float:
    """Peak resident memory of the largest process so far, this one or a finished child (MiB)."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


def _measured(fn, *args):
    """Run ``fn(*args)`` in a forked process: its result and the peak memory of that route alone."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        return pool.submit(_with_peak, fn, *args).result()


def _with_peak(fn, *args):
    return fn(*args), _peak_mib()


def _run(cmd: list[str], **kw) -> None:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise MagnetError(f"{Path(str(cmd[0])).name} failed: {tail[0]}")
    return (proc.stdout.strip().splitlines() or [""])[-1]


def time_build(out: Path, config: Path | None, jobs: int | None, force: bool) -> tuple[float, str]:
    """Wall time and summary line of ``magnet-build`` (a fresh process, as ``make reports`` runs it)."""
    cmd = [sys.executable, "-m", "pipeline.build", "--no-progress", "--output-dir", out]
    cmd += ["--force"] if force else []
    cmd += ["--config", config] if config else []
    cmd += ["--jobs", str(jobs)] if jobs else []
    t0 = time.perf_counter()
    summary = _run(cmd, cwd=paths.ROOT)
    return time.perf_counter() - t0, summary


def time_naive(out: Path, config: Path | None) -> float:
    """Wall time of the naive route: three commands per report, one report after another."""
    from helpers.data import load_dataset

    reports = load_report_set(config)
    latest = load_dataset().latest_month
    jobs = [(r, resolve_parameters(r, latest)) for r in reports]  # prepared before the clock starts
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for r, params in jobs:
        executed = out / f"{r.name}.ipynb"
        _run([BIN / "papermill", r.notebook, executed, "-y", json.dumps(params), "-k", "python3",
              "--cwd", r.notebook.parent, "--no-progress-bar"], cwd=paths.ROOT)
        _run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", "--output-dir", out, executed],
             cwd=paths.ROOT)
        _run([BIN / "weasyprint", out / f"{r.name}.html", out / f"{r.name}.pdf"], cwd=paths.ROOT)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.bench``: print the comparison; exit 1 when a route fails."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=None, help="report set (default: reports.yaml)")
    parser.add_argument("--jobs", type=int, default=None, help="workers of the build (default: cores)")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="magnet-bench-") as tmp:
            tmp = Path(tmp)
            n = len(load_report_set(args.config))
            print(f"report set: {n} reports; build first, then the naive route (same reports)", flush=True)
            (fast, _), fast_mem = _measured(time_build, tmp / "build", args.config, args.jobs, True)
            noop, summary = time_build(tmp / "build", args.config, args.jobs, force=False)
            if " 0 built," not in summary:  # someone edited data/ or helpers/ meanwhile: measure again
                print(f"inputs changed during the benchmark ({summary}); timing the no-op again", flush=True)
                noop, summary = time_build(tmp / "build", args.config, args.jobs, force=False)
            naive, naive_mem = _measured(time_naive, tmp / "naive", args.config)
    except MagnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{'route':<44}{'wall time':>12}")
    print(f"{'magnet-build --force (one process, workers)':<44}{fast:>10.1f} s")
    print(f"{'naive: papermill + nbconvert + weasyprint CLIs':<44}{naive:>10.1f} s")
    print(f"{'no-op rebuild (nothing changed)':<44}{noop:>10.2f} s")
    print(f"speed-up: {naive / fast:.1f}x (target >= 4x); no-op {'under' if noop < 1 else 'OVER'} 1 s")
    print(f"peak memory (resource.getrusage, largest process incl. children): build {fast_mem:.0f} MiB, "
          f"naive route {naive_mem:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
