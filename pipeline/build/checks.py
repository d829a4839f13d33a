"""Pre-flight checks: what can be known wrong before any kernel starts, as one line each.

The build calls these before its worker pool and kernel zygote start:

- :func:`output_dir` — the output folder can be made and written (a read-only
  ``reports/`` is ``reports/: not writable (Permission denied)``, not a traceback
  about the lock file);
- :func:`as_of` — ``--as-of`` is a month the data cover;
- :func:`report_errors` — each report's parameters resolved by its notebook's
  parameter contract (:mod:`helpers.notebook.contract`: months in range, partners with data,
  claims files present and loadable, whole numbers in range), the very function the
  notebook's setup line runs. A report with a bad parameter fails with one line; the
  others still build, with the normalised values.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from helpers import paths
from helpers.errors import BuildError, MagnetError
from helpers.data.patterns import MONTH_RE

from pipeline.reports.reportset import Report

def _where(path: Path) -> str:
    rel = paths.relative(path)
    return rel if rel.endswith("/") else rel + "/"


def output_dir(out_dir: Path) -> Path:
    """Make ``out_dir`` if needed and prove it writable; BuildError in one line otherwise."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if not out_dir.is_dir():
            raise NotADirectoryError(20, "Not a directory", str(out_dir))
        fd, probe = tempfile.mkstemp(prefix=".write-check-", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
        lock = out_dir / ".build.lock"
        if lock.exists() and not os.access(lock, os.R_OK | os.W_OK):
            raise PermissionError(13, "Permission denied", str(lock))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        what = _where(out_dir)
        if exc.filename and Path(exc.filename).name == ".build.lock":
            what = paths.relative(Path(exc.filename))
        raise BuildError(f"{what}: not writable ({reason})") from None
    return out_dir


def as_of(value: str | None, dataset) -> str | None:
    """``--as-of``: a month ``YYYY-MM`` the data cover."""
    if value is None:
        return None
    from helpers.notebook import params as P  # pandas: only once something is checked, never in a no-op build

    if not MONTH_RE.match(value):
        raise BuildError(f"--as-of {value!r} is not a month YYYY-MM")
    lo, hi = P.first_month(dataset), dataset.latest_month
    if not lo <= value <= hi:
        raise BuildError(f"--as-of {value}: the data cover {lo} to {hi}; choose a month in that range")
    return value


def report(r: Report, parameters: dict, dataset) -> dict:
    """One report's parameters normalised by the notebook's parameter contract (:mod:`helpers.notebook.contract`):
    names to codes, ``latest`` to a month, ``article`` to a date; ParameterError on the first bad one."""
    from helpers.notebook import contract

    return contract.resolve(contract.declared(r.notebook), parameters, dataset, base=r.notebook.parent)


def defaults(r: Report, dataset) -> dict:
    """The report's notebook defaults, normalised ({} when they do not resolve against these data)."""
    try:
        return report(r, {}, dataset)
    except MagnetError:
        return {}


def report_errors(reports: list[Report], parameters: dict[str, dict], dataset) -> tuple[dict, dict[str, str]]:
    """``({report name: normalised parameters}, {report name: one-line error})`` for the reports: the
    normalised values are what the kernel, the edition label and the build use from here on."""
    resolved, errors = {}, {}
    for r in reports:
        try:
            resolved[r.name] = report(r, parameters[r.name], dataset)
        except MagnetError as exc:
            errors[r.name] = f"report '{r.name}': {exc}"
    return resolved, errors
