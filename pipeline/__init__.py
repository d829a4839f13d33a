"""The pipeline that turns notebooks and data into published reports.

It imports :mod:`helpers` (the analysis library the notebooks use), never the
reverse. One module, one job:

- :mod:`pipeline.reportset`  read and check a report set (``reports.yaml``), resolve parameters
- :mod:`pipeline.sweeps`     a sweep entry expanded into one report per value
- :mod:`pipeline.staleness`  which reports are out of date (hashes of what each depends on)
- :mod:`pipeline.kernels`    warm kernels: a zygote that imports once and forks a kernel per report
- :mod:`pipeline.executors`  where reports run: local processes or a Dask cluster (a concurrent.futures seam)
- :mod:`pipeline.worker`     execute one notebook with papermill and render it (one job, in a worker)
- :mod:`pipeline.render`     executed notebook -> offline HTML (nbconvert template) -> PDF (WeasyPrint)
- :mod:`pipeline.bulletin`   the bulletin layer of a page: source markers, method notes, data beside, the card
- :mod:`pipeline.publish`    atomic publishing, the report state and the index page
- :mod:`pipeline.guard`      the output folder's lock, stop signals, leftovers of killed builds
- :mod:`pipeline.stages`     the named stages of a build and the test hook that stops a build at one
- :mod:`pipeline.build`      ``magnet-build``: the build (staging, workers, publishing) and its command line
- :mod:`pipeline.importing`  ``magnet-import``: upstream formats, checks against the data, the batch write;
                             ``python -m pipeline.importing.manifest``: deliberate re-records, migrations
- :mod:`pipeline.bench`      ``make bench``: the build against the naive CLI route, data scale, sweeps
- :mod:`pipeline.scale`      Comtrade-size generated data and throw-away project copies (bench, tests)
- :mod:`pipeline.refresh`    ``make execute-notebooks``: re-execute the committed notebooks in place
"""

import sys

# jsonschema (under nbformat, under papermill and nbval) compiles an IRI grammar at import when
# rfc3987_syntax is installed: 1.3 s per process for a format check no notebook uses. Every process
# that imports the pipeline does without it: the build and its workers, and pytest, which loads this
# package first (``-p pipeline`` in pyproject.toml) so that its nbval plugin imports nbformat without it.
sys.modules.setdefault("rfc3987_syntax", None)
