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
from helpers.data.patterns import MONTH_RE
from helpers.errors import BuildError, clip, short
from helpers.notebook import contract
from helpers.months import LATEST

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ENTRY_KEYS = ("name", "notebook", "parameters", "sweep")
#: Names the site's own pages and folders take (``index.html``, ``technical.html``, ``feed.xml``, ``data/``)
#: and the build's own folders: a report named so would be overwritten by them, or overwrite them.
RESERVED_NAMES = ("index", "technical", "feed", "data", "current", "releases")
#: The longest report name: it names files (``NAME.facts.json``, ``NAME.data/``) whose names the file
#: system limits to 255 bytes.
NAME_MAX = 100
#: The most reports one set may have (sweeps expanded): beyond it, pre-flight refuses the set.
MAX_REPORTS = 2000
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
    """An output name: letters, digits, ``_ . -``; never ``..`` or a path separator, at most
    :data:`NAME_MAX` characters, none of :data:`RESERVED_NAMES` (in any case)."""
    if not isinstance(name, str) or not name or ".." in name or "/" in name or "\\" in name \
            or not NAME_RE.match(name):
        raise BuildError(f"{where}: report name {short(name)} is not allowed: letters, digits, '_', '.', '-' "
                         "(no '/', no '..'); it names the output files")
    if len(name) > NAME_MAX:
        raise BuildError(f"{where}: report name {short(name)} is {len(name)} characters long; at most {NAME_MAX}")
    if name.lower() in RESERVED_NAMES:
        raise BuildError(f"{where}: report name {name!r} is reserved for the site's own pages and folders "
                         f"({', '.join(RESERVED_NAMES)}); choose another")
    return name


def check_unique(names, where: str) -> None:
    """Output names must differ in more than case: ``Dup`` and ``dup`` are one file on a case-insensitive
    file system (macOS, Windows, a web server's)."""
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(name.lower(), name)
        if other != name:
            raise BuildError(f"{where}: reports '{other}' and '{name}' differ only by case; output names must "
                             "differ in more than case")


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
        fail(f"has an unknown key {short(unknown[0])}; allowed: {', '.join(SWEEP_KEYS)}")
    if not isinstance(sweep.get("parameter"), str) or not sweep["parameter"]:
        fail("needs 'parameter': the name of the parameter that takes each value")
    over, values = sweep.get("over"), sweep.get("values")
    if (over is None) == (values is None):
        fail(f"needs either 'over' ({', '.join(SWEEP_OVER)}) or 'values' (a list), not both")
    if values is not None and (not isinstance(values, list) or not values
                               or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values)):
        fail("'values' must be a non-empty list of strings or numbers")
    if over is not None and over not in SWEEP_OVER:
        fail(f"'over: {clip(over)}' is not one of {', '.join(SWEEP_OVER)}")
    n = sweep.get("n", 10)
    if over == "top_destinations" and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 500):
        fail(f"'n: {clip(n)}' must be a whole number from 1 to 500")
    for key in ("month", "from", "to"):
        v = sweep.get(key)
        if v is not None and v != LATEST and not (isinstance(v, str) and MONTH_RE.match(v)):
            fail(f"'{key}: {clip(v)}' must be a month YYYY-MM or '{LATEST}'")
    if over == "months" and not sweep.get("from"):
        fail("over months needs 'from: YYYY-MM' (and optionally 'to', default latest)")
    return dict(sweep)


#: The most YAML nodes a report set may expand to, its aliases (``*name``) counted as the nodes they
#: repeat: an "anchor bomb" (each level repeating the one before nine times) is refused before it is built.
MAX_NODES = 200_000


def _expanded_size(text: str, where: str, loader) -> None:
    """Refuse a YAML text whose aliases expand beyond :data:`MAX_NODES` nodes, from its parse events
    (which never expand anything): a node is 1, a collection 1 plus its items, an alias its anchor's size."""
    import yaml

    sizes: dict[str, int] = {}
    stack = [[None, 0]]
    try:
        events = list(yaml.parse(text, Loader=loader))
    except yaml.YAMLError:
        return   # not valid YAML: the loader names the line
    for event in events:
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([event.anchor, 1])
            continue
        if isinstance(event, yaml.ScalarEvent):
            size, anchor = 1, event.anchor
        elif isinstance(event, yaml.AliasEvent):
            size, anchor = sizes.get(event.anchor, 1), None
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, size = stack.pop()
        else:
            continue
        if anchor:
            sizes[anchor] = size
        stack[-1][1] += size
        if stack[0][1] + sum(n for _, n in stack[1:]) > MAX_NODES:
            line = f", line {event.start_mark.line + 1}" if event.start_mark else ""
            raise BuildError(f"{where}{line}: the YAML expands to more than {MAX_NODES:,} values through its "
                             "aliases (*name); write the values out instead")


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
        _expanded_size(text, where, getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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
    if len(doc["reports"]) > MAX_REPORTS:
        raise BuildError(f"{where}: {len(doc['reports']):,} reports; a set holds at most {MAX_REPORTS:,} "
                         "(split it into several sets, built with --config)")
    reports, seen = [], set()
    for i, entry in enumerate(doc["reports"], start=1):
        at = f"{where}, report #{i}"
        if not isinstance(entry, dict):
            raise BuildError(f"{at}: expected a mapping with keys {', '.join(ENTRY_KEYS)}")
        unknown = [k for k in entry if k not in ENTRY_KEYS]
        if unknown:
            raise BuildError(f"{at}: unknown key {short(unknown[0])}; allowed: {', '.join(ENTRY_KEYS)}")
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
            raise BuildError(f"{at}: 'notebook' must be the path of a .ipynb file, got {short(nb)}")
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
    check_unique([r.name for r in reports if r.sweep is None], where)
    return reports


# --------------------------------------------------------------------------- what changed
def resolve_parameters(report: Report, latest_month: str, as_of: str | None = None) -> dict:
    """The report's parameters by name, checked against what its notebook declares (the parameter
    contract, :func:`helpers.notebook.contract.declared`), with ``latest`` made a month.

    Runs before anything is executed: an unknown name is a ParameterError naming the report, the
    parameter and the allowed ones. ``latest`` (given, or the notebook's default) becomes ``as_of``
    when given, else the latest month. Kinds and values are checked against the data next
    (:func:`pipeline.build.checks.report_errors`).
    """
    declared = contract.declared(report.notebook)
    contract.unknown(report.parameters, declared, f"report '{report.name}': {paths.relative(report.notebook)}")
    return contract.pin_latest(report.parameters, declared, as_of or latest_month)


def uses_latest(report: Report) -> bool:
    """Whether the report follows the data: a month parameter is ``latest``, given or by default."""
    return contract.uses_latest(report.parameters, contract.declared(report.notebook))


