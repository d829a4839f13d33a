"""The analysis library the notebooks import, in packages by concept, each above the ones it uses.

- :mod:`helpers.notebook`  what a notebook declares and gets: parameters resolved once, chapter rules
- :mod:`helpers.story`     what a report says: the facts of a month, span or destination; page 1's lead
- :mod:`helpers.articles`  news articles checked on their day: drafted claims, verdicts, sources that disagree
- :mod:`helpers.charts`    the house's figures: style, colours, events, titled marks with their CSV
- :mod:`helpers.analysis`  series, comparisons, values, reconciliation, outlook; statements and their judge
- :mod:`helpers.data`      each table read and validated, the dataset loaded (reads only), the one writer

Beneath them all, four small modules every package uses: :mod:`helpers.errors` (one base
exception and narrow subclasses), :mod:`helpers.paths` (where things are), :mod:`helpers.text`
(numbers, changes and months as readers see them) and :mod:`helpers.months` (month arithmetic).
The layers are a contract in ``pyproject.toml`` (``[tool.importlinter]``), checked by the tests.

The pipeline that runs the notebooks and publishes reports is the separate
package :mod:`pipeline`, which imports this one (never the reverse).
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
