"""``magnet-fetch comtrade --period YYYYMM``: fetch a month from the UN Comtrade API and import it.

When a UN Comtrade subscription key is configured (the environment variable
``COMTRADE_API_KEY``; never committed), the month's exports of permanent magnets
(HS 850511) by China (reporter 156) to every partner are fetched with
``comtradeapicall.getFinalData``, written as a CSV to a temporary file and added
through the same validated path as a downloaded file (:func:`pipeline.intake.batch.import_file`,
format ``comtrade``): the same checks, the same one-line errors, nothing written
unless all of it is valid. Without a key it says how to set one and exits 2.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import tempfile
from pathlib import Path

from helpers.errors import DataError, MagnetError, ParameterError

from pipeline.intake.cli import OneLineParser, print_result

#: The environment variable holding the UN Comtrade subscription key.
KEY_ENV = "COMTRADE_API_KEY"
#: China, exports, HS 8505.11 (permanent magnets of metal), monthly.
QUERY = {"typeCode": "C", "freqCode": "M", "clCode": "HS", "reporterCode": "156", "cmdCode": "850511",
         "flowCode": "X", "partnerCode": None, "partner2Code": None, "customsCode": None, "motCode": None}
SOURCE_URL = "https://comtradeplus.un.org/TradeFlow"
#: Exit status when no key is configured (nothing to do, not a failure of the data).
NO_KEY = 2


def check_period(value: str) -> str:
    """``YYYYMM`` (``YYYY-MM`` accepted), a month that has ended."""
    m = re.match(r"^(\d{4})-?(\d{2})$", str(value).strip())
    allowed = "a month YYYYMM (or YYYY-MM) that has ended, e.g. 202506"
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ParameterError("--period", value, allowed)
    period = m.group(1) + m.group(2)
    if period >= dt.date.today().strftime("%Y%m"):
        raise ParameterError("--period", value, allowed)
    return period


def fetch_comtrade(period: str, key: str):
    """The API's answer for ``period`` as a pandas DataFrame (DataError when there is none)."""
    try:
        import comtradeapicall
    except ImportError:
        raise DataError("UN Comtrade API", "the comtradeapicall package is not installed (make env)") from None
    try:
        df = comtradeapicall.getFinalData(key, period=period, maxRecords=None, format_output="JSON",
                                          aggregateBy=None, breakdownMode="classic", countOnly=None,
                                          includeDesc=True, **QUERY)
    except Exception as exc:  # network, HTTP, JSON: one line, whatever the client raised
        raise DataError("UN Comtrade API", f"the request for {period} failed ({type(exc).__name__}: "
                        f"{' '.join(str(exc).split())[:200]})") from None
    if df is None or len(df) == 0:
        raise DataError("UN Comtrade API", f"no data for China's exports of 850511 in {period} yet "
                        "(Comtrade publishes a month some weeks after China's customs)")
    return df


def fetch_and_import(period: str, key: str, *, check: bool = False, published: str | None = None,
                     data_dir: Path | None = None):
    """Fetch ``period`` and add it as a batch (``check``: validate only); the import's result."""
    from pipeline.intake.batch import import_file
    from pipeline.intake.model import Options

    df = fetch_comtrade(period, key)
    published = published or dt.date.today().isoformat()
    with tempfile.TemporaryDirectory(prefix="magnet-fetch-") as tmp:
        path = Path(tmp) / f"comtrade-{period}.csv"
        df.to_csv(path, index=False)
        opts = Options(source_url=SOURCE_URL, published=published,
                       title=f"UN Comtrade: China exports of HS 850511, {period[:4]}-{period[4:]} (API)")
        return import_file(path, "comtrade", data_dir=data_dir, opts=opts, slug=f"comtrade-{period}",
                           dry_run=check, name=f"UN Comtrade API {period}")


def main(argv: list[str] | None = None) -> int:
    """``magnet-fetch comtrade --period YYYYMM [--check]``."""
    parser = OneLineParser(prog="magnet-fetch", description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=["comtrade"], help="where to fetch from (comtrade: the UN Comtrade API)")
    parser.add_argument("--period", required=True, metavar="YYYYMM", help="the month to fetch")
    parser.add_argument("--published", metavar="YYYY-MM-DD", help="publication date to record (default: today)")
    parser.add_argument("--check", action="store_true", help="fetch and check against the data; write nothing")
    try:
        args = parser.parse_args(argv)
        period = check_period(args.period)
        key = os.environ.get(KEY_ENV, "").strip()
        if not key:
            print(f"magnet-fetch: no UN Comtrade subscription key: set {KEY_ENV} (a key from "
                  "https://comtradedeveloper.un.org; in GitHub Actions, a repository secret of that name)",
                  file=sys.stderr)
            return NO_KEY
        result = fetch_and_import(period, key, check=args.check, published=args.published)
    except MagnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_result(result, args.check, "the UN Comtrade API")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
