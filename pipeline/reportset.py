"""The report set: ``reports.yaml`` read and checked, and each report's parameters resolved.

A report is a notebook, its parameters and an output name. Everything here runs
before any kernel starts, so a mistake in the set is one line naming the entry.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from helpers import contract, paths
from helpers.errors import BuildError
from helpers.patterns import MONTH_RE

#: The parameter value meaning "the latest month with data".
LATEST = "latest"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ENTRY_KEYS = ("name", "notebook", "parameters", "sweep")
#: What a sweep can run over (``values:`` lists the values instead).
SWEEP_OVER = ("top_destinations", "destinations", "months")
SWEEP_KEYS = ("parameter", "over", "values", "n", "month", "from", "to")


@dataclass(frozen=True)
class Report:
    """One entry of the report set: a notebook, its parameters and an output name.

    ``sweep`` (None for a plain report) makes the entry a template that
    :func:`expand_sweeps` turns into one report per value.
    """

    name: str
    notebook: Path
    parameters: dict
    sweep: dict | None = None


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


def _check_sweep(sweep, at: str) -> dict:
    """A sweep mapping, checked: see the header of reports.yaml for the schema."""
    def fail(msg):
        raise BuildError(f"{at}: sweep {msg} (see the header of reports.yaml)")

    if not isinstance(sweep, dict):
        fail("must be a mapping, e.g. {parameter: partner, over: top_destinations, n: 10, month: latest}")
    unknown = [k for k in sweep if k not in SWEEP_KEYS]
    if unknown:
        fail(f"has an unknown key '{unknown[0]}'; allowed: {', '.join(SWEEP_KEYS)}")
    if not isinstance(sweep.get("parameter"), str) or not sweep["parameter"]:
        fail("needs 'parameter': the name of the parameter that takes each value")
    over, values = sweep.get("over"), sweep.get("values")
    if (over is None) == (values is None):
        fail(f"needs either 'over' ({', '.join(SWEEP_OVER)}) or 'values' (a list), not both")
    if values is not None and (not isinstance(values, list) or not values
                               or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values)):
        fail("'values' must be a non-empty list of strings or numbers")
    if over is not None and over not in SWEEP_OVER:
        fail(f"'over: {over}' is not one of {', '.join(SWEEP_OVER)}")
    n = sweep.get("n", 10)
    if over == "top_destinations" and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 500):
        fail(f"'n: {n}' must be a whole number from 1 to 500")
    for key in ("month", "from", "to"):
        v = sweep.get(key)
        if v is not None and v != LATEST and not (isinstance(v, str) and MONTH_RE.match(v)):
            fail(f"'{key}: {v}' must be a month YYYY-MM or '{LATEST}'")
    if over == "months" and not sweep.get("from"):
        fail("over months needs 'from: YYYY-MM' (and optionally 'to', default latest)")
    return dict(sweep)


def sweep_values(sweep: dict, dataset, as_of: str | None = None) -> list:
    """The values a sweep runs over, resolved against the data (``latest`` = ``as_of`` or the latest month)."""
    over = sweep.get("over")
    if over is None:
        return list(sweep["values"])
    latest = as_of or dataset.latest_month

    def month(key, default=LATEST):
        v = sweep.get(key, default)
        return latest if v == LATEST else v

    if over == "top_destinations":
        from helpers.compare import top_destination_codes

        return top_destination_codes(dataset, month("month"), int(sweep.get("n", 10)))
    if over == "destinations":
        from helpers.params import partners_with_tonnage

        return partners_with_tonnage(dataset)
    from helpers.series import month_range

    return month_range(month("from"), month("to"))


def expand_sweeps(reports: list[Report], dataset=None, as_of: str | None = None,
                  cache: Path | None = None) -> list[Report]:
    """Each sweep entry replaced by one report per value, in place in the list; plain entries kept.

    The name is the entry's name with ``{PARAMETER}`` replaced by the value, lowercased
    (``destinations-{partner}`` -> ``destinations-us``), or the value appended after a
    ``-`` when the name has no placeholder. The data are loaded only when a sweep needs them.
    A name that collides with another report's is an error naming both.

    ``cache`` (a JSON file; the build's is ``reports/.state/sweeps.cache``) keeps the values of
    each sweep over the data, keyed by the hash of everything they are computed from (the data
    files, ``helpers/``, the sweep and ``as_of``: :func:`pipeline.staleness.shared_inputs_hash`),
    so that a build whose inputs did not change loads no data to learn its report names. A
    changed data file or helper changes the key: the values are computed again.
    """
    if not any(r.sweep for r in reports):
        return list(reports)
    cached = _SweepCache(cache) if cache is not None and dataset is None else None
    out: list[Report] = []
    for r in reports:
        if not r.sweep:
            out.append(r)
            continue
        param = r.sweep["parameter"]
        values = cached.get(r.sweep, as_of) if cached is not None else None
        if values is None:
            if dataset is None and r.sweep.get("over") is not None:
                from helpers.data import load_dataset

                dataset = load_dataset()
            values = sweep_values(r.sweep, dataset, as_of)
            if cached is not None:
                cached.put(r.sweep, as_of, values)
        placeholder = "{" + param + "}"
        for v in values:
            text = str(v).lower()
            name = r.name.replace(placeholder, text) if placeholder in r.name else f"{r.name}-{text}"
            check_name(name, f"report '{r.name}' (sweep value {v!r})")
            out.append(Report(name=name, notebook=r.notebook, parameters={**r.parameters, param: v}))
    if cached is not None:
        cached.save()
    seen: dict[str, Report] = {}
    for r in out:
        if r.name in seen:
            raise BuildError(f"report set: two reports are named '{r.name}' once sweeps are expanded; "
                             "rename one (a sweep's name can hold {PARAMETER})")
        seen[r.name] = r
    return out


class _SweepCache:
    """The values of sweeps over the data, keyed by the hash of their inputs (see :func:`expand_sweeps`)."""

    def __init__(self, path: Path):
        import json

        self.path, self.used, self._shared = Path(path), {}, None
        try:
            self.stored = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(self.stored, dict):
                self.stored = {}
        except (OSError, ValueError):
            self.stored = {}

    def _key(self, sweep: dict, as_of: str | None) -> str:
        import hashlib
        import json

        if self._shared is None:
            from .staleness import shared_inputs_hash

            self._shared = shared_inputs_hash()
        spec = json.dumps({"sweep": sweep, "as_of": as_of, "inputs": self._shared}, sort_keys=True)
        return hashlib.sha256(spec.encode()).hexdigest()

    def get(self, sweep: dict, as_of: str | None) -> list | None:
        if sweep.get("over") is None:  # a list of values: nothing to remember
            return list(sweep["values"])
        key = self._key(sweep, as_of)
        values = self.stored.get(key)
        if isinstance(values, list):
            self.used[key] = values
            return list(values)
        return None

    def put(self, sweep: dict, as_of: str | None, values: list) -> None:
        if sweep.get("over") is not None and all(isinstance(v, str) for v in values):
            self.used[self._key(sweep, as_of)] = [str(v) for v in values]

    def save(self) -> None:
        """Keep the entries this expansion used (only those), when they changed; a cache that cannot
        be written is no error."""
        import json
        import os

        if self.used == self.stored:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.used, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass


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
        try:  # libyaml's parser when PyYAML has it (ten times faster); the same documents, the same values
            doc = yaml.load(text, Loader=yaml.CSafeLoader)
        except AttributeError:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:  # the pure-Python parser's message, whichever parser found the mistake
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
        sweep = entry.get("sweep")
        raw_name = entry.get("name")
        if sweep is not None:  # a template: its name may hold {PARAMETER}, checked once filled in
            sweep = _check_sweep(sweep, f"{at} ('{raw_name}')")
            check_name(str(raw_name).replace("{" + sweep["parameter"] + "}", "x"), at)
            name = str(raw_name)
        else:
            name = check_name(raw_name, at)
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
        if sweep is not None and sweep["parameter"] in params:
            raise BuildError(f"{at}: parameter '{sweep['parameter']}' is both set and swept; drop it from "
                             "'parameters'")
        reports.append(Report(name=name, notebook=nb_path, parameters=_plain(params),
                              sweep=_plain(sweep) if sweep is not None else None))
    return reports


# --------------------------------------------------------------------------- what changed
def resolve_parameters(report: Report, latest_month: str, as_of: str | None = None) -> dict:
    """The report's parameters by name, checked against what its notebook declares (the parameter
    contract, :func:`helpers.contract.declared`), with ``latest`` made a month.

    Runs before anything is executed: an unknown name is a ParameterError naming the report, the
    parameter and the allowed ones. ``latest`` (given, or the notebook's default) becomes ``as_of``
    when given, else the latest month. Kinds and values are checked against the data next
    (:func:`pipeline.checks.report_errors`).
    """
    declared = contract.declared(report.notebook)
    contract.unknown(report.parameters, declared, f"report '{report.name}': {paths.relative(report.notebook)}")
    month = as_of or latest_month
    given = {name: report.parameters.get(name, p.default) for name, p in declared.items()}
    return {k: (month if v == LATEST and declared[k].kind == "month" else v) for k, v in given.items()}


def uses_latest(report: Report) -> bool:
    """Whether the report follows the data: a month parameter is ``latest``, given or by default."""
    return contract.uses_latest(report.parameters, contract.declared(report.notebook))


