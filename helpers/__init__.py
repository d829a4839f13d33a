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
- :mod:`helpers.series`    build the monthly series (reported and derived values)
- :mod:`helpers.compare`   changes, cumulative totals, shares, rankings, reconciliation
- :mod:`helpers.text`      numbers, changes and months as readers see them
- :mod:`helpers.plotting`  the house plotting style
- :mod:`helpers.claims`    check a news report's claims against the data
- :mod:`helpers.params`    validate notebook parameters, one kind at a time
- :mod:`helpers.contract`  the parameter contract: what a notebook declares, resolved once; chapter rules
- :mod:`helpers.facts`     the facts a report states, each with its status and sources
- :mod:`helpers.outlook`   scenario projections and their backtest

The pipeline that runs the notebooks and publishes reports is the separate
package :mod:`pipeline`, which imports this one (never the reverse).
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
