"""Inline facts in Markdown: MyST's ``{eval}`expression``` role, filled from the executed kernel.

Researchers write the story as Markdown with inline expressions, e.g.
``Exports rebounded to **{eval}`june.tonnes`**``. JupyterLab shows them live with
``jupyterlab-myst``, which asks the kernel for each expression as an execute
request's ``user_expressions`` and keeps the answers in the cell's
``user_expressions`` metadata. The build does the same through papermill
(:mod:`pipeline.build.execute`): :func:`prepare` places after each such cell a hidden code
cell that asks IPython for the same ``user_expressions``, papermill runs it with the
rest, and :func:`fill` moves the answers into the Markdown cell's metadata, byte for
byte what jupyterlab-myst would have stored, and drops the hidden cell. Reports show
each value as jupyterlab-myst does (:func:`value_text`); :func:`rendered_markdown`
writes them into the Markdown for nbconvert, which does not know the role.

A chapter shown only for some parameters says so in its own first line,
``{eval}`chapter(as_of, since="2025-07")``` (:func:`helpers.notebook.contract.chapter`): the
evaluating cell stops at a chapter that is not shown, and :func:`fill` leaves it out
of the report (or, for the committed notebooks, keeps it with the rule's reason).

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
    ip, out, hidden = get_ipython(), [], False
    for e in exprs:
        try:  # as IPython answers an execute request's user_expressions (what jupyterlab-myst asks)
            v = eval(e, ip.user_global_ns, ip.user_ns)
        except Exception as exc:
            raise RuntimeError("{eval}`%s` in the Markdown cell %s: %s: %s" % (e, where, type(exc).__name__, exc)) from None
        data, md = ip.display_formatter.format(v)
        r = {"status": "ok", "data": data, "metadata": md}
        rec = v.record() if callable(getattr(v, "record", None)) else None
        out.append({"expression": e, "result": r, "fact": json.loads(json.dumps(rec, default=str)) if rec else None})
        if rec and rec.get("chapter") is False:  # a chapter this report does not show: nothing more to evaluate
            hidden = True
            break
    display({MIME: {"expressions": out, "hidden": hidden}}, raw=True)
"""


def _code(exprs: list[str], where: str) -> str:
    """The hidden cell that evaluates a Markdown cell's expressions in the kernel."""
    return (_EVALUATOR.replace("MIME", repr(MIME)) + "__magnet_inline(" + repr(exprs) + ", " + repr(where) + ")\n"
            + "del __magnet_inline\n")


def _heading(source: str, index: int) -> str:
    m = re.search(r"^\s*#+\s+(.+)$", source, re.M)
    return f"'{m.group(1).strip()[:60]}'" if m else f"#{index}"


def prepare(nb) -> int:
    """Add an evaluating cell after each Markdown cell with ``{eval}`` expressions; how many were added.

    Its id is the Markdown cell's with ``-eval`` (deterministic: the executed notebook's ids do not
    change from one build to the next)."""
    import nbformat

    cells, added = [], 0
    for i, cell in enumerate(nb.cells):
        cells.append(cell)
        if cell.cell_type == "markdown":
            exprs = expressions(cell.source)
            if exprs:
                code = nbformat.v4.new_code_cell(_code(exprs, _heading(cell.source, i)))
                code.metadata["tags"] = [TAG, "remove-cell"]
                code["id"] = f"{cell.get('id') or i}-eval"
                cells.append(code)
                added += 1
    nb.cells = cells
    return added


def value_text(result: dict) -> str:
    """What jupyterlab-myst shows for one ``user_expressions`` answer: its ``text/plain`` without the
    quotes of a string's repr."""
    text = result.get("data", {}).get("text/plain", "")
    return re.sub(r"^([\"'])(.*)\1$", r"\2", text, flags=re.S)


def fill(nb, drop_hidden: bool = True) -> dict:
    """Move each evaluating cell's answers into the Markdown cell above it and drop the evaluating cell.

    A chapter not shown for these parameters is dropped (``drop_hidden``) or kept with only its
    rule's answer (JupyterLab then shows why it is not in the report). An evaluating cell that
    failed is left in place, with its error. Returns ``{expression: {"text", "fact"}}`` of every
    expression the report states.
    """
    stated, cells = {}, []
    for cell in nb.cells:
        if cell.cell_type == "code" and TAG in cell.metadata.get("tags", []):
            answers = None
            for o in cell.get("outputs", []):
                if MIME in o.get("data", {}):
                    data = o["data"][MIME]
                    answers = json.loads(data) if isinstance(data, str) else data
            if answers is None:  # it failed (or never ran): papermill reports it
                cells.append(cell)
                continue
            md = cells[-1]
            md.metadata["user_expressions"] = [{"expression": a["expression"], "result": a["result"]}
                                               for a in answers["expressions"]]
            if answers["hidden"]:
                if drop_hidden:
                    cells.pop()
                continue
            # page 1: the cells tagged as the headline and the main points (judged as page 1 by the build)
            page_one = any(t in md.metadata.get("tags", []) for t in ("headline", "main-points"))
            stated.update({a["expression"]: {"text": value_text(a["result"]), "fact": a["fact"],
                                             "page_one": page_one or stated.get(a["expression"], {}).get("page_one", False)}
                           for a in answers["expressions"]})
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
            values = {u["expression"]: {"text": value_text(u["result"])} for u in cell.metadata["user_expressions"]}
            cell.source = substitute(cell.source, values)


def typed_numbers(source: str) -> list[str]:
    """Numbers typed into a Markdown cell's prose (not inline facts, not years, days, ids or codes)."""
    prose = EVAL_RE.sub(" ", source)
    prose = re.sub(r"`[^`]*`", " ", prose)                 # code spans
    prose = re.sub(r"\]\([^)]*\)|<[^>]+>", " ", prose)      # link targets, HTML tags
    prose = re.sub(r"^\s*#{1,6}\s", "", prose, flags=re.M)  # heading marks
    prose = ALLOWED_NUMBER_RE.sub(" ", prose)
    return [m.group(0).strip() for m in NUMBER_RE.finditer(prose) if any(ch.isdigit() for ch in m.group(0))]
