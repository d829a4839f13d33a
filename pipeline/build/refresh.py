"""Re-execute the committed notebooks in place with their defaults (``make execute-notebooks``).

The notebooks in ``notebooks/`` are committed *with* their outputs: nbval
(``tests/test_nbval.py``) re-runs them and compares the cells marked
``# NBVAL_CHECK_OUTPUT`` (the key numbers) with the committed outputs. After a
deliberate change to the data or the helpers, refresh the outputs with::

    python -m pipeline.build.refresh            # every notebook
    python -m pipeline.build.refresh 01 03      # those whose name starts with 01 or 03

and review the diff of the checked cells before committing. They run the way every report runs (:func:`pipeline.build.execute.execute_report`:
papermill's ``magnet`` engine), so the committed notebooks carry their ``{eval}``
facts as ``user_expressions`` and a notebook viewer shows the story with its numbers;
the chapters the defaults do not show stay in the notebook, each saying why it is not
in the report. Papermill's run-specific metadata (timestamps, durations) is stripped
so that a refresh changes only what the data changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import papermill

from helpers import paths

KERNEL = "python3"


def strip_run_metadata(path: Path) -> None:
    """Remove papermill's timestamps and durations, and execution counts' noise, from a notebook."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("magnet", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)


def refresh_notebook(path: Path) -> None:
    """Execute one notebook in place with its default parameters, from ``notebooks/``."""
    import os
    import tempfile

    from pipeline.build.execute import execute_report

    # executed beside it and moved over it only when it ran through: a failed run leaves the notebook as it was
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".ipynb", dir=path.parent)
    os.close(fd)
    try:
        execute_report(path, Path(tmp), {}, cwd=paths.NOTEBOOKS, kernel_name=KERNEL, keep_hidden_chapters=True)
        strip_run_metadata(Path(tmp))
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def notebooks(prefixes: list[str] | None = None) -> list[Path]:
    """The committed notebooks, optionally only those whose name starts with one of ``prefixes``."""
    found = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if prefixes:
        found = [p for p in found if any(p.name.startswith(x) for x in prefixes)]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.build.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="refresh only notebooks whose file name starts with these (e.g. 01)")
    args = parser.parse_args(argv)
    todo = notebooks(args.only)
    if not todo:
        print("error: no notebook matches " + " ".join(args.only), file=sys.stderr)
        return 1
    for path in todo:
        print(f"executing {paths.relative(path)}", flush=True)
        try:
            refresh_notebook(path)
        except papermill.PapermillExecutionError as exc:
            print(f"error: {paths.relative(path)}: cell {exc.exec_count}: {exc.ename}: {exc.evalue}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
