"""The one way a notebook is executed: papermill with the ``magnet`` engine.

The engine (:class:`MagnetEngine`, registered with papermill under the name
``magnet`` through the ``papermill.engine`` entry point) does, for every run:

1. the parameter contract (:mod:`helpers.notebook.contract`): the given parameters are
   checked against what the notebook declares before any kernel starts, so an
   unknown name, a wrong kind or a partner nobody can tell apart is one
   :class:`~helpers.errors.ParameterError` line; the kernel gets every declared parameter
   as resolved (the injected cell says so, and the notebook's ``setup`` does not resolve again);
2. the ``{eval}`` facts: an evaluating cell after each Markdown cell that has any
   (:func:`pipeline.render.inline.prepare`), executed with the notebook, whose answers go
   into the Markdown cell's ``user_expressions`` as jupyterlab-myst stores them
   (:func:`pipeline.render.inline.fill`); chapters the parameters do not show are left out;
3. deterministic cell ids, so that two runs give byte-identical notebooks.

So a plain ``papermill --engine magnet notebooks/01_controls_to_agreement.ipynb out.ipynb
-p focus_partner DE`` gives the filled notebook the build publishes. :func:`execute_report`
is the call the build, ``make execute-notebooks`` and the tests make.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.render import inline

#: The engine's name (``papermill --engine magnet``).
ENGINE = "magnet"
#: The id papermill's injected-parameters cell gets (papermill gives it a random one).
INJECTED_ID = "injected-parameters"


def __getattr__(name: str):
    """``MagnetEngine``, papermill's entry point, is made on first use: papermill loads its entry points
    (this module among them) while it is being imported, so this module imports papermill only then:
    at import time, importing it before papermill would be circular."""
    if name == "MagnetEngine":
        globals()["MagnetEngine"] = engine = _engine()
        return engine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _engine():
    from papermill.engines import NBClientEngine

    class MagnetEngine(NBClientEngine):
        """papermill's nbclient engine, with the parameter contract, the ``{eval}`` facts and stable ids.

        Engine options (``execute_notebook(..., keep_hidden_chapters=True)``): keep the chapters the
        parameters do not show, with their reason (what ``make execute-notebooks`` commits).
        """

        @classmethod
        def execute_notebook(cls, nb, kernel_name, keep_hidden_chapters: bool = False, check_parameters: bool = True,
                             **kwargs):
            given = dict(nb.metadata.get("papermill", {}).get("parameters") or {})
            # resolved once: here (papermill run directly), or by the build's pre-flight, which passes every
            # declared parameter already resolved (check_parameters=False); the kernel's setup() keeps them
            resolved = given if not check_parameters and _declared(nb) <= set(given) else \
                check(nb, given, kwargs.get("input_path"))
            for cell in nb.cells:
                if "injected-parameters" in cell.metadata.get("tags", []):
                    cell["id"] = INJECTED_ID
                    cell["source"] = injected_source(resolved, kernel_name)
            inline.prepare(nb)
            nb = super().execute_notebook(nb, kernel_name, **kwargs)
            nb.metadata.setdefault("magnet", {})["stated"] = inline.fill(nb, drop_hidden=not keep_hidden_chapters)
            return nb

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            from pipeline.reports import stages

            if stages.armed("executing"):  # (test hook) stop the build once the first cell has run
                complete = nb_man.cell_complete

                def cell_complete(*args, **kw):
                    complete(*args, **kw)
                    stages.stage("executing")

                nb_man.cell_complete = cell_complete
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    MagnetEngine.__qualname__ = "MagnetEngine"
    return MagnetEngine


def injected_source(resolved: dict, kernel_name: str) -> str:
    """The injected-parameters cell: every declared parameter as resolved, and the mark that tells the
    kernel's setup (:func:`helpers.notebook.contract.setup`) not to resolve them again."""
    from papermill.translators import translate_parameters

    from helpers.notebook.contract import RESOLVED_MARK

    return translate_parameters(kernel_name, "python", {**resolved, RESOLVED_MARK: True},
                                "Parameters, resolved by the build (helpers/notebook/contract.py)")


def _declared(nb) -> set[str]:
    """The names the notebook's parameters cell declares."""
    from helpers.notebook import contract

    cell = contract.parameters_cell(nb)
    return set(contract.declarations(cell[1])) if cell else set()


def check(nb, given: dict, input_path=None) -> dict:
    """The notebook's parameters, resolved by the contract from ``given``: ParameterError before any kernel."""
    from helpers.notebook import contract
    from helpers.data.dataset import load_dataset

    cell = contract.parameters_cell(nb)
    params = contract.declarations(cell[1]) if cell else {}
    return contract.resolve(params, given, load_dataset(),
                            base=notebook_folder(input_path) if input_path else None,
                            where=Path(input_path).name if input_path else "the notebook")


def notebook_folder(input_path) -> Path:
    """The folder of the notebook being run, wherever papermill runs it from: a file path given as a parameter
    is relative to it. ``papermill --cwd DIR`` changes directory before the engine sees ``input_path``, which
    is still relative to the shell's directory (``$PWD``): that is tried when the path does not exist here."""
    import os

    path = Path(input_path)
    if not path.is_absolute() and not path.is_file():
        shell = os.environ.get("PWD", "")
        if shell and (Path(shell) / path).is_file():
            path = Path(shell) / path
    return path.resolve().parent


def execute_report(notebook: Path, output: Path | None, parameters: dict | None = None, *,
                   cwd: Path | None = None, kernel_name: str = "python3", keep_hidden_chapters: bool = False,
                   check_parameters: bool = True, **kwargs):
    """Execute ``notebook`` with ``parameters`` through papermill's ``magnet`` engine; the filled notebook.

    Its ``metadata.magnet.stated`` holds what the prose stated (``{expression: {"text", "fact"}}``).
    A failing cell raises papermill's PapermillExecutionError (the partly executed notebook is written
    to ``output``); a bad parameter raises ParameterError before any kernel starts.
    """
    import papermill as pm

    from pipeline.build.kernels import ipc_kernel_manager

    kwargs.setdefault("kernel_manager_class", ipc_kernel_manager())
    # the filled notebook is written once, at the end (or with the failing cell, should one fail), not
    # after every cell as papermill does by default: 104 writes, 1.6 s of CPU for a run of the main report
    kwargs.setdefault("request_save_on_cell_execute", False)
    return pm.execute_notebook(str(notebook), str(output) if output else None, parameters=parameters or {},
                               engine_name=ENGINE, kernel_name=kernel_name,
                               cwd=str(cwd or Path(notebook).resolve().parent), progress_bar=False,
                               keep_hidden_chapters=keep_hidden_chapters, check_parameters=check_parameters,
                               **kwargs)
