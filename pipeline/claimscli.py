"""``magnet-claims``: draft a claims file from a saved article, and check one.

``magnet-claims draft ARTICLE --published YYYY-MM-DD -o CLAIMS.csv`` reads a saved article (plain text
or a saved HTML page) and writes its claims (:mod:`helpers.articles.drafting`) for a journalist to review.
``magnet-claims check CLAIMS.csv [--as-known-on article|YYYY-MM-DD|all]`` prints the verdict of each
claim (:func:`helpers.articles.articleday.judge_article`, the same check as the claims report, notebook 03).
Errors are one line naming the file, the row or the option; the exit status is 1.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

from helpers.errors import DataError, MagnetError, ParameterError

from pipeline.intake.cli import OneLineParser


def _is_date(text: str) -> bool:
    import datetime as dt

    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


def build_parser() -> OneLineParser:
    p = OneLineParser(prog="magnet-claims", description="Draft a news article's claims file, or check one.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    d = sub.add_parser("draft", help="draft the claims of a saved article (text or HTML) for review")
    d.add_argument("article", metavar="ARTICLE", help="the saved article: plain text, or a saved HTML page")
    d.add_argument("--published", required=True, help="the article's publication day, YYYY-MM-DD")
    d.add_argument("--source-id", default="", help="the article's id in the source register, when it is on file")
    d.add_argument("-o", "--output", required=True, metavar="CLAIMS.csv", help="the claims file to write")
    c = sub.add_parser("check", help="print the verdict of each claim of a claims file")
    c.add_argument("claims", metavar="CLAIMS.csv", help="a claims file (format: data/claims/README.md)")
    c.add_argument("--as-known-on", default="article",
                   help="'article' (default: what was released by the article's publication day, the day's "
                        "release included), a date YYYY-MM-DD, or 'all' (everything on file)")
    c.add_argument("--as-of", default="", help="the last month of data used, YYYY-MM (default: the latest known)")
    c.add_argument("--data", default="", help="the data folder (default: the project's data/)")
    return p


def draft_command(args) -> int:
    from helpers.articles import drafting

    if not _is_date(args.published):
        raise ParameterError("--published", args.published, "a date YYYY-MM-DD")
    path = Path(args.article)
    try:
        raw = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise DataError(path, f"cannot read the article ({exc.strerror})") from None
    claims = drafting.draft(raw, args.published, args.source_id)
    if not claims:
        raise DataError(path, "no claim found: no tonnage, percentage, record, streak or ranking in its text")
    drafting.write_claims(claims, args.output)
    print(f"{args.output}: {len(claims)} claims drafted from {path.name}; review each against its sentence, "
          f"then: magnet-claims check {args.output}")
    return 0


def check_command(args) -> int:
    from helpers.articles import claims as C, verdicts as V
    from helpers.articles.articleday import judge_article
    from helpers.data.dataset import load_dataset

    when = args.as_known_on.strip()
    if when == "all":
        when = ""
    elif when != "article" and not _is_date(when):
        raise ParameterError("--as-known-on", args.as_known_on, "article, a date YYYY-MM-DD, or all")
    if args.as_of and not re.fullmatch(r"\d{4}-\d{2}", args.as_of):
        raise ParameterError("--as-of", args.as_of, "a month YYYY-MM")
    all_data = load_dataset(Path(args.data) if args.data else None)
    table = C.load_claims(args.claims)
    out = judge_article(all_data, table, when, args.as_of)
    checked = out["checked"]
    article, link, _ = V.article_line(all_data, table)
    print(f"{args.claims}: {article}" + (f" <{link}>" if link else ""))
    if out["day_words"]:
        print(out["day_words"])
    print(V.result_sentence(checked, out["day"], out["article_day"]))
    print()
    width = max(len(str(c)) for c in checked.claim_id)
    for r in checked.itertuples(index=False):
        head = f"{str(r.claim_id).rjust(width)}  {r.verdict:<16}  {r.claim}"
        print(textwrap.fill(head, 110, subsequent_indent=" " * (width + 20)))
        print(textwrap.fill(f"stated {r.stated}; the data: {r.computed}. {r.why}", 110,
                            initial_indent=" " * (width + 20), subsequent_indent=" " * (width + 20)))
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return {"draft": draft_command, "check": check_command}[args.command](args)
    except MagnetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
