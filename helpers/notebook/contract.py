"""The parameter contract: each notebook declares its parameters once, and they are resolved once.

A notebook's cell tagged ``parameters`` declares every parameter on one line, with its
*kind* as the annotation and its help as the comment::

    as_of: "month" = "2025-06"          # last month of data shown (YYYY-MM, or latest)
    focus_partner: "partner" = "US"     # destination set against the total (code or name)
    as_known_on: "date" = ""            # the data as known on this date (YYYY-MM-DD)
    horizon: "integer[1, 24]" = 6       # months projected after as_of

``papermill --help-notebook`` lists them with their kinds. The kinds:

========================  ======================================================================
``month``                 ``YYYY-MM`` within the data as known on the ``date``, or ``latest`` (the
                          latest month with data); ``month[on_file]``: within all the data on file
``partner``               a destination with tonnage data: ISO code, name or alias -> its code
``date``                  ``YYYY-MM-DD``: the data as known on that day; ``""`` for all on file;
                          ``article`` (with a ``claims`` parameter): the article's publication day;
                          ``date[WORD, ...]``: also these words, left for the notebook to resolve
``claims``                a claims file (``data/claims/README.md``), relative to ``notebooks/``
``integer[LO, HI]``       a whole number from LO to HI
``choice[A, B, ...]``     one of the names listed
``scenarios``             ``{name: months to return to the 2024 level, or None}``
``text``                  any non-empty text
``boolean``               True or False
========================  ======================================================================

:func:`resolve` turns given values into normalised ones (names to codes, ``latest``
to a month, ``article`` to a date) or raises one :class:`~helpers.errors.ParameterError`
naming the parameter and what is allowed. The build calls it before any kernel starts
(:func:`declared` reads a notebook's declarations without running it), passes the
normalised values to the kernel, and labels, stales and sweeps with them; the
notebook's one setup line, ``dataset = setup(globals())``, calls it again on what it
was given (the normalised values resolve to themselves), so a notebook run from
JupyterLab or plain papermill gets the same checks.

:func:`chapter` is the rule that shows a chapter of the story only for some
parameters; it sits in the chapter's own Markdown, where the researcher sees it.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from helpers.months import LATEST, pin_latest as pin_month
from helpers.errors import ParameterError

_KIND_RE = re.compile(r"^\s*(?P<kind>[a-z_]+)\s*(?:\[(?P<args>[^\]]*)\])?\s*$")


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its name, kind (with arguments), default and help."""

    name: str
    kind: str
    args: tuple[str, ...] = ()
    default: object = None
    help: str = ""

    @property
    def annotation(self) -> str:
        return self.kind + (f"[{', '.join(self.args)}]" if self.args else "")


def parse_kind(annotation, name: str = "?") -> tuple[str, tuple[str, ...]]:
    """``"integer[1, 24]"`` -> ``("integer", ("1", "24"))``; a ParameterError for an unknown kind."""
    m = _KIND_RE.match(annotation) if isinstance(annotation, str) else None
    if not m or m.group("kind") not in PARAMETER_KINDS:
        raise ParameterError(name, annotation, "a parameter kind in the notebook's parameters cell, one of "
                             + ", ".join(PARAMETER_KINDS) + ' (e.g. as_of: "month" = "latest")')
    args = tuple(a.strip() for a in (m.group("args") or "").split(",") if a.strip())
    return m.group("kind"), args


def parameters_cell(nb: dict) -> tuple[int, str] | None:
    """``(index, source)`` of the notebook's cell tagged ``parameters``, or None."""
    for i, cell in enumerate(nb.get("cells", [])):
        if "parameters" in (cell.get("metadata", {}).get("tags") or []):
            src = cell.get("source", "")
            return i, "".join(src) if isinstance(src, list) else src
    return None


def declarations(source: str, where: str = "the parameters cell") -> dict[str, Parameter]:
    """The parameters a cell's source declares, ``{name: Parameter}``, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError("parameters", where, f"valid Python ({exc.msg}, line {exc.lineno})") from None
    lines = source.splitlines()
    out = {}
    for node in tree.body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            raise ParameterError("parameters", ast.get_source_segment(source, node) or "?",
                                 f'one annotated line per parameter in {where}, e.g. as_of: "month" = "latest"')
        name = node.target.id
        annotation = node.annotation.value if isinstance(node.annotation, ast.Constant) else None
        kind, args = parse_kind(annotation, name)
        default = ast.literal_eval(node.value) if node.value is not None else None
        line = lines[node.lineno - 1]
        comment = line.split("#", 1)[1].strip() if "#" in line[node.end_col_offset:] else ""
        out[name] = Parameter(name, kind, args, default, comment)
    return out


def declared(notebook: Path) -> dict[str, Parameter]:
    """What ``notebook`` declares in its ``parameters`` cell (read as JSON: nothing is run or imported).

    Read once per version of the file (a set of thousands of reports of one notebook parses it once)."""
    try:
        st = os.stat(notebook)
    except OSError:
        return _declared(str(notebook), 0, 0)   # the error, as reading it gives it
    return dict(_declared(str(notebook), st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=64)
def _declared(notebook: str, _mtime: int, _size: int) -> dict[str, Parameter]:
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cell = parameters_cell(nb)
    if cell is None:
        return {}
    return declarations(cell[1], f"the parameters cell of {Path(notebook).name}")


def uses_latest(given: dict, params: dict[str, Parameter]) -> bool:
    """Whether a report's months follow the data: some month parameter is ``latest``, given or by default."""
    return any(p.kind == "month" and given.get(name, p.default) == LATEST for name, p in params.items())


def pin_latest(given: dict, params: dict[str, Parameter], month: str) -> dict:
    """Every declared parameter's given value (or default), each month parameter's ``latest`` made ``month``."""
    values = {name: given.get(name, p.default) for name, p in params.items()}
    return {k: (pin_month(v, month) if params[k].kind == "month" else v) for k, v in values.items()}


def unknown(given: dict, params: dict[str, Parameter], where: str) -> None:
    """A ParameterError for the first given name the notebook does not declare."""
    for name, value in given.items():
        if name not in params:
            allowed = ", ".join(params) or "none (the notebook has no cell tagged 'parameters')"
            raise ParameterError(name, value, f"not a parameter of {where}; allowed: {allowed}")


@dataclass
class Resolving:
    """What resolving one notebook's parameters knows so far: all the data, the data as known on the
    first date parameter (months and partners are checked against it), the folder relative paths start
    from, and the claims file's table once read."""

    all_data: object
    dataset: object
    base: Path | None = None
    claims_table: object = None


#: The parameter kinds, in resolution order (a later kind may depend on an earlier one: a date on the
#: claims file, months and partners on the data as known on the date): kind -> a function
#: ``(name, value, parameter, state: Resolving) -> normalised value`` raising ParameterError on a bad one.
#: A new kind is one function registered with :func:`parameter_kind`.
PARAMETER_KINDS: dict = {}


def parameter_kind(kind: str):
    """Register the checker of one parameter kind (in resolution order)."""
    def register(check):
        PARAMETER_KINDS[kind] = check
        return check
    return register


def _params():
    from helpers.notebook import params as P

    return P


@parameter_kind("claims")
def _claims(name, v, p, state):
    state.claims_table = _params().check_claims_file(name, v, state.base)
    return v


@parameter_kind("date")
def _date(name, v, p, state):
    if v == "article" and state.claims_table is not None and "article" not in p.args:
        ids = set(state.claims_table.source_id) - {""}
        published = state.all_data.sources[state.all_data.sources.source_id.isin(ids)].published
        v = min(published, default="")
    if v in p.args:  # a word the notebook itself resolves ("article", "release")
        return v
    if v == "article":
        raise ParameterError(name, v, "a date YYYY-MM-DD, or '' for everything on file "
                             "('article' needs a claims parameter)")
    out = _params().check_known_on(name, v, state.all_data)
    if out and state.dataset is state.all_data:  # months are checked against the first date's data
        state.dataset = state.all_data.known_on(out)
    return out


@parameter_kind("month")
def _month(name, v, p, state):
    return _params().check_month(name, v, state.all_data if "on_file" in p.args else state.dataset)


@parameter_kind("partner")
def _partner(name, v, p, state):
    return _params().check_partner(name, v, state.dataset)


@parameter_kind("integer")
def _integer(name, v, p, state):
    lo, hi = (int(a) for a in p.args) if len(p.args) == 2 else (-(10 ** 9), 10 ** 9)
    return _params().check_int(name, v, lo, hi)


@parameter_kind("choice")
def _choice(name, v, p, state):
    return _params().check_choice(name, v, p.args)


@parameter_kind("scenarios")
def _scenarios(name, v, p, state):
    return _params().check_scenarios(name, v)


@parameter_kind("text")
def _text(name, v, p, state):
    if not isinstance(v, str) or not v.strip():
        raise ParameterError(name, v, "a non-empty text")
    return v


@parameter_kind("boolean")
def _boolean(name, v, p, state):
    if not isinstance(v, bool):
        raise ParameterError(name, v, "True or False")
    return v


#: The kinds a parameters cell may declare.
KINDS = tuple(PARAMETER_KINDS)


def resolve(params: dict[str, Parameter], given: dict, all_data, base: Path | None = None,
            where: str = "the notebook") -> dict:
    """Every declared parameter's normalised value, from ``given`` (missing ones take their default).

    Raises one :class:`ParameterError` naming the first bad parameter (an unknown name: with
    ``where``, the notebook it is not a parameter of). ``base`` is the folder relative paths start
    from (the notebook's). Each kind is checked by its registered checker, in resolution order.
    """
    from helpers.notebook import params as P

    unknown(given, params, where)
    values = {name: given.get(name, p.default) for name, p in params.items()}
    out, state = dict(values), Resolving(all_data, all_data, base)
    for kind, check in PARAMETER_KINDS.items():
        for name, p in params.items():
            if p.kind == kind:
                out[name] = check(name, values[name], p, state)
    months = {n: out[n] for n, p in params.items() if p.kind == "month"}
    if "start" in months and "as_of" in months:
        P.check_month_order("start", months["start"], "as_of", months["as_of"])
    return out


#: The name the engine's injected-parameters cell sets to True: its values are resolved already.
RESOLVED_MARK = "parameters_resolved"


def setup(namespace: dict):
    """A notebook's setup line: check and normalise the parameters its ``parameters`` cell declared
    (in place, in ``namespace``) unless the engine's injected cell marks them resolved already (the
    build resolves them once, before any kernel starts), use the house plotting style, and return the data as known on the
    notebook's first ``date`` parameter (all data when it has none, or it is a word the notebook
    resolves itself)."""
    from helpers.charts import plotting
    from helpers.data.dataset import load_dataset

    annotations = namespace.get("__annotations__") or {}
    params = {}
    for name, annotation in annotations.items():
        kind, args = parse_kind(annotation, name)
        params[name] = Parameter(name, kind, args)
    all_data = load_dataset()
    if namespace.pop(RESOLVED_MARK, False):   # the build (or papermill's magnet engine) resolved them: kept
        resolved = {name: namespace[name] for name in params}
    else:                                     # run in JupyterLab: the defaults (or edits) resolved here
        given = {name: namespace[name] for name in params if name in namespace}
        resolved = resolve(params, given, all_data)
        namespace.update(resolved)
    plotting.use_house_style()
    dates = [resolved[n] for n, p in params.items() if p.kind == "date" and resolved[n] not in p.args]
    return all_data.known_on(dates[0]) if dates else all_data


# --------------------------------------------------------------------------- chapters
@dataclass(frozen=True)
class Chapter:
    """Whether a chapter is in this report; shows nothing when it is, and why not when it is not."""

    shown: bool
    rule: str

    def __str__(self) -> str:
        return "" if self.shown else f"⟨Not in this report: {self.rule}.⟩"

    def _repr_pretty_(self, p, cycle) -> None:  # what JupyterLab (jupyterlab-myst) shows in its place
        p.text(str(self))

    def _repr_html_(self) -> str | None:  # a visible label in JupyterLab where the chapter is not shown
        if self.shown:
            return None
        from html import escape

        return (f'<span class="magnet-chapter-hidden" style="background:#fff3cd;color:#5c4400;padding:0 .3em;'
                f'border-radius:3px">{escape(str(self))}</span>')

    def record(self) -> dict:
        return {"chapter": self.shown, "rule": self.rule}


def chapter(as_of: str, since: str | None = None, until: str | None = None, when: bool = True,
            why: str = "") -> Chapter:
    """The rule that keeps a chapter of the story, written at the top of its Markdown cell::

        {eval}`chapter(as_of, since="2025-07")`                       # from July 2025 on
        {eval}`chapter(as_of, until="2025-06")`                       # up to June 2025
        {eval}`chapter(as_of, since="2025-05", when=focus_partner != "US", why="the focus is not the US")`

    It shows nothing where the chapter is kept. Where it is not, the build leaves the chapter
    out of the report, and JupyterLab shows the reason in its place.
    """
    from helpers.text import month_name

    reasons = []
    if since and as_of < since:
        reasons.append(f"shown from {month_name(since)} (this one ends in {month_name(as_of)})")
    if until and as_of > until:
        reasons.append(f"shown up to {month_name(until)} (this one ends in {month_name(as_of)})")
    if not when:
        reasons.append(f"shown only when {why}" if why else "its condition does not hold")
    return Chapter(shown=not reasons, rule="; ".join(reasons) or "shown")
