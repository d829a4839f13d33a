"""The pipeline that turns notebooks and data into published reports, in packages by concept.

It imports :mod:`helpers` (the analysis library the notebooks use), never the reverse.

- :mod:`pipeline.claimscli` ``magnet-claims``: draft a claims file from an article, and check one
- :mod:`pipeline.build`     ``magnet-build``: pre-flight, workers (papermill, warm kernels), the build's command;
                            ``make execute-notebooks``
- :mod:`pipeline.intake`    ``magnet-import`` and ``magnet-fetch``: upstream formats (a registry), checks, the batch write
- :mod:`pipeline.publish`   the report set swapped in at once, the index, the data package, the output folder's lock
- :mod:`pipeline.reports`   ``reports.yaml`` and its sweeps, editions, the build's stages, staleness from content
- :mod:`pipeline.render`    executed notebook -> inline facts -> offline HTML (nbconvert) -> PDF (WeasyPrint)

The layers are a contract in ``pyproject.toml`` (``[tool.importlinter]``). Benchmarks and
generated Comtrade-size data live outside the package, in ``tools/bench.py`` and ``tools/scale.py``.
"""


import sys

# jsonschema (under nbformat, under papermill and nbval) compiles an IRI grammar at import when
# rfc3987_syntax is installed: 1.3 s per process for a format check no notebook uses. Every process
# that imports the pipeline does without it: the build and its workers, and pytest, which loads this
# package first (``-p pipeline`` in pyproject.toml) so that its nbval plugin imports nbformat without it.
sys.modules.setdefault("rfc3987_syntax", None)
