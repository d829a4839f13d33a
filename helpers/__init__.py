"""Helpers for the rare-earth magnet exports report.

One module, one job:

- :mod:`helpers.paths`     where things are (pathlib constants)
- :mod:`helpers.errors`    one base exception and its narrow subclasses
- :mod:`helpers.data`      load and validate the data files, verify checksums
- :mod:`helpers.series`    build the monthly series (reported and derived values)
- :mod:`helpers.compare`   changes, cumulative totals, shares, rankings, reconciliation
- :mod:`helpers.plotting`  the house plotting style
- :mod:`helpers.claims`    check a news report's claims against the data
- :mod:`helpers.params`    validate notebook parameters
- :mod:`helpers.outlook`   scenario projections and their backtest
- :mod:`helpers.build`     build and publish the reports
- :mod:`helpers.bench`     benchmark the build against the naive CLI route
- :mod:`helpers.importers` add a month of data from official exports
- :mod:`helpers.notebooks_refresh` re-execute the committed notebooks in place
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
