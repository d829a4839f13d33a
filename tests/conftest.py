"""Shared fixtures.

The suite runs on parallel workers (pytest-xdist, ``make test``). A build that many tests only read
(:func:`built_fixture_reports`, :func:`built_default_reports`, the notebook runs of test_notebooks) is
made once per session, whichever worker asks first, under a file lock in a folder every worker sees
(:func:`shared_once`); the others wait for it and read it. Tests that build over published reports
take a private copy (:func:`published`).
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]

# One thread for BLAS and OpenMP in every process of the suite, as the build gives its kernels
# (pipeline.build.executors.ONE_THREAD): two workers on two cores, each with a BLAS pool of a thread per
# core, wait for one another. Set before any test imports numpy; a value set outside is kept.
from pipeline.build.executors import ONE_THREAD  # noqa: E402

for _name, _value in ONE_THREAD.items():
    os.environ.setdefault(_name, _value)

# Bytecode caches, Python's default, even where the environment turns them off (PYTHONDONTWRITEBYTECODE,
# as on the machine this suite was timed on): the suite starts about 150 Python processes that import
# the project, and without a cache each compiles it again (0.1 s a command; a worker's collection 4.3 s
# against 2.4 s with pytest's rewritten test modules cached). They go to __pycache__ folders, which git
# ignores; the test workers and every command they start inherit this.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# --------------------------------------------------------------------------- built once, read by every worker


def shared_once(tmp_path_factory, worker_id: str, name: str, make) -> tuple[Path, dict]:
    """``(folder, result)``: ``make(folder)`` run once per session across all xdist workers.

    ``make`` fills ``folder`` and returns a JSON-able result. The first worker to get here runs
    it under a file lock; the others wait on the lock and read the same folder and result. A
    ``make`` that raises leaves no result, so each worker that asks tries again (and fails the
    same way)."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # every worker's base is a sibling under the session's folder
        base = base.parent
    folder = base / f"shared-{name}"
    done = base / f"shared-{name}.json"
    with FileLock(str(base / f"shared-{name}.lock")):
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            result = make(folder)
            done.write_text(json.dumps(result), encoding="utf-8")
    return folder, json.loads(done.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- build and browser tests

BUILD_FIXTURES = ROOT / "tests" / "fixtures" / "build"
#: A frozen copy of data/ (tests/fixtures/data/README.md): unit and golden-prose tests read it, so a new
#: month of live data changes no test.
FROZEN_DATA = ROOT / "tests" / "fixtures" / "data"


@pytest.fixture(scope="session")
def frozen():
    """The frozen dataset (latest month March 2026), for tests of exact values and sentences."""
    from helpers.data.dataset import load_dataset

    return load_dataset(FROZEN_DATA)


def write_report_set(folder: Path, reports: dict[str, dict], name: str = "set.yaml") -> Path:
    """A report set of the fixture notebook: ``{report name: parameters}``."""
    import yaml

    doc = {"reports": [{"name": n, "notebook": str(BUILD_FIXTURES / "report.ipynb"), "parameters": p}
                       for n, p in reports.items()]}
    path = Path(folder) / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def run_command(module: str, *args, timeout: float = 600, env: dict | None = None,
                cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m MODULE ARGS`` in a process of its own, as a user runs it; ``env``: extra variables.

    The process is forked from this worker's command server (:mod:`_forked`): a clean interpreter that
    imported the commands' libraries once (pandas, papermill, nbconvert, WeasyPrint: 2 s a process) and
    none of the project's modules, so that each command imports the project from ``cwd`` and
    ``PYTHONPATH`` (a copy of the project, ``MAGNET_PROJECT_ROOT``) as a fresh ``python -m`` does. It has
    its own stdout, stderr, environment, working folder and default signal handling; its exit code is the
    command's (minus the signal that killed it)."""
    import tempfile

    argv = list(map(str, args))
    environ = dict(os.environ, PYTHONWARNINGS="ignore", **(env or {}))
    with tempfile.TemporaryDirectory() as tmp:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        proc = _command_server().Process(target=_forked_main(), args=(module, argv, environ, str(cwd), str(out), str(err)))
        proc.start()
        proc.join(timeout)
        if proc.exitcode is None:
            proc.kill()
            proc.join()
            raise subprocess.TimeoutExpired([module, *argv], timeout)
        return subprocess.CompletedProcess([module, *argv], proc.exitcode,
                                           out.read_text(encoding="utf-8", errors="replace"),
                                           err.read_text(encoding="utf-8", errors="replace"))


def run_build(*args, **kw) -> subprocess.CompletedProcess:
    """``magnet-build --no-progress ARGS`` (:func:`run_command`)."""
    return run_command("pipeline.build.cli", "--no-progress", *args, **kw)


_SERVER = []


def _command_server():
    """A multiprocessing ``forkserver`` context whose server imported :mod:`_forked` (one per worker)."""
    if not _SERVER:
        import multiprocessing

        from multiprocessing import forkserver

        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["_forked"])
        # The server is a fresh `python -c` that multiprocessing does not give this process's sys.path
        # (Python 3.11), and a module it cannot import is skipped in silence: it finds tests/ through
        # PYTHONPATH (test_the_command_server_imported_the_libraries checks that it did)
        saved = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent)] + ([saved] if saved else []))
        try:
            forkserver.ensure_running()
        finally:
            if saved is None:
                os.environ.pop("PYTHONPATH")
            else:
                os.environ["PYTHONPATH"] = saved
        _SERVER.append(ctx)
    return _SERVER[0]


def _forked_main():
    import _forked

    return _forked.main


#: Two fixture reports; ``alpha``'s greeting carries markup that must render as text.
FIXTURE_SET = {"alpha": {"greeting": "hi <script>alert(1)</script>", "as_of": "latest"}, "beta": {}}


def _proc(proc: subprocess.CompletedProcess) -> dict:
    return {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


@pytest.fixture(scope="session")
def built_fixture_reports(tmp_path_factory, worker_id):
    """The fixture report set, built once per session (shared by the workers; read it, never write
    into it): ``out``, ``config``, ``proc``, ``names``."""

    def make(folder: Path) -> dict:
        config = write_report_set(folder, FIXTURE_SET)
        proc = run_build("--config", config, "--output-dir", folder / DEEP / "out")
        assert proc.returncode == 0, proc.stderr
        return _proc(proc)

    folder, proc = shared_once(tmp_path_factory, worker_id, "fixture-reports", make)
    return SimpleNamespace(out=folder / DEEP / "out", config=folder / "set.yaml", proc=SimpleNamespace(**proc),
                           names=list(FIXTURE_SET))


#: A folder name that puts the fixture build's staging folder deeper than a Unix socket address may be
#: (107 bytes), as a long project path would: its reports must still run in warm kernels.
DEEP = "a-folder-deep-enough-that-the-zygote-socket-path-passes-107-bytes"


#: The build time of the session's default build (reproducible builds): 2026-01-01 00:00 UTC.
EPOCH = "1767225600"


@pytest.fixture(scope="session")
def built_default_reports(tmp_path_factory, worker_id):
    """The default report set (reports.yaml), built once per session into a temporary folder (shared
    by the workers; read it, never write into it), with ``SOURCE_DATE_EPOCH`` = :data:`EPOCH` so that
    another build of one of its reports can be compared with it byte for byte."""
    import yaml

    doc = yaml.safe_load((ROOT / "reports.yaml").read_text(encoding="utf-8"))
    missing = sorted({r["notebook"] for r in doc["reports"] if not (ROOT / r["notebook"]).is_file()})
    assert not missing, f"reports.yaml names notebooks that are not there: {', '.join(missing)}"

    def make(folder: Path) -> dict:
        proc = run_build("--output-dir", folder / "out", timeout=900, env={"SOURCE_DATE_EPOCH": EPOCH})
        assert proc.returncode == 0, proc.stderr
        return _proc(proc)

    folder, proc = shared_once(tmp_path_factory, worker_id, "default-reports", make)
    return SimpleNamespace(out=folder / "out", proc=SimpleNamespace(**proc), names=[r["name"] for r in doc["reports"]])


@pytest.fixture
def published(built_fixture_reports, tmp_path):
    """A private copy of the built fixture reports (with their state), brought up to date, to build over:
    ``(out, config)``."""
    out = tmp_path / "out"
    shutil.copytree(built_fixture_reports.out, out, symlinks=True)   # the release and its links
    (out / ".build.lock").unlink(missing_ok=True)
    config = write_report_set(tmp_path, FIXTURE_SET)
    # a no-op unless helpers/ or data/ changed since the session build
    proc = run_build("--config", config, "--output-dir", out)
    assert proc.returncode == 0, proc.stderr
    return out, config


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A private copy of the project's code and inputs (helpers/, pipeline/, notebooks/, data/,
    requirements/ (the locks: an input of every report), reports.yaml) for a test that edits them: run the build with ``cwd`` and ``PYTHONPATH`` there and
    ``MAGNET_PROJECT_ROOT`` pointing at it, and the working tree stays untouched."""
    root = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", ".import-*")
    for name in ("helpers", "pipeline", "notebooks", "data", "requirements"):
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    shutil.copy2(ROOT / "reports.yaml", root / "reports.yaml")
    return root


class _WarmKernel:
    """This worker's kernel zygote (pipeline.build.kernels), started on first use: ``name()`` is the kernel name
    to execute with, its kernelspec on ``JUPYTER_PATH`` for this process and the processes it starts."""

    def __init__(self, tmp_path_factory, stack):
        self._factory, self._stack, self._name = tmp_path_factory, stack, None

    def name(self) -> str:
        if self._name is None:
            from pipeline.build.kernels import notebook_imports, warm_kernels
            from pipeline.build.refresh import notebooks

            modules = notebook_imports(notebooks())
            self._name = self._stack.enter_context(warm_kernels(self._factory.mktemp("zygote"), modules))()
        return self._name


@pytest.fixture(scope="session")
def warm_kernel(tmp_path_factory):
    """Kernels forked from a zygote that has imported what the notebooks import and loaded the data,
    as the build's are (for the project as it is: a test on a copy of the data starts its kernels cold)."""
    import contextlib

    with contextlib.ExitStack() as stack:
        yield _WarmKernel(tmp_path_factory, stack)


# --------------------------------------------------------------------------- tiers

#: Fixtures that build reports or execute notebooks: a test using one is ``slow`` (not in ``make test-fast``).
BUILDING_FIXTURES = {"built_fixture_reports", "built_default_reports", "published", "project_copy", "runs",
                     "warm_kernel"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BUILDING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    # The default build is the suite's longest step. The first test that reads it goes first: its worker
    # starts the build at once, while the other workers run tests that do not wait for it (xdist hands
    # each worker a run of the list, then they steal from the end of each other's). The readers that make
    # something of their own from it (run a notebook, build, import: 2-10 s each) follow it, longest
    # first, on the same worker, which has the build by then; those that only read it go last, so that
    # the session ends on short tests (the last two queued on a worker cannot be stolen). What a test
    # makes is read from the arguments it asks for itself (item.fixturenames also holds what its
    # fixtures ask for: every reader's fixture uses tmp_path_factory).
    readers = [item for item in items if "built_default_reports" in getattr(item, "fixturenames", ())]
    if readers:
        first, later = readers[0], {id(item) for item in readers[1:]}
        makes = {"refreshed", "warm_kernel", "tmp_path", "tmp_path_factory"}
        own = {id(item): set(inspect.signature(item.function).parameters) for item in readers[1:]}
        makers = sorted((item for item in readers[1:] if makes & own[id(item)]),
                        key=lambda item: "refreshed" not in own[id(item)])
        reading = [item for item in readers[1:] if not makes & own[id(item)]]
        items[:] = [first] + makers + [item for item in items if item is not first and id(item) not in later] + reading


# --------------------------------------------------------------------------- headless Chromium

#: Debian's headless Chromium: the headless shell (package chromium-headless-shell, the same Blink without
#: the browser's own interface: the JupyterLab and page tests take 31-32 CPU-s against 34-36) when
#: installed, else the browser (package chromium) in its headless mode.
CHROMIUMS = (Path("/usr/bin/chromium-headless-shell"), Path("/usr/bin/chromium"))
CHROMIUM = next((p for p in CHROMIUMS if p.exists()), CHROMIUMS[-1])
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


def require_chromium() -> None:
    """Skip without Debian's chromium (fail in CI, which must run the browser tests)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through playwright, one per test worker that needs one (each test opens and
    closes its own pages)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
