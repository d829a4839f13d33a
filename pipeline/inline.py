"""Inline facts in Markdown: MyST's ``{eval}`expression``` role, filled from the executed kernel.

Researchers write the story as Markdown with inline expressions, e.g.
``Exports rebounded to **{eval}`june.tonnes`**``. JupyterLab shows them live with
``jupyterlab-myst``; for the build, :func:`prepare` places after each such cell a
hidden code cell that evaluates its expressions in the kernel (the same namespace
the cells above built), papermill runs it with the rest, and :func:`fill` moves the
results into the Markdown cell, both as the cell's ``user_expressions`` metadata
(jupyterlab-myst's own format, so the executed notebook opens with the values) and
as text for nbconvert, which does not know the role. Values are escaped once, here
(:func:`helpers.text.escape`).

Cells can also be conditional (:func:`keep`): a cell whose metadata says
``{"magnet": {"from_month": "2025-07"}}`` is kept only when the report's ``as_of``
reaches that month (a chapter appears by data, not by ``if`` code).

:func:`typed_numbers` finds numbers typed into the prose rather than taken from a
fact; the build fails a report that has any.
"""

from __future__ import annotations

import json
import re

EVAL_RE = re.compile(r"\{eval\}`([^`]+)`")
MIME = "application/vnd.magnet.inline+json"
TAG = "magnet-inline"
#: Numbers that prose may type: years, days of a month next to its name, identifiers
#: (S29, E2), "No. 18" / "Nos. 55–58", "Figure 3", customs codes (8505.11, 85051110), ordinals.
ALLOWED_NUMBER_RE = re.compile(
    r"\b\d{4}-\d{2}(?:-\d{2})?(?:\.\.\d{4}-\d{2})?\b"                  # an ISO month or date (2025-06, 2025-01..2025-06)
    r"|(?<![\w.,])(?:1[89]\d\d|20\d\d)(?![\w.,]\d)"                    # a year
    r"|\b\d{1,2}(?=\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\b)"
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\s\d{1,2}\b"
    r"|\b[SE]\d+\b"                                                      # source and event ids
    r"|\bNos?\.\s*\d+(?:[–-]\d+)?(?:,\s*\d+)*"                           # Announcement No. 18, Nos. 55–58, 61
    r"|\b(?:Figure|Table|Claim|claim|Figures)\s+\d+"
    r"|\b8505(?:\.?\d+)*\b"                                              # customs codes
    r"|\b\d+(?:st|nd|rd|th)\b"
    r"|\bH[12]\b|\bQ[1-4]\b"
)
NUMBER_RE = re.compile(r"(?<![\w`])[−+-]?\d[\d,]*(?:\.\d+)?\s*%?")


def expressions(source: str) -> list[str]:
    """The ``{eval}`` expressions of a Markdown cell, in order, each once."""
    return list(dict.fromkeys(m.group(1).strip() for m in EVAL_RE.finditer(source)))


_EVALUATOR = """\
def __magnet_inline(exprs, where):
    import json
    from IPython import get_ipython
    from IPython.display import display
    ns, out = get_ipython().user_ns, {}
    for e in exprs:
        try:
            v = eval(e, ns)
        except Exception as exc:
            raise RuntimeError("{eval}`%s` in the Markdown cell %s: %s: %s" % (e, where, type(exc).__name__, exc)) from None
        rec = v.record() if callable(getattr(v, "record", None)) else None
        out[e] = {"text": str(v), "fact": json.loads(json.dumps(rec, default=str)) if rec else None}
    display({MIME: out}, raw=True)
"""


def _code(exprs: list[str], where: str) -> str:
    """The hidden cell that evaluates a Markdown cell's expressions in the kernel."""
    return (_EVALUATOR.replace("MIME", repr(MIME)) + "__magnet_inline(" + repr(exprs) + ", " + repr(where) + ")\n"
            + "del __magnet_inline\n")


def _heading(source: str, index: int) -> str:
    m = re.search(r"^\s*#+\s+(.+)$", source, re.M)
    return f"'{m.group(1).strip()[:60]}'" if m else f"#{index}"


def keep(cell, parameters: dict) -> bool:
    """Whether a cell belongs in this report, by its ``magnet`` metadata:

    ``from_month`` (kept when ``as_of`` reaches it), ``until_month`` (kept while ``as_of``
    has not passed it) and ``unless`` (``{parameter: value}``: dropped when the parameter has it).
    """
    rule = cell.get("metadata", {}).get("magnet") or {}
    as_of = parameters.get("as_of")
    if rule.get("from_month") and as_of and as_of < rule["from_month"]:
        return False
    if rule.get("until_month") and as_of and as_of > rule["until_month"]:
        return False
    return not any(parameters.get(k) == v for k, v in (rule.get("unless") or {}).items())


def notebook_defaults(nb) -> dict:
    """The defaults of the notebook's ``parameters`` cell (literals only)."""
    import ast

    from papermill.inspection import _infer_parameters

    for cell in nb.cells:  # papermill reads every cell's tags (it adds empty ones when it loads a notebook)
        cell.metadata.setdefault("tags", [])
    out = {}
    for p in _infer_parameters(nb):
        try:
            out[p.name] = ast.literal_eval(p.default)
        except (ValueError, SyntaxError):
            pass
    return out


def prepare(nb, parameters: dict) -> int:
    """Drop conditional cells the report's ``as_of`` does not reach; add an evaluating cell after each
    Markdown cell with ``{eval}`` expressions. Returns how many were added."""
    import nbformat

    parameters = {**notebook_defaults(nb), **parameters}
    cells, added = [], 0
    for i, cell in enumerate(nb.cells):
        if not keep(cell, parameters):
            continue
        cells.append(cell)
        if cell.cell_type == "markdown":
            exprs = expressions(cell.source)
            if exprs:
                code = nbformat.v4.new_code_cell(_code(exprs, _heading(cell.source, i)))
                code.metadata["tags"] = [TAG, "remove-cell"]
                cells.append(code)
                added += 1
    nb.cells = cells
    return added


def fill(nb) -> dict:
    """Move each evaluating cell's results into the Markdown cell above it and drop the evaluating cell.

    Returns ``{expression: {"text", "fact"}}`` of every expression of the report (what it stated).
    """
    stated, cells = {}, []
    for cell in nb.cells:
        if cell.cell_type == "code" and TAG in cell.metadata.get("tags", []):
            results = {}
            for o in cell.get("outputs", []):
                if MIME in o.get("data", {}):
                    data = o["data"][MIME]
                    results.update(json.loads(data) if isinstance(data, str) else data)
            md = cells[-1]
            md.metadata["user_expressions"] = [
                {"expression": e, "result": {"status": "ok", "data": {"text/plain": r["text"]}, "metadata": {}}}
                for e, r in results.items()]
            stated.update(results)
            continue
        cells.append(cell)
    nb.cells = cells
    return stated


def substitute(source: str, values: dict) -> str:
    """Markdown with every ``{eval}`` replaced by its escaped value."""
    from helpers.text import escape  # pandas: imported where reports are built, not by every build

    return EVAL_RE.sub(lambda m: escape(values[m.group(1).strip()]["text"]) if m.group(1).strip() in values
                       else m.group(0), source)


def rendered_markdown(nb) -> None:
    """Replace the roles by their values in every Markdown cell (for nbconvert, which does not know them)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "user_expressions" in cell.metadata:
            values = {u["expression"]: {"text": u["result"]["data"]["text/plain"]}
                      for u in cell.metadata["user_expressions"]}
            cell.source = substitute(cell.source, values)


def typed_numbers(source: str) -> list[str]:
    """Numbers typed into a Markdown cell's prose (not inline facts, not years, days, ids or codes)."""
    prose = EVAL_RE.sub(" ", source)
    prose = re.sub(r"`[^`]*`", " ", prose)                 # code spans
    prose = re.sub(r"\]\([^)]*\)|<[^>]+>", " ", prose)      # link targets, HTML tags
    prose = re.sub(r"^\s*#{1,6}\s", "", prose, flags=re.M)  # heading marks
    prose = ALLOWED_NUMBER_RE.sub(" ", prose)
    return [m.group(0).strip() for m in NUMBER_RE.finditer(prose) if any(ch.isdigit() for ch in m.group(0))]
