"""The analysis library the notebooks import: small modules, one job each.

- :mod:`helpers.paths`     where things are (pathlib constants)
- :mod:`helpers.errors`    one base exception and its narrow subclasses
- :mod:`helpers.patterns`  the text patterns (month, date, number, URL)
- :mod:`helpers.partners`  partner codes, names, and resolving a name or alias to a code
- :mod:`helpers.data`      load the data into one validated ``Dataset`` (reads only)
- :mod:`helpers.tables`    each data file's table: its columns, reading a CSV, validating its rows
- :mod:`helpers.checksums` the checksum manifest, read and verified
- :mod:`helpers.staging`   the one module that writes to ``data/``: kill-safe imports (lock, staging
                           folder, commit marker, recovery) and the manifest's records
- :mod:`helpers.provenance` provenance counted by origin: which original releases a set of pages relays
- :mod:`helpers.intervals` interval arithmetic on numpy arrays, bounds rounded outward
- :mod:`helpers.months`    month arithmetic on ``YYYY-MM`` strings
- :mod:`helpers.series`    build the monthly series (reported and derived values)
- :mod:`helpers.compare`   changes, cumulative totals, shares, rankings, scopes
- :mod:`helpers.reconcile` reconciliation, cross-checks between sources, revisions
- :mod:`helpers.text`      numbers, changes and months as readers see them
- :mod:`helpers.plotting`  the house plotting style and the report's charts
- :mod:`helpers.colours`   the house colours and the contrast check
- :mod:`helpers.events`    events on a chart's time axis, and their key
- :mod:`helpers.figures`   figures and tables as a reader gets them: titled marks, SVG, the CSV beside
- :mod:`helpers.claims`    check a news report's claims against the data
- :mod:`helpers.verdicts`  the evidence behind each verdict, the verdict table and sentences
- :mod:`helpers.params`    validate notebook parameters, one kind at a time
- :mod:`helpers.contract`  the parameter contract: what a notebook declares, resolved once; chapter rules
- :mod:`helpers.facts`     what a report leads with: headline, main points, the outlook's statements
- :mod:`helpers.monthfacts` the facts of a month, span, year or destination, each with status and sources
- :mod:`helpers.outlook`   scenario projections and their backtest

The pipeline that runs the notebooks and publishes reports is the separate
package :mod:`pipeline`, which imports this one (never the reverse).
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
