"""The data files' tables, one at a time: their columns and scopes, reading a CSV and validating its rows.

Each ``validate_*`` checks one table (``sources``, ``figures``, ``rankings``, ``events``,
``resolutions``, ``origins``, ``relays``) and stops at the first bad row with a
:class:`~helpers.errors.DataError` naming the file, the row (as a text editor numbers it, header = 1)
and the column. :mod:`helpers.data.dataset` puts the validated tables together into a ``Dataset``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import paths
from helpers.errors import DataError, listing
from helpers.data.partners import AGGREGATES, GROUPS, TOTAL, is_partner_code
from helpers.data.patterns import DATE_RE, MONTH_RE, NUMBER_RE


@dataclass(frozen=True)
class Scope:
    """What a series counts: its identifier in the ``series`` column and its commodity scope."""

    code: str       #: the identifier in ``figures.csv``'s ``series`` column
    tariff: str     #: the tariff line or subheading, for readers ("China's tariff line 8505.11.10")
    goods: str      #: what it holds, in the tariff's words
    publisher: str  #: who publishes it

#: The series a figure can belong to. Figures of different series are never compared,
#: summed, derived from each other or taken to corroborate each other.
SERIES: dict[str, Scope] = {s.code: s for s in (
    Scope("cn:85051110", "China's tariff line 8505.11.10", "permanent magnets of rare-earth metals",
          "China's General Administration of Customs (GAC)"),
    Scope("cn:85051190", "China's tariff line 8505.11.90", "permanent magnets of other metals",
          "China's General Administration of Customs (GAC)"),
    Scope("hs:850511", "HS subheading 8505.11", "permanent magnets of metal, rare-earth and other metals together",
          "UN Comtrade, from China's customs data"),
    Scope("adamas:magnets+alloys", "no tariff line", "rare-earth magnets and magnet alloys",
          "Adamas Intelligence"),
    Scope("cn:rare-earths", "GAC's commodity total 'rare earths' (HS 2805.30 and 2846)",
          "rare earths: metals and compounds of the 17 elements (not magnets)",
          "China's General Administration of Customs (GAC), around the 7th-14th of the following month"),
    Scope("bloomberg:rare-earth-products", "no tariff line: Bloomberg's own sum of GAC lines",
          "rare-earth products, typically dominated by magnets (neither the magnet line nor the minerals total)",
          "Bloomberg News, calculated from GAC's data"),
)}

#: The series this project's story follows: GAC's rare-earth permanent magnets. A figure
#: whose ``series`` is empty belongs to it (news figures are GAC's line unless marked).
MAIN_SERIES = "cn:85051110"

#: UN Comtrade's 6-digit subheading: the rare-earth line and magnets of other metals.
HS6_SERIES = "hs:850511"

#: China's 8-digit line for permanent magnets of metals other than rare earths.
OTHER_METALS_SERIES = "cn:85051190"

#: China's monthly exports of rare earths themselves (the minerals: metals and compounds of the 17
#: elements), the total relayed beside the magnet figures. A different series: a magnet figure
#: equal to a same-month minerals total is flagged (:func:`scope_matches`).
MINERALS_SERIES = "cn:rare-earths"

#: Bloomberg's "rare-earth products": its own sum of GAC lines, "typically dominated by magnets" and relayed in
#: the same words as the magnet line. A third scope, guarded like the minerals: a magnet figure equal to a
#: same-month products total is flagged too (:func:`scope_matches`).
PRODUCTS_SERIES = "bloomberg:rare-earth-products"

#: The wider totals a magnet-line figure is checked against (a page quoting one as magnets is the trap).
GUARDED_SERIES = {MINERALS_SERIES: "the rare-earth minerals total", PRODUCTS_SERIES: "Bloomberg's rare-earth products total"}


#: The tonnage measures: a tonnage and its changes (the only ones the series relates).
MEASURES = ("tonnes", "mom_pct", "yoy_pct")

#: Value measures, kept as reported and never mixed with tonnages: export value in
#: millions of US dollars, and average export price in US dollars per kg.
VALUE_MEASURES = ("usd_m", "usd_per_kg")

#: Every measure a figure may have.
FIGURE_MEASURES = MEASURES + VALUE_MEASURES

EVENT_KINDS = ("controls", "easing", "tariffs", "release", "other")

#: What an origin is: an official statistical release or announcement (GAC, MOFCOM), a news
#: agency's story, a data firm's analysis, an outlet's own calculation from official data, or
#: an article that is itself the origin (``data/README.md``, *origins*).
ORIGIN_KINDS = ("release", "agency", "analysis", "calculation", "article")

#: Columns of each table: (required, optional).
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sources": (("source_id", "outlet", "agency", "title", "url", "published", "accessed"), ("note",)),
    "figures": (
        ("from_month", "to_month", "partner", "measure", "value", "source_id"),
        ("approx", "series", "note"),
    ),
    "rankings": (("month", "rank", "partner", "source_id"), ()),
    "events": (("event_id", "date", "end_date", "kind", "label", "description", "source_id"), ()),
    "partners": (("code", "name"), ("aliases",)),
    "resolutions": (("from_month", "to_month", "partner", "measure", "winning_source_id"), ("series", "note")),
    "origins": (("origin_id", "publisher", "kind", "released", "title"), ("url", "note")),
    "relays": (("source_id", "origin_id"), ("replaces", "note")),
    "rescopes": (("from_month", "to_month", "partner", "measure", "source_id", "from_series", "to_series"),
                 ("note",)),
    "setasides": (("from_month", "to_month", "partner", "measure", "source_id", "origin_id"), ("series", "note")),
}

def check_header(name: str, header: list[str], required, optional=()) -> None:
    """Fail on a missing required column or a column that is neither required nor optional."""
    required, optional = tuple(required), tuple(optional)
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(name, f"missing column(s): {listing(missing, 'columns')}", row=1, column=missing[0])
    unknown = [c for c in header if c not in required + optional]
    if unknown:
        raise DataError(name, f"unknown column(s): {listing(unknown, 'columns')}; allowed: "
                        f"{listing(required + optional, 'columns')}", row=1, column=unknown[0])

def csv_records(reader, name: str, width: int, exact: bool = False, hint: str = "an unquoted comma?"):
    """The records a ``csv.reader`` has left after its header, blank ones skipped: ``(the line the
    record starts on, its cells)``. A record with more cells than the header's ``width`` (with
    ``exact``, or fewer), or text the reader cannot parse, is a DataError naming that line."""
    start = reader.line_num + 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) > width or (exact and len(cells) != width):
                    raise DataError(name, f"has {len(cells)} fields where the header has {width} ({hint})",
                                    row=start)
                yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(name, f"is not valid CSV ({exc})", row=start) from None

def read_table(path: Path, table: str, spec: tuple[tuple, tuple] | None = None, exact: bool = False) -> pd.DataFrame:
    """Read one CSV file as text, checking its columns against ``TABLES[table]`` (or ``spec``,
    ``(required, optional)``, for a file that is not a data table: a claims file). With ``exact``,
    every record has as many cells as the header.

    Cells are stripped of surrounding spaces; empty cells (and the cells a short row leaves out)
    are empty strings; blank rows are skipped. Adds ``row`` (the editor line number the row
    starts on) and ``file`` (the path relative to the project root).
    """
    path = Path(path)
    name = paths.relative(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(name, f"cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(name, "is not UTF-8 text (save it as UTF-8)", row=line) from None
    if not text.strip():
        raise DataError(name, "is empty")
    # the csv module rather than pandas.read_csv: a third of the time for these small files
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise DataError(name, f"is not valid CSV ({exc})", row=1) from None
    required, optional = spec or TABLES[table]
    if len(header) == 1 and len(required) > 1 and any(d in header[0] for d in ";\t|"):
        raise DataError(name, "is not comma-separated (found a single column; check the delimiter)", row=1)
    check_header(name, header, required, optional)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise DataError(name, f"duplicate column(s): {', '.join(dupes)}", row=1, column=dupes[0])
    rows, lines = [], []
    for line, cells in csv_records(reader, name, len(header), exact=exact):
        rows.append([c.strip() for c in cells] + [""] * (len(header) - len(cells)))
        lines.append(line)
    columns = dict(zip(header, map(list, zip(*rows)))) if rows else {h: [] for h in header}
    df = pd.DataFrame({c: columns.get(c, [""] * len(rows)) for c in required + optional}, dtype=str)
    df["row"] = lines
    df["file"] = name
    return df

def _fail(df: pd.DataFrame, mask: pd.Series, column: str, message) -> None:
    """Raise a DataError for the first row of ``df`` where ``mask`` holds."""
    if mask.any():
        bad = df[mask].iloc[0]
        text = message(bad) if callable(message) else message
        raise DataError(bad["file"], text, row=int(bad["row"]), column=column)

def _require(df: pd.DataFrame, columns) -> None:
    for col in columns:
        _fail(df, df[col] == "", col, "is empty")

def _check_month(df: pd.DataFrame, column: str, today: dt.date, allow_empty: bool = False) -> None:
    values = df[column]
    bad = ~values.str.match(MONTH_RE)
    if allow_empty:
        bad &= values != ""
    _fail(df, bad, column, lambda r: f"'{r[column]}' is not a month (YYYY-MM, month 01-12)")
    this_month = f"{today:%Y-%m}"
    _fail(df, (values > this_month) & ~bad, column,
          lambda r: f"'{r[column]}' is in the future (today is {today:%Y-%m-%d})")

def _check_date(df: pd.DataFrame, column: str, allow_empty: bool = False) -> None:
    def valid(v: str) -> bool:
        if allow_empty and v == "":
            return True
        if not DATE_RE.match(v):
            return False
        try:
            dt.date.fromisoformat(v if len(v) == 10 else v + "-01")
        except ValueError:
            return False
        return True

    _fail(df, ~df[column].map(valid).astype(bool), column,
          lambda r: f"'{r[column]}' is not a date (YYYY-MM-DD or YYYY-MM)")

def _check_unique(df: pd.DataFrame, key: list[str], what: str) -> None:
    dup = df.duplicated(subset=key, keep="first")
    if dup.any():
        bad = df[dup].iloc[0]
        first = df[(df[key] == bad[key]).all(axis=1)].iloc[0]
        raise DataError(bad["file"], f"duplicate {what} ({', '.join(f'{k}={bad[k]}' for k in key)}); "
                        f"first seen in {first['file']} row {first['row']}", row=int(bad["row"]),
                        column=key[0])

def _check_known(df: pd.DataFrame, column: str, known, what: str, hint: str = "",
                 allow_empty: bool = False) -> None:
    known = set(known)
    bad = ~df[column].isin(known)
    if allow_empty:
        bad &= df[column] != ""
    _fail(df, bad, column, lambda r: f"unknown {what} '{r[column]}'" + (f" ({hint})" if hint else ""))

def rounding_half_width(text: str, approx: bool = False) -> float:
    """Half the rounding unit of a number as written: ``"-51"`` -> 0.5, ``"1238.47"`` -> 0.005.

    Doubled for an approximate value ("about", "nearly", "≈").
    """
    return 0.5 * 10.0 ** (-len(text.partition(".")[2])) * (2.0 if approx else 1.0)

def load_partners(path: Path | None = None) -> pd.DataFrame:
    """The partner reference table: code, display name, ``;``-separated aliases."""
    path = path or paths.PARTNERS
    df = read_table(path, "partners")
    _require(df, ["code", "name"])
    _fail(df, ~df.code.map(is_partner_code).astype(bool), "code",
          lambda r: f"unknown partner code '{r['code']}' (ISO 3166-1 alpha-2, or WLD for the total)")
    _check_unique(df, ["code"], "partner code")
    return df

def validate_sources(df: pd.DataFrame) -> pd.DataFrame:
    """Check a source register (ids unique, dates valid, URL http(s) or empty)."""
    _require(df, ["source_id", "outlet", "title", "published", "accessed"])
    _fail(df, ~df.source_id.str.match(r"^[A-Za-z][A-Za-z0-9_.-]*$"), "source_id",
          lambda r: f"'{r['source_id']}' is not a source id (letters, digits, _ . -)")
    _check_date(df, "published")
    _check_date(df, "accessed")
    _fail(df, (df.url != "") & ~df.url.str.match(r"^https?://\S+$"), "url",
          lambda r: f"'{r['url']}' is not an http(s) URL")
    return df

def validate_figures(df: pd.DataFrame, source_ids, today: dt.date | None = None) -> pd.DataFrame:
    """Check figure rows and add ``value`` as float and its rounding ``half_width``."""
    today = today or dt.date.today()
    _require(df, ["from_month", "to_month", "partner", "measure", "value", "source_id"])
    _check_month(df, "from_month", today)
    _check_month(df, "to_month", today)
    _fail(df, df.from_month > df.to_month, "to_month",
          lambda r: f"'{r['to_month']}' is before from_month '{r['from_month']}'")
    _fail(df, ~df.partner.map(is_partner_code).astype(bool), "partner",
          lambda r: f"unknown partner code '{r['partner']}' (ISO 3166-1 alpha-2, WLD for the total, "
          f"or a group: {', '.join(GROUPS)})")
    _check_known(df, "measure", FIGURE_MEASURES, "measure", "allowed: " + listing(FIGURE_MEASURES, "measures"))
    _fail(df, ~df.value.str.match(NUMBER_RE), "value",
          lambda r: f"'{r['value']}' is not a number (plain digits, '.' for decimals, no thousands separator)")
    _fail(df, ~df.approx.isin(["", "yes", "no"]), "approx", lambda r: f"'{r['approx']}' must be yes, no or empty")
    df = df.copy()
    df["series"] = df.series.where(df.series != "", MAIN_SERIES)  # empty: the story's line
    _check_known(df, "series", SERIES, "series", "allowed: " + listing(SERIES, "series") + "; see data/README.md")
    df["approx"] = df.approx == "yes"
    value = df.value.astype(float)
    _fail(df, (df.measure == "tonnes") & (value < 0), "value",
          lambda r: f"negative tonnage {r['value']}")
    _fail(df, df.measure.isin(VALUE_MEASURES) & (value < 0), "value",
          lambda r: f"negative {r['measure']} {r['value']}")
    _fail(df, df.measure.isin(["mom_pct", "yoy_pct"]) & (value <= -100), "value",
          lambda r: f"a change of {r['value']}% is impossible (must be above -100)")
    _fail(df, (df.measure == "mom_pct") & (df.from_month != df.to_month), "measure",
          "a month-on-month change needs from_month = to_month")
    _check_known(df, "source_id", source_ids, "source id", "not in any sources.csv")
    _check_unique(df, ["from_month", "to_month", "partner", "measure", "series", "source_id"], "figure")
    df["half_width"] = [rounding_half_width(v, a) for v, a in zip(df.value, df.approx)]
    df["value"] = value
    return df

def validate_rankings(df: pd.DataFrame, source_ids, today: dt.date | None = None) -> pd.DataFrame:
    """Check ranking rows (month, rank 1..n, partner, source)."""
    _require(df, ["month", "rank", "partner", "source_id"])
    _check_month(df, "month", today or dt.date.today())
    _fail(df, ~df["rank"].str.match(r"^[1-9]\d*$"), "rank", lambda r: f"'{r['rank']}' is not a rank (1, 2, ...)")
    _fail(df, ~df.partner.map(is_partner_code).astype(bool) | df.partner.isin(AGGREGATES), "partner",
          lambda r: f"unknown partner code '{r['partner']}' (ISO 3166-1 alpha-2; a ranking "
          "ranks countries, not the total or a group)")
    _check_known(df, "source_id", source_ids, "source id", "not in any sources.csv")
    _check_unique(df, ["month", "rank", "source_id"], "rank")
    _check_unique(df, ["month", "partner", "source_id"], "ranked partner")
    df = df.copy()
    df["rank"] = df["rank"].astype(int)
    return df

def validate_events(df: pd.DataFrame, source_ids) -> pd.DataFrame:
    """Check the event timeline (dated, kinded, each with a source)."""
    _require(df, ["event_id", "date", "kind", "label", "source_id"])
    _check_date(df, "date")
    _check_date(df, "end_date", allow_empty=True)
    _fail(df, (df.end_date != "") & (df.end_date < df.date), "end_date",
          lambda r: f"'{r['end_date']}' is before the event's date {r['date']}")
    _check_known(df, "kind", EVENT_KINDS, "event kind", "allowed: " + listing(EVENT_KINDS, "kinds"))
    _check_known(df, "source_id", source_ids, "source id", "not in any sources.csv")
    _check_unique(df, ["event_id"], "event id")
    return df

def validate_resolutions(df: pd.DataFrame, source_ids) -> pd.DataFrame:
    """Check conflict resolutions: which source's figure wins for one figure key."""
    _require(df, ["from_month", "to_month", "partner", "measure", "winning_source_id"])
    _check_known(df, "winning_source_id", source_ids, "source id", "not in any sources.csv")
    df = df.copy()
    df["series"] = df.series.where(df.series != "", MAIN_SERIES)
    _check_known(df, "series", SERIES, "series", "allowed: " + listing(SERIES, "series"))
    _check_unique(df, ["from_month", "to_month", "partner", "measure", "series"], "resolution")
    return df

def validate_origins(df: pd.DataFrame) -> pd.DataFrame:
    """Check the origin register (ids unique across batches, kind known, released a date, URL http(s) or empty)."""
    _require(df, ["origin_id", "publisher", "kind", "released", "title"])
    _fail(df, ~df.origin_id.str.match(r"^[A-Za-z][A-Za-z0-9_.-]*$"), "origin_id",
          lambda r: f"'{r['origin_id']}' is not an origin id (letters, digits, _ . -; e.g. O12)")
    _check_known(df, "kind", ORIGIN_KINDS, "origin kind", "allowed: " + listing(ORIGIN_KINDS, "kinds"))
    _check_date(df, "released")
    _fail(df, (df.url != "") & ~df.url.str.match(r"^https?://\S+$"), "url",
          lambda r: f"'{r['url']}' is not an http(s) URL")
    _check_unique(df, ["origin_id"], "origin id")
    return df

def validate_relays(df: pd.DataFrame, sources: pd.DataFrame, origins: pd.DataFrame) -> pd.DataFrame:
    """Check which origin each source relays: known ids, one origin per source, and no page
    published before the origin it relays was released."""
    _require(df, ["source_id", "origin_id"])
    _check_known(df, "source_id", sources.source_id, "source id", "not in any sources.csv")
    _check_known(df, "origin_id", origins.origin_id, "origin id", "not in any origins.csv")
    df = _apply_corrections(df)
    dup = df.duplicated(subset=["source_id"], keep="first")
    if dup.any():
        bad = df[dup].iloc[0]
        first = df[df.source_id == bad.source_id].iloc[0]
        raise DataError(bad["file"], f"{bad.source_id} is given a second origin {bad.origin_id} (first: "
                        f"{first.origin_id} in {first['file']} row {first['row']}); a page relays one origin",
                        row=int(bad["row"]), column="source_id")
    released = dict(zip(origins.origin_id, origins.released))
    published = dict(zip(sources.source_id, sources.published))

    def too_early(r) -> bool:
        rel, pub = released[r.origin_id], published[r.source_id]
        n = min(len(rel), len(pub))   # compare at the precision both dates have
        return pub[:n] < rel[:n]

    _fail(df, df.apply(too_early, axis=1).astype(bool) if len(df) else df.source_id != df.source_id, "origin_id",
          lambda r: f"{r.source_id} (published {published[r.source_id]}) cannot relay {r.origin_id}, "
          f"released later ({released[r.origin_id]})")
    return df

def _require_page_evidence(file: str, row: int, source_id: str, what: str) -> None:
    """A correction of an earlier batch's page needs the page evidence in its own batch: a row for the
    page in the ``verification.csv`` beside ``file``."""
    evidence = paths.ROOT / Path(file).parent / "verification.csv"
    if not evidence.is_file() or source_id not in {
            r.get("source_id", "") for r in csv.DictReader(io.StringIO(evidence.read_text(encoding="utf-8")))}:
        raise DataError(file, f"{source_id}'s {what} without its page evidence (add a row for {source_id} to "
                        f"{paths.relative(evidence)})", row=row, column="source_id")

def _apply_corrections(df: pd.DataFrame) -> pd.DataFrame:
    """A later batch corrects a page's origin with a ``relays.csv`` row naming the origin it ``replaces``: the
    earlier row must give exactly that origin, and the correcting batch must hold the page evidence (a
    ``verification.csv`` row for that source). The raw files stay as they are; the correction is itself a
    checksummed row."""
    if "replaces" not in df.columns or not (df.replaces.fillna("") != "").any():
        return df
    df = df.copy()
    df["replaces"] = df.replaces.fillna("")
    drop = []
    for i, r in df[df.replaces != ""].iterrows():
        earlier = df[(df.source_id == r.source_id) & (df.index != i) & ~df.index.isin(drop)
                     & (df.replaces == "")]
        if earlier.empty or earlier.origin_id.iloc[0] != r.replaces:
            got = "none" if earlier.empty else earlier.origin_id.iloc[0]
            raise DataError(r["file"], f"{r.source_id} replaces origin {r.replaces}, but its origin on file is {got}",
                            row=int(r["row"]), column="replaces")
        _require_page_evidence(r["file"], int(r["row"]), r.source_id, "origin is corrected")
        drop.append(earlier.index[0])
    return df.drop(index=drop)


def attach_origins(sources: pd.DataFrame, relays: pd.DataFrame, origins: pd.DataFrame) -> pd.DataFrame:
    """``sources`` with ``origin_id`` and ``origin_released``. Once any batch has a ``relays.csv``,
    every source must name its origin (an error names the source's own row)."""
    sources = sources.copy()
    of = dict(zip(relays.source_id, relays.origin_id))
    sources["origin_id"] = sources.source_id.map(lambda s: of.get(s, "")).astype(str)
    if len(relays):
        _fail(sources, sources.origin_id == "", "source_id",
              lambda r: f"{r.source_id} names no origin (add a relays.csv row: {r.source_id},<origin_id>)")
    released = dict(zip(origins.origin_id, origins.released))
    sources["origin_released"] = sources.origin_id.map(lambda o: released.get(o, "")).astype(str)
    return sources

def apply_rescopes(figures: pd.DataFrame, rescopes: pd.DataFrame) -> pd.DataFrame:
    """Move figures a later batch found to be of another series (``rescopes.csv``): raw files stay as
    they are, the move is itself a checksummed row. Each row must name exactly one figure on file."""
    if rescopes.empty:
        return figures
    _require(rescopes, ["from_month", "to_month", "partner", "measure", "source_id", "from_series", "to_series"])
    for col in ("from_series", "to_series"):
        _check_known(rescopes, col, SERIES, "series", "allowed: " + listing(SERIES, "series"))
    _check_unique(rescopes, ["from_month", "to_month", "partner", "measure", "source_id", "from_series"], "rescope")
    figures = figures.copy()
    series = figures.series.where(figures.series != "", MAIN_SERIES)
    for r in rescopes.itertuples(index=False):
        hit = ((figures.from_month == r.from_month) & (figures.to_month == r.to_month)
               & (figures.partner == r.partner) & (figures.measure == r.measure)
               & (figures.source_id == r.source_id) & (series == r.from_series))
        if hit.sum() != 1:
            raise DataError(r.file, f"names no figure on file ({r.measure} of {r.partner} {r.from_month}..{r.to_month}, "
                            f"{r.from_series}, {r.source_id})", row=int(r.row), column="source_id")
        figures.loc[hit, "series"] = r.to_series
    return figures

def apply_setasides(figures: pd.DataFrame, setasides: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Set aside the figures a later batch found a page relays from another origin than its own
    (``setasides.csv``): a page relays one origin, so such a figure would count that origin twice, or
    credit it to the wrong one. Each row names exactly one figure and the origin it comes from; another
    page relaying that origin must hold the same figure (nothing is lost: the figure rests on that
    origin's pages), and the batch must hold the page evidence (a ``verification.csv`` row). The raw
    files stay as they are; the set-aside is itself a checksummed row."""
    if setasides.empty:
        return figures
    _require(setasides, ["from_month", "to_month", "partner", "measure", "source_id", "origin_id"])
    setasides = setasides.copy()
    setasides["series"] = setasides.get("series", pd.Series("", index=setasides.index)).fillna("")
    setasides["series"] = setasides.series.where(setasides.series != "", MAIN_SERIES)
    _check_unique(setasides, ["from_month", "to_month", "partner", "measure", "source_id", "series"], "set-aside")
    of = dict(zip(sources.source_id, sources.get("origin_id", pd.Series("", index=sources.index))))
    _check_known(setasides, "origin_id", {o for o in of.values() if o}, "origin id", "relayed by no page on file")
    drop = []
    for r in setasides.itertuples(index=False):
        same = ((figures.from_month == r.from_month) & (figures.to_month == r.to_month) & (figures.partner == r.partner)
                & (figures.measure == r.measure) & (figures.series == r.series))
        hit = same & (figures.source_id == r.source_id)
        what = f"{r.measure} of {r.partner} {r.from_month}..{r.to_month}, {r.series}, {r.source_id}"
        if hit.sum() != 1:
            raise DataError(r.file, f"names no figure on file ({what})", row=int(r.row), column="source_id")
        if of.get(r.source_id) == r.origin_id:
            raise DataError(r.file, f"{r.source_id} relays {r.origin_id} itself: nothing to set aside",
                            row=int(r.row), column="origin_id")
        value = float(figures.loc[hit, "value"].iloc[0])
        kept = figures[same & ~hit & figures.source_id.map(lambda x: of.get(x) == r.origin_id)
                       & ((figures.value - value).abs() <= figures.half_width + float(figures.loc[hit, "half_width"].iloc[0]))]
        if kept.empty:
            raise DataError(r.file, f"no page relaying {r.origin_id} holds the figure set aside ({what}): record it "
                            f"under such a page first, or nothing would hold it", row=int(r.row), column="origin_id")
        _require_page_evidence(r.file, int(r.row), r.source_id, "figure is set aside")
        drop.append(figures.index[hit][0])
    return figures.drop(index=drop)

def scope_matches(figures: pd.DataFrame, only=None) -> list[tuple[pd.Series, pd.Series]]:
    """Magnet-line tonnages (``cn:85051110``) equal, within the finer rounding of the two, to a rare-earth
    minerals tonnage (``cn:rare-earths``) of the same months and destination: ``[(magnet row, minerals row)]``.

    The usual trap: a page quoting GAC's minerals total ("4,343.5 t in October") as magnets. ``only``
    restricts the magnet rows checked (a boolean mask), e.g. to the rows of one import.
    """
    f = figures[figures.measure == "tonnes"]
    mag = f[f.series == MAIN_SERIES]
    if only is not None:
        mag = mag[only[mag.index]]
    minerals = f[f.series.isin(list(GUARDED_SERIES))]
    if mag.empty or minerals.empty:
        return []
    keys = ["from_month", "to_month", "partner"]
    pairs = mag.reset_index().merge(minerals[keys + ["value", "half_width", "source_id", "series"]], on=keys,
                                    suffixes=("", "_x"))   # one vectorised join, not a scan per figure
    pairs = pairs[(pairs.value - pairs.value_x).abs() <= pairs[["half_width", "half_width_x"]].max(axis=1)]
    out = []
    for idx, hits in pairs.groupby("index", sort=True):
        m = mag.loc[idx]
        best = hits.loc[hits.half_width_x.idxmin()]          # the most precise, citing every page
        x = minerals[(minerals.from_month == m.from_month) & (minerals.to_month == m.to_month)
                     & (minerals.partner == m.partner) & (minerals.source_id == best.source_id_x)
                     & (minerals.series == best.series_x)].iloc[0].copy()
        x["source_id"] = ", ".join(sorted(set(hits[hits.series_x == best.series_x].source_id_x),
                                          key=lambda i: (len(i), i)))
        out.append((m, x))
    return out

def scope_match_text(magnet: pd.Series, minerals: pd.Series) -> str:
    """``matches the rare-earth minerals total of October 2025 (4,343.5 t, S76): check the page's scope``."""
    month = pd.Timestamp(magnet.from_month + "-01").strftime("%B %Y")
    if magnet.from_month != magnet.to_month:
        month = f"{magnet.from_month}..{magnet.to_month}"
    where = "" if magnet.partner == TOTAL else f" to {magnet.partner}"
    what = GUARDED_SERIES.get(minerals.get("series", MINERALS_SERIES), GUARDED_SERIES[MINERALS_SERIES])
    return (f"{magnet.value:,g} t{where} matches {what} of {month} "
            f"({minerals.value:,g} t, {minerals.source_id}): check the page's scope")

def check_scope_matches(figures: pd.DataFrame, resolutions: pd.DataFrame) -> None:
    """Stop on a magnet-line tonnage equal to a same-month minerals tonnage, unless a ``resolutions.csv``
    row names that page as the winner of that key (the scope was checked and the figure kept)."""
    accepted = {(r.from_month, r.to_month, r.partner, r.measure, r.winning_source_id)
                for r in resolutions[resolutions.series == MAIN_SERIES].itertuples(index=False)}
    for m, x in scope_matches(figures):
        if (m.from_month, m.to_month, m.partner, m.measure, m.source_id) in accepted:
            continue
        raise DataError(m["file"], f"{scope_match_text(m, x)} (a resolutions.csv row naming {m.source_id} for "
                        "this figure keeps it)", row=int(m["row"]), column="value")

def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    if frames:
        return pd.concat(frames, ignore_index=True)
    required, optional = TABLES[table]
    return pd.DataFrame(columns=list(required + optional) + ["row", "file"], dtype=str)
