"""The suite's command server (conftest.run_command): imported once per test worker by a multiprocessing
``forkserver``, which then forks one process per command.

It imports the libraries the commands import (pandas, papermill, nbconvert, WeasyPrint: about 2 s a
process) and no module of the project's own: a forked command imports those itself, from its working
folder and ``PYTHONPATH`` first, so that a command run on a copy of the project (``MAGNET_PROJECT_ROOT``,
its code edited or not) gets the copy's code and data, as a fresh ``python -m`` would.
"""

from __future__ import annotations

import importlib
import os
import sys

# jsonschema's IRI grammar, skipped as pipeline/__init__.py skips it (this server imports no project module)
sys.modules.setdefault("rfc3987_syntax", None)

# papermill's own dependencies but not papermill: importing it loads its engines' entry points, the
# project's among them (0.03 s once these are in). One that is not installed is skipped, not the rest.
LIBRARIES = ("charset_normalizer", "click", "entrypoints", "filelock", "jinja2", "jupyter_client", "nbclient",
             "nbconvert", "nbformat", "numpy", "pandas", "pycountry", "requests", "tenacity", "tqdm", "weasyprint",
             "yaml")
for _name in LIBRARIES:
    try:
        importlib.import_module(_name)
    except ImportError:
        pass

PROJECT = ("helpers", "pipeline")


def main(module: str, argv: list[str], environ: dict, cwd: str, out: str, err: str) -> None:
    """In the forked process: ``python -m MODULE ARGV`` in ``cwd`` with ``environ``, its output in the files
    ``out`` and ``err``, default signal handling; the process exits with the command's code."""
    import runpy
    import signal
    import warnings

    code = 1
    try:
        for path, fd in ((out, 1), (err, 2)):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(f, fd)
            os.close(f)
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
        loaded = sorted(m for m in sys.modules if m.partition(".")[0] in PROJECT)
        if loaded:  # they would be the working tree's, whatever cwd and PYTHONPATH say
            raise RuntimeError(f"the command server imported project modules: {', '.join(loaded)}")
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environ)
        # sys.path as `python -m` makes it: the working folder, then PYTHONPATH, then the rest
        extra = [cwd] + [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        sys.path[:] = extra + [p for p in sys.path if p and p not in extra and p != os.path.dirname(__file__)]
        if environ.get("PYTHONWARNINGS") == "ignore":
            warnings.simplefilter("ignore")
        sys.argv = [module, *argv]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code or 0)
