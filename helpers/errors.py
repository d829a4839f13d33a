"""One base exception, narrow subclasses, each carrying what a user needs.

Every error the project raises on bad input derives from :class:`MagnetError`
and reads as a single line: the command-line entry points print ``str(err)``
and exit non-zero, without a traceback.
"""

from __future__ import annotations

#: Lists longer than this are summarised in messages (see :func:`listing`).
LISTING_LIMIT = 6


def listing(items, noun: str = "names", limit: int = LISTING_LIMIT) -> str:
    """Names for a one-line message: all of them when few, else ``11 columns (claim_id, claim, …)``.

    The one place messages list allowed (or offending) names, so a long list is
    summarised rather than a message cut mid-word.
    """
    items = [str(i) for i in items]
    if len(items) <= limit:
        return ", ".join(items)
    return f"{len(items)} {noun} ({', '.join(items[:limit - 3])}, …)"


#: The most characters of a value an error message quotes (a value is data: it may be huge or hostile).
QUOTE_LIMIT = 80


def short(value, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, or its first ``limit`` characters and its length: what a message quotes of a value."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def clip(value, limit: int = QUOTE_LIMIT) -> str:
    """``str(value)``, or its first ``limit`` characters and its length (:func:`short` without the quotes)."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


class MagnetError(Exception):
    """Base class of every error this project raises on purpose."""


class DataError(MagnetError):
    """A data file is malformed: names the file, the row and the column.

    ``row`` is the line number in the file as a text editor shows it (the
    header is line 1), or ``None`` when the problem is the whole file.
    """

    def __init__(self, file, message: str, row: int | None = None, column: str | None = None):
        self.file = str(file)
        self.row = row
        self.column = column
        self.message = message
        where = self.file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


class ChecksumError(DataError):
    """A raw file changed without its checksum being updated."""


class ConflictError(DataError):
    """A new figure contradicts one already reported."""


class ParameterError(MagnetError):
    """A notebook or command parameter is not allowed: names it and what is."""

    def __init__(self, name: str, value, allowed: str):
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"parameter '{clip(name)}' = {short(value)} is not allowed: {allowed}")


class BuildError(MagnetError):
    """A report failed to build: names the report, the cell and the error."""


class UsageError(MagnetError):
    """A command was called with arguments it does not take (one line, with a pointer to --help)."""
