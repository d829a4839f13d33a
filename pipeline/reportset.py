"""The report set: ``reports.yaml`` read and checked, and each report's parameters resolved.

A report is a notebook, its parameters and an output name. Everything here runs
before any kernel starts, so a mistake in the set is one line naming the entry.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from helpers import paths
from helpers.errors import BuildError, ParameterError

#: The parameter value meaning "the latest month with data".
LATEST = "latest"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ENTRY_KEYS = ("name", "notebook", "parameters")


@dataclass(frozen=True)
class Report:
    """One entry of the report set: a notebook, its parameters and an output name."""

    name: str
    notebook: Path
    parameters: dict


# --------------------------------------------------------------------------- the report set


def check_name(name, where: str) -> str:
    """An output name: letters, digits, ``_ . -``; never ``..`` or a path separator."""
    if not isinstance(name, str) or not name or ".." in name or "/" in name or "\\" in name \
            or not NAME_RE.match(name):
        raise BuildError(f"{where}: report name {name!r} is not allowed: letters, digits, '_', '.', '-' "
                         "(no '/', no '..'); it names the output files")
    return name


def _plain(value):
    """YAML values as JSON-able Python (dates become ISO text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def load_report_set(path: Path | None = None) -> list[Report]:
    """Read and check a report set (``reports.yaml``); notebook paths are relative to its folder."""
    import yaml

    path = Path(path or paths.REPORT_SET)
    where = paths.relative(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildError(f"{where}: cannot read the report set ({exc.strerror})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BuildError(f"{where}{line}: not valid YAML ({problem})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("reports"), list) or not doc["reports"]:
        raise BuildError(f"{where}: expected a mapping with a non-empty list 'reports:' "
                         "(each item: name, notebook, parameters)")
    reports, seen = [], set()
    for i, entry in enumerate(doc["reports"], start=1):
        at = f"{where}, report #{i}"
        if not isinstance(entry, dict):
            raise BuildError(f"{at}: expected a mapping with keys {', '.join(ENTRY_KEYS)}")
        unknown = [k for k in entry if k not in ENTRY_KEYS]
        if unknown:
            raise BuildError(f"{at}: unknown key '{unknown[0]}'; allowed: {', '.join(ENTRY_KEYS)}")
        name = check_name(entry.get("name"), at)
        at = f"{where}, report '{name}'"
        if name in seen:
            raise BuildError(f"{at}: the name is used twice (output names must be unique)")
        seen.add(name)
        nb = entry.get("notebook")
        if not isinstance(nb, str) or not nb.endswith(".ipynb"):
            raise BuildError(f"{at}: 'notebook' must be the path of a .ipynb file, got {nb!r}")
        nb_path = (path.parent / nb).resolve()
        if not nb_path.is_file():
            raise BuildError(f"{at}: notebook {nb} does not exist")
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            raise BuildError(f"{at}: 'parameters' must be a mapping of name: value")
        reports.append(Report(name=name, notebook=nb_path, parameters=_plain(params)))
    return reports


# --------------------------------------------------------------------------- what changed
def _default_is_latest(default) -> bool:
    return isinstance(default, str) and default.strip() in (f'"{LATEST}"', f"'{LATEST}'")


def resolve_parameters(report: Report, latest_month: str, as_of: str | None = None) -> dict:
    """Check the report's parameters against its notebook's and resolve ``latest``.

    Runs before anything is executed: an unknown name is a ParameterError naming
    the report, the parameter and the allowed ones. ``latest`` (given, or the
    notebook's default) becomes ``as_of`` when given, else the latest month.
    """
    import papermill as pm

    declared = pm.inspect_notebook(str(report.notebook))
    rel = paths.relative(report.notebook)
    for key, value in report.parameters.items():
        if key not in declared:
            allowed = ", ".join(declared) or "none (the notebook has no cell tagged 'parameters')"
            raise ParameterError(key, value, f"report '{report.name}': not a parameter of {rel}; "
                                 f"allowed: {allowed}")
    month = as_of or latest_month
    params = {k: (month if v == LATEST else v) for k, v in report.parameters.items()}
    for key, info in declared.items():
        if key not in params and _default_is_latest(info.get("default")):
            params[key] = month
    return params


