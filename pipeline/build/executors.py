"""Where reports run: a ``concurrent.futures.Executor`` seam between the build and its workers.

The build hands each report (a job dict) to :func:`run_jobs`, which yields the
results as they finish. Two engines, both off the shelf:

- ``local`` (the default): this machine's cores, in forked worker processes
  (``ProcessPoolExecutor`` with the ``fork`` context, so every worker inherits the
  build's imports), or in this process when one worker is asked for.
- ``dask``: a Dask cluster, through ``distributed.Client.get_executor()``. With a
  scheduler address (``magnet-build --executor dask --scheduler tcp://host:8786``)
  the reports run on that cluster's workers (started by ``dask-jobqueue`` on Slurm,
  ``dask-kubernetes`` on Kubernetes, or ``dask worker`` by hand: docs/scaling.md);
  without one, on a ``LocalCluster`` of ``jobs`` single-threaded worker processes.

On Dask a worker builds the report into a temporary folder of its own and sends
the files back (HTML, PDF, executed notebook, log: a few hundred kB), and the build
writes them into its staging folder: workers need the project (same path, same
environment — one container image, or a shared checkout) but no shared output
folder. Each worker must run one task at a time (``--nthreads 1``): a report
redirects its process's stderr into its log while it runs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from helpers.errors import BuildError

from pipeline.publish.site import PUBLISHED

EXECUTORS = ("local", "dask")
#: The files a worker writes for report NAME into its staging folder.
OUTPUT_SUFFIXES = tuple("." + ext for ext in PUBLISHED)


#: One thread each for the numeric libraries of every kernel (BLAS under numpy, SciPy and statsmodels;
#: OpenMP), as Dask's nanny gives its workers (``distributed.nanny.pre-spawn-environ``): the build
#: already runs one report per core, and a BLAS pool of a thread per core in each kernel makes the
#: kernels wait for one another (its threads spin while they wait). Single-threaded, the outlook's
#: backtest takes 0.7 CPU-s instead of 1.5, and less wall time even alone (the matrices are small).
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def one_thread_per_report():
    """Set :data:`ONE_THREAD` in this process's environment while the reports run (the zygote, the
    workers and their kernels inherit it); a variable the user set keeps its value."""
    added = [k for k in ONE_THREAD if k not in os.environ]
    os.environ.update({k: ONE_THREAD[k] for k in added})
    try:
        yield
    finally:
        for k in added:
            os.environ.pop(k, None)


@dataclass(frozen=True)
class ExecutorSpec:
    """Which engine runs the reports: ``local`` or ``dask`` (with a scheduler address, or None
    for a LocalCluster)."""

    kind: str = "local"
    scheduler: str | None = None
    connect_timeout: float = 30.0  # seconds to reach the scheduler before giving up

    def __post_init__(self):
        if self.kind not in EXECUTORS:
            raise BuildError(f"--executor {self.kind!r}: one of {', '.join(EXECUTORS)}")
        if self.scheduler and self.kind != "dask":
            raise BuildError("--scheduler needs --executor dask")
        if not self.connect_timeout > 0:
            raise BuildError(f"--scheduler-timeout {self.connect_timeout:g}: needs a positive number of seconds")

    @property
    def remote(self) -> bool:
        """True when reports run outside this process tree (no warm-kernel zygote there)."""
        return self.kind == "dask"


class InlineExecutor(Executor):
    """Runs each call at once, in this process (one worker: no pool to start)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the future carries it, as a pool's would
            fut.set_exception(exc)
        return fut


@contextlib.contextmanager
def dask_executor(scheduler: str | None, jobs: int, *, processes: bool = True,
                  connect_timeout: float = 30.0) -> Iterator[Executor]:
    """A ``concurrent.futures`` executor on a Dask cluster (``scheduler`` address, or a LocalCluster)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # the optional extra: the local executor needs none of it
        raise BuildError("--executor dask needs the optional extra 'dask' "
                         "(.venv/bin/pip install -e '.[dask]', or the package 'distributed')") from None
    with contextlib.ExitStack() as stack:
        try:
            if scheduler:
                client = stack.enter_context(Client(scheduler, timeout=f"{connect_timeout}s"))
            else:
                cluster = stack.enter_context(LocalCluster(n_workers=jobs, threads_per_worker=1,
                                                           processes=processes, dashboard_address=None))
                client = stack.enter_context(Client(cluster))
        except OSError as exc:
            raise BuildError(f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: {exc}") from None
        yield client.get_executor(pure=False)


@contextlib.contextmanager
def executor(spec: ExecutorSpec, jobs: int) -> Iterator[Executor]:
    """The executor of ``spec`` with ``jobs`` workers (a Dask cluster brings its own)."""
    if spec.kind == "dask":
        with dask_executor(spec.scheduler, jobs, connect_timeout=spec.connect_timeout) as ex:
            yield ex
    elif jobs == 1:
        yield InlineExecutor()
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            yield pool


def build_shipped(fn: Callable[[dict], dict], job: dict) -> dict:
    """Run ``fn(job)`` with a private staging folder and return its result with the files it wrote."""
    with tempfile.TemporaryDirectory(prefix="magnet-worker-") as tmp:
        result = fn(dict(job, staging=tmp))
        result["files"] = {p.name: p.read_bytes() for p in Path(tmp).iterdir()
                           if p.is_file() and p.name.startswith(job["name"] + ".")}
        data = Path(tmp) / f"{job['name']}.data"   # the report's CSVs (pipeline.render.bulletin.data_dir_name)
        if data.is_dir():
            result["files"].update({f"{data.name}/{p.name}": p.read_bytes() for p in data.iterdir() if p.is_file()})
    return result


def _land(result: dict, staging: Path) -> dict:
    """Write the files a remote worker sent back into the build's staging folder."""
    for fname, data in (result.pop("files", None) or {}).items():
        folder, _, name = fname.rpartition("/")
        # never outside the staging folder: a file, or a file of the report's own data folder
        if Path(name).name != name or name in ("", ".", "..") or (
                folder and (folder != f"{result.get('name')}.data" or Path(folder).name != folder)):
            continue
        (staging / folder).mkdir(exist_ok=True)
        tmp = staging / (fname + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, staging / fname)
    return result


def run_jobs(fn: Callable[[dict], dict], jobs_list: list[dict], jobs: int,
             spec: ExecutorSpec | None = None) -> Iterator[dict]:
    """Yield ``fn(job)`` for every job as each finishes, on the engine of ``spec`` (default: local)."""
    spec = spec or ExecutorSpec()
    with executor(spec, jobs) as ex:
        if spec.remote:
            futures = {ex.submit(build_shipped, fn, job): job for job in jobs_list}
        else:
            futures = {ex.submit(fn, job): job for job in jobs_list}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # the worker died or the cluster lost it: one line for this report
                res = {"name": job["name"], "ok": False,
                       "error": f"report '{job['name']}' failed on the {spec.kind} executor: "
                                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
            if spec.remote:
                res = _land(res, Path(job["staging"]))
            yield res
