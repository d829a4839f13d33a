"""Benchmark the build against the naive route, side by side in one run (``make bench``).

The build (``magnet-build --force`` into a temporary folder: one process, forked
workers, papermill and nbconvert through their Python APIs, WeasyPrint in the
same worker) against the naive route on the same report set: per report, the
``papermill`` command, then ``jupyter nbconvert --to html``, then the
``weasyprint`` command for the PDF, each in its own process. The build runs before and
after the naive route, and the speed-up is the naive time over the mean of the two builds
(the machine's speed drifts). Prints the wall times and their ratio, the no-op rebuild time
(nothing changed; median of five) and the peak memory of each route
(``resource.getrusage``, children included).

Peak memory is ``ru_maxrss`` of the largest process of each route, measured in
a forked process per route. The build's kernels are forked by its kernel zygote
and share its pages; they are reaped without ``wait`` and so are not in the
build's figure (the zygote, which holds the same imports, is).

Then what SVG figures cost against PNG (``--only svg``): each kind of figure drawn to PNG and to
SVG with its titled marks, and printed by WeasyPrint from each (best of three).

Then two scale runs, each in a temporary copy of the project (``MAGNET_PROJECT_ROOT``
points the helpers at it):

- data scale: a generated UN Comtrade file of 150 partners × 96 months (14,400
  rows, months before the project's data; HS 850511, its own series) is imported
  with ``magnet-import``, then a China Customs export of tariff line 85051110 of
  the same size (the series the reports derive); prints the import times, the load + derive + reconcile + cross-check time of
  the whole dataset, the default build's time with those data over its time
  without them, and the peak memory of each build;
- sweep: a generated report set of 50 reports (the destinations notebook over
  partner/month combinations, or ``--sweep-notebook fixture``) built at once;
  prints reports per minute.

Each build's reports are listed with their split (execute / HTML / PDF, wall
seconds, from the worker's "executed … s, html … s, pdf … s" log line).

Not a test: a measurement. Targets (2 cores): speed-up of at least 5× over the
naive route, no-op rebuild under 0.2 s, load + derive + checks of ~15,000 figures
under 1 s, import under 3 s, the build with Comtrade-size data at most 1.5× the
build without, peak memory of any build under 1 GB. ``--quick`` (``make bench
ARGS=--quick``) skips the naive route and runs smaller scale runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers import paths
from helpers.charts import figures
from pipeline.reports.reportset import load_report_set, resolve_parameters
from pipeline.reports.sweeps import expand_sweeps
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


def time_build(out: Path, config: Path | None, jobs: int | None, force: bool,
               root: Path | None = None) -> tuple[float, str]:
    """Wall time and summary line of ``magnet-build`` (a fresh process, as ``make reports`` runs it);
    ``root``: a project copy to build instead (``MAGNET_PROJECT_ROOT``)."""
    cmd = [sys.executable, "-m", "pipeline.build.cli", "--no-progress", "--output-dir", out]
    cmd += ["--force"] if force else []
    cmd += ["--config", config] if config else []
    cmd += ["--jobs", str(jobs)] if jobs else []
    t0 = time.perf_counter()
    summary = _run(cmd, cwd=root or paths.ROOT, env=_env(root))
    return time.perf_counter() - t0, summary


def _env(root: Path | None) -> dict | None:
    return dict(os.environ, MAGNET_PROJECT_ROOT=str(root)) if root else None


SPLIT_RE = re.compile(r"executed ([\d.]+) s, html ([\d.]+) s, pdf ([\d.]+) s")


def report_splits(out: Path) -> dict[str, tuple[float, float, float]]:
    """Each built report's (execute, HTML, PDF) seconds, from its log in ``out``."""
    splits = {}
    for log in sorted(Path(out).glob("*.log")):
        m = SPLIT_RE.findall(log.read_text(encoding="utf-8", errors="replace"))
        if m:
            splits[log.stem] = tuple(float(x) for x in m[-1])
    return splits


def print_splits(title: str, out: Path, limit: int = 60) -> None:
    splits = report_splits(out)
    if not splits:
        return
    print(f"  {title}: per report, wall seconds (execute / html / pdf)")
    for name, (e, h, p) in list(splits.items())[:limit]:
        print(f"    {name:<34}{e:>7.1f}{h:>7.1f}{p:>7.1f}")
    if len(splits) > limit:
        print(f"    ... and {len(splits) - limit} more")
    tot = [sum(v[i] for v in splits.values()) for i in range(3)]
    print(f"    {'total':<34}{tot[0]:>7.1f}{tot[1]:>7.1f}{tot[2]:>7.1f}")


_DERIVE_SCRIPT = """
import json, time
t0 = time.perf_counter()
from helpers.data.dataset import load_dataset
from helpers.analysis import series, reconcile
ds = load_dataset(); t1 = time.perf_counter()
k = series.derive(ds); t2 = time.perf_counter()
reconcile.reconcile(ds); reconcile.cross_checks(ds); t3 = time.perf_counter()
print(json.dumps({"figures": len(ds.figures), "quantities": len(k.estimates), "load": t1 - t0,
                  "derive": t2 - t1, "checks": t3 - t2}))
"""


def time_derive(root: Path) -> dict:
    """Load + derive + reconcile + cross-check of the copy's whole dataset, in a fresh process
    (module imports done before the clock starts)."""
    script = "import helpers.data.dataset, helpers.analysis.series, helpers.analysis.compare\n" + _DERIVE_SCRIPT
    return json.loads(_run([sys.executable, "-c", script], cwd=root, env=_env(root)))


def time_import(root: Path, file: Path, *extra: str) -> float:
    """Wall time of ``magnet-import FILE`` into the copy (a fresh process, as a user runs it)."""
    t0 = time.perf_counter()
    _run([sys.executable, "-m", "pipeline.intake.cli", file, "--published", "2026-01-15",
          "--accept-implausible", *extra], cwd=root, env=_env(root))
    return time.perf_counter() - t0


def data_scale(tmp: Path, jobs: int | None, partners: int, months: int) -> None:
    """The default report set built without and with a Comtrade-size history; import and derive times.

    Two histories of the same size go in: the UN Comtrade file (HS 850511, its own series: the
    import target) and a China Customs export of tariff line 85051110 (the series the reports
    derive, so the load and the build carry it)."""
    from tools.scale import comtrade_file, customs_file, project_copy

    tmp.mkdir(parents=True, exist_ok=True)
    root = project_copy(tmp / "project")
    print(f"data scale: a project copy in {root}; the default report set built first as it is", flush=True)
    (plain, _), plain_mem = _measured(time_build, tmp / "plain", None, jobs, True, root)
    small = time_derive(root)
    file = comtrade_file(tmp / "comtrade.csv", partners=partners, months=months)
    rows = sum(1 for _ in open(file, encoding="utf-8")) - 1
    print(f"importing a generated UN Comtrade file: {partners} partners x {months} months = {rows} rows",
          flush=True)
    imp = time_import(root, file)
    customs = customs_file(tmp / "customs.csv", partners=partners, months=months)
    print("importing a generated China Customs export of 85051110 of the same size", flush=True)
    imp_customs = time_import(root, customs, "--flow", "export")
    big = time_derive(root)
    (with_data, _), big_mem = _measured(time_build, tmp / "big", None, jobs, True, root)
    print(f"{'data scale':<52}{'time':>10}")
    print(f"{'import of the Comtrade file (magnet-import, CLI wall)':<52}{imp:>8.2f} s   (target < 3 s)")
    print(f"{'import of the China Customs file (the same size)':<52}{imp_customs:>8.2f} s")
    for label, d in (("project data", small), ("with both files", big)):
        total = d["load"] + d["derive"] + d["checks"]
        print(f"{'load+derive+checks, ' + label:<52}{total:>8.2f} s   ({d['figures']} figures, "
              f"{d['quantities']} quantities: load {d['load']:.2f}, derive {d['derive']:.2f}, "
              f"reconcile+cross-checks {d['checks']:.2f})")
    print(f"{'default build (--force), project data':<52}{plain:>8.1f} s")
    print(f"{'default build (--force), with both files':<52}{with_data:>8.1f} s")
    print(f"build with / without: {with_data / plain:.2f}x (target <= 1.5x); peak memory "
          f"{plain_mem:.0f} MiB without, {big_mem:.0f} MiB with (target < 1024 MiB)")
    print_splits("default build with both files", tmp / "big")


def sweep_set(path: Path, notebook: str, n: int) -> Path:
    """A generated report set of ``n`` reports: sweeps of the destinations notebook over partners,
    one sweep per month (or of the fixture notebook over greetings)."""
    import yaml

    from helpers.data.dataset import load_dataset
    from helpers.notebook.params import partners_with_tonnage
    from helpers.months import add_months

    entries = []
    if notebook == "fixture":
        nb = str(paths.ROOT / "tests" / "fixtures" / "build" / "report.ipynb")
        values = [f"r{i:03d}" for i in range(n)]
        entries.append({"name": "fixture-{greeting}", "notebook": nb, "parameters": {"as_of": "latest"},
                        "sweep": {"parameter": "greeting", "values": values}})
    else:
        ds = load_dataset()
        partners = partners_with_tonnage(ds)
        month, left = ds.latest_month, n
        while left > 0:
            take = partners[:left]
            entries.append({"name": "dest-{partner}-" + month, "notebook": str(paths.NOTEBOOKS / "02_destinations.ipynb"),
                            "parameters": {"as_of": month}, "sweep": {"parameter": "partner", "values": take}})
            left -= len(take)
            month = add_months(month, -1)
    path.write_text(yaml.safe_dump({"reports": entries}, sort_keys=False), encoding="utf-8")
    return path


def sweep_run(tmp: Path, jobs: int | None, notebook: str, n: int) -> None:
    """Build a generated set of ``n`` reports at once; reports per minute."""
    tmp.mkdir(parents=True, exist_ok=True)
    config = sweep_set(tmp / "sweep.yaml", notebook, n)
    print(f"sweep: {n} reports of the {notebook} notebook, built at once", flush=True)
    (wall, summary), mem = _measured(time_build, tmp / "sweep", config, jobs, True)
    print(f"{'sweep':<52}{wall:>8.1f} s   {n / wall * 60:.1f} reports per minute ({summary}); "
          f"peak memory {mem:.0f} MiB")
    print_splits("sweep", tmp / "sweep", limit=10)


def time_naive(out: Path, config: Path | None) -> float:
    """Wall time of the naive route: three commands per report, one report after another."""
    from helpers.data.dataset import load_dataset

    reports = expand_sweeps(load_report_set(config))
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
    """``python -m tools.bench``: print the comparison; exit 1 when a route fails."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=None, help="report set (default: reports.yaml)")
    parser.add_argument("--jobs", type=int, default=None, help="workers of the build (default: cores)")
    parser.add_argument("--quick", action="store_true",
                        help="a quick run: no naive route; 150 partners x 12 months; a sweep of 10 fixture reports")
    parser.add_argument("--only", choices=("naive", "data", "sweep", "svg"), action="append",
                        help="run only this part (repeatable; default: all)")
    parser.add_argument("--partners", type=int, default=150, help="partners of the generated Comtrade file")
    parser.add_argument("--months", type=int, default=None, help="months of the generated file (default 96)")
    parser.add_argument("--sweep-reports", type=int, default=None, help="reports of the sweep (default 50)")
    parser.add_argument("--sweep-notebook", choices=("destinations", "fixture"), default=None,
                        help="what the sweep builds (default: destinations; fixture with --quick)")
    args = parser.parse_args(argv)
    parts = set(args.only or (("svg", "data", "sweep") if args.quick else ("naive", "svg", "data", "sweep")))
    months = args.months or (12 if args.quick else 96)
    n_sweep = args.sweep_reports or (10 if args.quick else 50)
    sweep_nb = args.sweep_notebook or ("fixture" if args.quick else "destinations")
    try:
        with tempfile.TemporaryDirectory(prefix="magnet-bench-") as tmp:
            tmp = Path(tmp)
            if "naive" in parts:
                naive_route(tmp, args.config, args.jobs)
            if "svg" in parts:
                svg_cost()
            if "data" in parts:
                data_scale(tmp / "data", args.jobs, args.partners, months)
            if "sweep" in parts:
                sweep_run(tmp / "sweep", args.jobs, sweep_nb, n_sweep)
    except MagnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


_SVG_SCRIPT = """
import base64, io, json, time
import matplotlib.pyplot as plt
from weasyprint import HTML
from helpers.analysis import compare
from helpers.charts import figures, plotting
from helpers.data.dataset import load_dataset
ds = load_dataset(); plotting.use_house_style()
HTML(string="<p>warm</p>").write_pdf()
makers = {"monthly": lambda: plotting.plot_monthly(ds, end=ds.latest_month),
          "destination": lambda: plotting.plot_partner_vs_total(ds, "US", "2024-01", ds.latest_month),
          "cumulative": lambda: plotting.plot_cumulative(ds, end=ds.latest_month),
          "top": lambda: plotting.plot_top_destinations(compare.top_destinations(ds, ds.latest_month, 10), "m",
                                                        "DE", ds, ds.latest_month)}
out = {}
for name, make in makers.items():
    best = {}
    for _ in range(3):
        fig = make(); t0 = time.perf_counter(); buf = io.BytesIO(); fig.savefig(buf, format="png", bbox_inches="tight")
        t1 = time.perf_counter(); plt.close(fig)
        png = '<img style="width:178mm" src="data:image/png;base64,' + base64.b64encode(buf.getvalue()).decode() + '">'
        fig = make(); t2 = time.perf_counter(); svg = figures.figure_svg(fig, "alt"); t3 = time.perf_counter()
        plt.close(fig)
        from pipeline.render.convert import charts_as_images
        img = charts_as_images(svg)
        t4 = time.perf_counter(); HTML(string=png).write_pdf(); t5 = time.perf_counter()
        HTML(string=img).write_pdf(); t6 = time.perf_counter()
        for k, v in (("png", t1 - t0), ("svg", t3 - t2), ("pdf_png", t5 - t4), ("pdf_svg", t6 - t5)):
            best[k] = min(best.get(k, 9e9), v)
    out[name] = best
print(json.dumps(out))
"""


def svg_cost() -> None:
    """What SVG figures cost against PNG: drawing each kind of figure to PNG or to SVG with its titled
    marks, and printing it with WeasyPrint (best of three, in a fresh process)."""
    proc = subprocess.run([sys.executable, "-c", _SVG_SCRIPT], capture_output=True, text=True, cwd=paths.ROOT)
    if proc.returncode:
        raise MagnetError(f"the SVG measurement failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    print("SVG against PNG, per figure (best of 3, seconds): draw PNG / draw SVG with titles; PDF with PNG / with SVG")
    tot = {k: 0.0 for k in ("png", "svg", "pdf_png", "pdf_svg")}
    for name, r in res.items():
        print(f"    {name:<14}{r['png']:>7.2f}{r['svg']:>7.2f}   {r['pdf_png']:>7.2f}{r['pdf_svg']:>7.2f}")
        for k in tot:
            tot[k] += r[k]
    print(f"    {'total':<14}{tot['png']:>7.2f}{tot['svg']:>7.2f}   {tot['pdf_png']:>7.2f}{tot['pdf_svg']:>7.2f}"
          f"   (SVG costs {tot['svg'] + tot['pdf_svg'] - tot['png'] - tot['pdf_png']:+.2f} s for these four figures)",
          flush=True)


def naive_route(tmp: Path, config: Path | None, jobs: int | None) -> None:
    """The build against the naive CLI route on the same report set, and the no-op rebuild.

    This machine's speed drifts (by a third within an hour on a shared 2-core VM), and the naive
    route takes a minute: the build is timed before it and again after it, and the speed-up is the
    naive time over the mean of the two (an A-B-A design, which cancels a steady drift). The no-op
    rebuild is timed five times: the median, and the range."""
    import statistics

    n = len(expand_sweeps(load_report_set(config)))
    print(f"report set: {n} reports; the build, the naive route, the build again (same reports)", flush=True)
    (before, _), fast_mem = _measured(time_build, tmp / "build", config, jobs, True)
    noops = []
    for _ in range(5):
        noop, summary = time_build(tmp / "build", config, jobs, force=False)
        if " 0 built," not in summary:  # someone edited data/ or helpers/ meanwhile: not a no-op
            raise MagnetError(f"inputs changed during the benchmark ({summary}); run it again")
        noops.append(noop)
    naive, naive_mem = _measured(time_naive, tmp / "naive", config)
    (after, _), after_mem = _measured(time_build, tmp / "build", config, jobs, True)
    fast = (before + after) / 2
    noop = statistics.median(noops)
    print(f"{'route':<44}{'wall time':>12}")
    print(f"{'magnet-build --force (one process, workers)':<44}{fast:>10.1f} s   (before {before:.1f} s, "
          f"after {after:.1f} s)")
    print(f"{'naive: papermill + nbconvert + weasyprint CLIs':<44}{naive:>10.1f} s")
    print(f"{'no-op rebuild (nothing changed)':<44}{noop:>10.2f} s   (median of 5: {min(noops):.2f}-{max(noops):.2f} s)")
    print(f"speed-up: {naive / fast:.1f}x (target >= 5x); no-op {'under' if noop < 0.2 else 'OVER'} 0.2 s")
    print(f"peak memory (resource.getrusage, largest process incl. children): build {max(fast_mem, after_mem):.0f} MiB, "
          f"naive route {naive_mem:.0f} MiB")
    print_splits("magnet-build --force (the second build)", tmp / "build")


if __name__ == "__main__":
    raise SystemExit(main())
