"""magnet-import: official files become new raw batches; bad input changes nothing and says why in one line.

Every test works on a private copy of ``data/`` (fixture values never reach the real
one): in-process tests pass ``data_dir``, command-line tests set ``MAGNET_PROJECT_ROOT``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import FROZEN_DATA, run_command

from helpers import paths
from helpers.story import monthfacts
from helpers.data.dataset import load_dataset
from helpers.errors import ConflictError, DataError, MagnetError, ParameterError
from helpers.data.partners import partner_lookup, resolve_partner
from pipeline.intake.batch import import_file
from pipeline.intake.model import Options
from pipeline.intake.reading import tonnes_text

FIX = Path(__file__).parent / "fixtures" / "imports"
BAD = FIX / "bad"
TODAY = dt.date(2026, 11, 28)
PUBLISHED = "2026-05-15"
#: The id the importer gives the next new page: the frozen data (tests/fixtures/data) hold S1-S95.
NEXT_ID = "S96"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private project root holding a copy of data/ and a stand-in reports/ folder."""
    shutil.copytree(FROZEN_DATA, tmp_path / "data")   # the frozen data: a new month on file changes no test
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "index.html").write_text("<p>published report</p>\n", encoding="utf-8")
    return tmp_path


def tree_hash(root: Path) -> str:
    """sha256 over every path and byte under ``root`` (hidden files included)."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def run(project: Path, fixture: Path, **kw):
    opts = kw.pop("opts", Options(published=PUBLISHED, flow="export"))
    return import_file(fixture, data_dir=project / "data", today=TODAY, opts=opts, **kw)


def refused(project: Path, fixture: Path, words: str, row: int | None = None, column: str | None = None,
            kind=DataError, **kw) -> str:
    """Import must fail with one line naming the file and row; the project stays byte-identical."""
    before = tree_hash(project)
    with pytest.raises(kind) as info:
        run(project, fixture, **kw)
    msg = str(info.value)
    assert "\n" not in msg, msg
    assert words in msg, msg
    if isinstance(info.value, DataError):
        assert fixture.name in msg, msg
    if row is not None:
        assert f"row {row}" in msg and info.value.row == row, msg
    if column is not None:
        assert f"column '{column}'" in msg, msg
    assert tree_hash(project) == before, "a refused import changed data/ or reports/"
    return msg


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    """``magnet-import ARGS`` on the project copy, in a process of its own (conftest.run_command)."""
    return run_command("pipeline.intake.cli", *args, env={"MAGNET_PROJECT_ROOT": str(project)}, cwd=project,
                       timeout=120)


# --------------------------------------------------------------------------- the three paths work


def added_figures(project: Path, result) -> list[dict]:
    with open(result.batch / "figures.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_comtrade_file_adds_a_month_in_tonnes_with_kg_precision(project):
    result = run(project, FIX / "comtrade-2026-04.csv")
    ds = load_dataset(project / "data", today=TODAY)
    rows = {r["partner"]: r for r in added_figures(project, result)}
    assert rows["WLD"]["value"] == "5812.345" and rows["US"]["value"] == "601.234"
    assert rows["TW"]["value"] == "150.000"          # "Other Asia, nes" is Taiwan in UN Comtrade
    assert "KR" in rows and len(rows) == 5           # "Areas, nes" skipped, with a warning
    assert any("Areas, nes" in w for w in result.warnings)
    new = ds.figures[ds.figures.source_id == result.source_ids[0]]
    assert set(new.half_width) == {0.0005}
    assert set(new.series) == {"hs:850511"} and {r["series"] for r in rows.values()} == {"hs:850511"}
    src = ds.source(result.source_ids[0])
    assert src.outlet == "UN Comtrade" and src.published == PUBLISHED and src.accessed == "2026-11-28"
    assert (result.batch / "original.csv").read_bytes() == (FIX / "comtrade-2026-04.csv").read_bytes()
    assert result.batch.parent == project / "data" / "raw"
    assert [p.name for p in (project / "data").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("fixture", ["customs-2026-04.csv", "customs-2026-04-gbk.csv"])
def test_china_customs_export_utf8_with_bom_or_gbk_adds_a_month(project, fixture):
    result = run(project, FIX / fixture)
    ds = load_dataset(project / "data", today=TODAY)
    assert ds.latest_month == "2026-04"
    rows = {r["partner"]: r for r in added_figures(project, result)}
    assert rows["WLD"]["value"] == "5812.345"
    assert rows["KR"]["value"] == "702.110" and "sum of 2 customs regimes" in rows["KR"]["note"]
    assert set(rows) == {"WLD", "JP", "KR", "VN", "US"}
    assert ds.source(result.source_ids[0]).agency == "GAC"


def test_news_release_format_adds_tonnes_and_changes(project):
    result = run(project, FIX / "news-2026-04.csv", opts=Options())
    ds = load_dataset(project / "data", today=TODAY)
    assert ds.latest_month == "2026-04"
    new = ds.figures[ds.figures.from_month == "2026-04"]
    assert set(zip(new.partner, new.measure)) == {("WLD", "tonnes"), ("WLD", "mom_pct"), ("WLD", "yoy_pct"),
                                                   ("US", "tonnes")}
    src = ds.source(result.source_ids[0])
    assert src.url.startswith("https://example.org/news/") and src.published == "2026-05-20"


@pytest.mark.slow
def test_the_command_adds_a_file_and_reports_the_new_latest_month(project):
    before_reports = tree_hash(project / "reports")
    out = cli(project, str(FIX / "customs-2026-04.csv"), "--published", PUBLISHED, "--flow", "export",
              "--slug", "Customs Jan")
    assert out.returncode == 0, out.stderr
    assert "latest month is now 2026-04" in out.stdout and "scope comparison" not in out.stdout
    batches = sorted(p.name for p in (project / "data" / "raw").iterdir())
    assert batches[-1].endswith("-customs-jan")
    assert tree_hash(project / "reports") == before_reports
    assert load_dataset(project / "data", today=TODAY).latest_month == "2026-04"


@pytest.mark.slow
def test_a_comtrade_file_imports_into_hs6_and_changes_no_figure_of_the_rare_earth_line(project):
    """UN Comtrade's 850511 holds all metal permanent magnets: its own series, never GAC's 85051110."""
    from helpers.analysis.series import build_monthly_series, derive

    before = load_dataset(project / "data", today=TODAY)
    # a month on file: June 2025's 3,188 t (S1); the HS-6 world total of June is larger (all metals)
    comtrade = FIX / "comtrade-2026-04.csv"
    june = project / "comtrade-2025-06.csv"
    june.write_text(comtrade.read_text(encoding="utf-8").replace("202604", "202506").replace(
        ",2026,4,", ",2025,6,").replace("5812345,5812345", "3401000,3401000"), encoding="utf-8")
    for file in (comtrade, june):
        out = cli(project, str(file), "--published", PUBLISHED)
        assert out.returncode == 0, out.stderr
        assert "HS subheading 8505.11" in out.stdout and "scope comparison" in out.stdout
        assert "latest month is now 2026-03" in out.stdout     # the story's latest month does not move
    after = load_dataset(project / "data", today=TODAY)
    assert len(after.figures) == len(before.figures) + 10
    assert set(after.figures.series) - set(before.figures.series) == {"hs:850511"}
    main = ["from_month", "to_month", "partner", "measure", "value", "source_id"]
    assert after.figures[after.figures.series == "cn:85051110"][main].reset_index(drop=True).equals(
        before.figures[before.figures.series == "cn:85051110"][main].reset_index(drop=True))
    for partner in ("WLD", "US", "DE", "KR"):
        assert build_monthly_series(after, partner).equals(build_monthly_series(before, partner)), partner
    assert derive(after).revisions == derive(before).revisions   # 3,401 t is no revision of 3,188 t


def test_a_second_source_for_the_same_month_corroborates(project):
    run(project, FIX / "customs-2026-04.csv")
    run(project, FIX / "news-2026-04.csv", opts=Options())   # 5812 t agrees with 5812.345 t
    ds = load_dataset(project / "data", today=TODAY)
    assert len(ds.figures[(ds.figures.from_month == "2026-04") & (ds.figures.partner == "WLD")
                          & (ds.figures.measure == "tonnes")]) == 2


def test_a_china_customs_query_of_8505_11_90_goes_into_its_own_series(project):
    """Magnets of other metals (85051190) beside the rare-earth line (85051110) in one query export."""
    text = (FIX / "customs-2026-04.csv").read_text(encoding="utf-8-sig")
    header, *rows = text.splitlines()
    other = [r.replace('"85051110","Permanent magnets of rare earth metals"', '"85051190","Other permanent magnets '
                       'of metal"').replace('"5812345"', '"612345"') for r in rows[:1]]
    both = project / "customs-both-2026-04.csv"
    both.write_text("\n".join([header, *rows, *other]) + "\n", encoding="utf-8")
    result = run(project, both)
    added = {(r["partner"], r["series"]): r["value"] for r in added_figures(project, result)}
    assert added[("WLD", "cn:85051110")] == "5812.345" and added[("WLD", "cn:85051190")] == "612.345"
    assert result.series == ("cn:85051110", "cn:85051190")
    ds = load_dataset(project / "data", today=TODAY)
    assert ds.latest_month == "2026-04"
    from helpers.analysis.series import estimate
    assert estimate(ds, "WLD", "2026-04").value == 5812.345      # the other metals never join the line


def test_a_news_figure_names_its_series_or_is_the_rare_earth_line(project, tmp_path):
    news = (FIX / "news-2026-04.csv").read_text(encoding="utf-8")
    header, first, *_ = news.splitlines()
    bad = tmp_path / "news-series.csv"
    bad.write_text(f"{header},series\n{first},850511\n", encoding="utf-8")
    refused(project, bad, "unknown series '850511' (empty for GAC's rare-earth line, or one of cn:85051110",
            row=2, column="series", opts=Options())
    good = tmp_path / "news-hs6.csv"
    good.write_text(f"{header},series\n{first},hs:850511\n", encoding="utf-8")
    result = run(project, good, opts=Options())
    assert [r["series"] for r in added_figures(project, result)] == ["hs:850511"]


def test_the_same_file_is_not_imported_twice(project):
    run(project, FIX / "comtrade-2026-04.csv")
    refused(project, FIX / "comtrade-2026-04.csv", "already imported")


def test_an_import_lock_another_user_made_does_not_stop_an_import(project, monkeypatch):
    """The lock file of this data folder exists but this user cannot write it (another user made it):
    the import takes a lock of this user's own instead of failing with a PermissionError."""
    import os

    from pipeline.intake import batch

    theirs = batch.lock(project / "data").lock_file
    Path(theirs).touch()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == theirs else real_access(p, mode, **kw))
    mine = batch.lock(project / "data").lock_file
    assert mine != theirs and mine.endswith(f"-uid{os.getuid()}.lock")
    run(project, FIX / "comtrade-2026-04.csv")


def test_a_figure_within_rounding_of_an_existing_one_is_accepted(project):
    result = run(project, BAD / "corroborates-2025-06.csv", opts=Options())   # 3188.2 vs 3188 (S1)
    assert result.resolutions == 0


# --------------------------------------------------------------------------- conflicts


def test_a_conflicting_figure_is_refused_with_both_values_and_sources(project):
    msg = refused(project, BAD / "conflict-2025-06.csv", "conflicts with existing 3188 (S1", row=2,
                  kind=ConflictError, opts=Options())
    assert "new 3250" in msg and "--prefer" in msg


@pytest.mark.parametrize("prefer", ["new", "existing"])
def test_a_conflict_is_accepted_when_told_which_wins(project, prefer):
    before = len(load_dataset(project / "data", today=TODAY).resolutions)
    result = run(project, BAD / "conflict-2025-06.csv", opts=Options(), prefer=prefer)
    assert result.resolutions == 1
    ds = load_dataset(project / "data", today=TODAY)
    assert len(ds.resolutions) == before + 1
    # June 2025's tonnage (the data also settle June 2025's y/y change: another quantity)
    res = ds.resolutions[(ds.resolutions.from_month == "2025-06") & (ds.resolutions.partner == "WLD")
                         & (ds.resolutions.measure == "tonnes")]
    assert len(res) == 1
    expected = result.source_ids[0] if prefer == "new" else "S1"
    assert res.iloc[0].winning_source_id == expected
    from helpers.analysis.series import estimate
    assert estimate(ds, "WLD", "2025-06").value == (3250.0 if prefer == "new" else 3188.0)


# --------------------------------------------------------------------------- bad input: one line, nothing changed


def test_empty_file(project):
    refused(project, BAD / "empty.csv", "is empty")


def test_file_that_cannot_be_decoded(project):
    refused(project, BAD / "comtrade-latin1.csv", "cannot be decoded", row=2)


def test_china_customs_file_neither_utf8_nor_gbk(project):
    refused(project, BAD / "customs-undecodable.csv", "neither UTF-8 nor GBK", row=2, fmt="customs")


def test_wrong_delimiter(project):
    refused(project, BAD / "wrong-delimiter.csv", "not comma-separated", row=1, fmt="news")


def test_missing_column(project):
    refused(project, BAD / "missing-column.csv", "missing column(s): value", row=1, column="value", fmt="news")


def test_unknown_column_in_the_news_format(project):
    refused(project, BAD / "unknown-column.csv", "unknown column(s): comment", row=1, column="comment")


def test_non_numeric_value(project):
    refused(project, BAD / "non-numeric.csv", "'about 5800' is not a number", row=3, column="value")


def test_negative_weight_in_the_news_format(project):
    refused(project, BAD / "negative-weight.csv", "negative tonnage -601", row=3, column="value")


def test_negative_weight_in_a_comtrade_file(project):
    refused(project, BAD / "comtrade-negative-weight.csv", "negative weight", row=3, column="netWgt")


def test_month_13(project):
    refused(project, BAD / "customs-month-13.csv", "month 13 is not 01-12", row=3, column="Date of data")


def test_future_month(project):
    refused(project, BAD / "future-month.csv", "'2027-03' is in the future", row=3, column="month")


def test_duplicate_rows(project):
    refused(project, BAD / "comtrade-duplicate-rows.csv", "duplicate row: US in 2026-04 already on row 3",
            row=4)


def test_unknown_partner(project):
    refused(project, BAD / "unknown-partner.csv", "unknown partner 'Atlantis'", row=3, column="partner")


def test_commodity_other_than_850511(project):
    refused(project, BAD / "comtrade-other-commodity.csv", "commodity '850519' is not 850511 (HS subheading 8505.11", row=2,
            column="cmdCode")


def test_reporter_other_than_china(project):
    refused(project, BAD / "comtrade-other-reporter.csv", "is not China", row=2, column="reporterCode")


def test_imports_instead_of_exports(project):
    refused(project, BAD / "comtrade-imports.csv", "flowCode 'M' is imports, not exports", row=2,
            column="flowCode")


def test_china_customs_file_needs_to_be_told_it_holds_exports(project):
    before = tree_hash(project)
    with pytest.raises(ParameterError, match="--flow"):
        run(project, FIX / "customs-2026-04.csv", opts=Options(published=PUBLISHED))
    with pytest.raises(ParameterError, match="only exports"):
        run(project, FIX / "customs-2026-04.csv", opts=Options(published=PUBLISHED, flow="import"))
    assert tree_hash(project) == before


def test_value_implausible_against_history(project):
    msg = refused(project, BAD / "implausible-kg-as-tonnes.csv", "implausible", row=2, column="value")
    assert "kilograms entered as tonnes" in msg and "--accept-implausible" in msg


def test_implausible_value_accepted_when_told_with_a_warning(project):
    result = run(project, BAD / "implausible-kg-as-tonnes.csv", opts=Options(), accept_implausible=True)
    assert any("implausible" in w and "row 2" in w for w in result.warnings)


def test_missing_source(project):
    refused(project, BAD / "missing-source.csv", "no source", row=3, column="source_url")


def test_comtrade_file_needs_its_publication_date(project):
    before = tree_hash(project)
    with pytest.raises(ParameterError, match="'--published'"):
        run(project, FIX / "comtrade-2026-04.csv", opts=Options())
    assert tree_hash(project) == before


@pytest.mark.parametrize("slug", ["../../etc", "/tmp/evil", "a/b", "..", "x\\y"])
def test_batch_name_cannot_leave_data(project, slug):
    msg = refused(project, FIX / "comtrade-2026-04.csv", "not a path", kind=ParameterError, slug=slug)
    assert "'--slug'" in msg


def test_text_from_a_file_is_written_as_one_csv_cell(project):
    evil = project / "evil.csv"
    evil.write_text("month,partner,measure,value,source_url,published,title\n"
                    "2026-04,WLD,tonnes,5812,https://example.org/x,2026-05-20,"
                    "\"<script>alert(1)</script>\nsecond line, \"\"quoted\"\"\"\n", encoding="utf-8")
    result = run(project, evil, opts=Options())
    ds = load_dataset(project / "data", today=TODAY)
    title = ds.source(result.source_ids[0]).title
    assert "\n" not in title and title.startswith("<script>")   # kept as text; the build escapes HTML


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize("args, words", [
    (["bad/empty.csv"], "is empty"),
    (["bad/wrong-delimiter.csv", "--format", "news"], "row 1"),
    (["bad/implausible-kg-as-tonnes.csv"], "row 2"),
    (["bad/comtrade-imports.csv", "--published", PUBLISHED], "row 2"),
    (["comtrade-2026-04.csv", "--published", "2026-13-45"], "'--published'"),
    (["comtrade-2026-04.csv", "--published", PUBLISHED, "--slug", "../x"], "'--slug'"),
    (["comtrade-2026-04.csv", "--format", "excel"], "--format"),
    (["bad/conflict-2025-06.csv"], "--prefer"),
])
@pytest.mark.slow
def test_the_command_fails_with_one_error_line_and_changes_nothing(project, args, words):
    before = tree_hash(project)
    out = cli(project, str(FIX / args[0]), *args[1:])
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert "Traceback" not in out.stderr and words in lines[0], out.stderr
    assert tree_hash(project) == before


@pytest.mark.slow
def test_the_command_records_a_resolution_with_prefer(project):
    before = load_dataset(project / "data", today=TODAY).resolutions
    out = cli(project, str(BAD / "conflict-2025-06.csv"), "--prefer", "new")
    assert out.returncode == 0, out.stderr
    assert "1 resolution" in out.stdout
    after = load_dataset(project / "data", today=TODAY).resolutions
    assert len(after) == len(before) + 1
    added = after[~after.file.isin(set(before.file))]
    assert len(added) == 1
    added = added.iloc[0]
    assert (added.from_month, added.to_month, added.partner, added.measure) == ("2025-06", "2025-06", "WLD", "tonnes")
    assert added.winning_source_id == NEXT_ID


# --------------------------------------------------------------------------- small parts


def test_kilograms_become_tonnes_keeping_kg_precision():
    from decimal import Decimal
    assert tonnes_text(Decimal("3188123"), "kg") == "3188.123"
    assert tonnes_text(Decimal("3.188123E6"), "kg") == "3188.123"
    assert tonnes_text(Decimal("500"), "kg") == "0.500"
    assert tonnes_text(Decimal("3188"), "t") == "3188"


@pytest.mark.parametrize("text, code", [
    ("World", "WLD"), ("0", "WLD"), ("W00", "WLD"), ("USA", "US"), ("842", "US"), ("Korea, Rep.", "KR"),
    ("Republic of Korea", "KR"), ("Viet Nam", "VN"), ("DEU", "DE"), ("Germany", "DE"), ("美国", "US"),
    ("总值", "WLD"), ("Atlantis", None),
])
def test_partner_names_and_codes_map_to_iso(text, code):
    lookup = partner_lookup(load_dataset().partners)
    assert resolve_partner(text, lookup) == code


def test_errors_are_magnet_errors():
    assert issubclass(ConflictError, MagnetError) and issubclass(ParameterError, MagnetError)


def test_comtrade_bulk_file_tab_separated_and_gzipped(project, tmp_path):
    import gzip
    with open(FIX / "comtrade-2026-04.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    bulk = tmp_path / "comtrade-bulk-2026-04.txt.gz"
    bulk.write_bytes(gzip.compress("".join("\t".join(r) + "\n" for r in rows).encode()))
    result = run(project, bulk)
    assert {r["partner"] for r in added_figures(project, result)} == {"WLD", "US", "DE", "KR", "TW"}
    assert (result.batch / "original.gz").read_bytes() == bulk.read_bytes()
    assert {r["series"] for r in added_figures(project, result)} == {"hs:850511"}


# --------------------------------------------------------------------------- all or nothing


def test_a_failure_while_publishing_changes_nothing(project, monkeypatch):
    """The one step that publishes a batch is its rename into raw/: when it fails (a disk error), the
    staged batch is removed and data/ is byte-identical; no manifest outside the batch is written."""
    import os

    real, renamed = os.rename, []

    def failing(src, dst, *a, **kw):
        if Path(dst).parent == (project / "data" / "raw").resolve():
            renamed.append(dst)
            raise OSError(5, "Input/output error")
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(os, "rename", failing)
    before = tree_hash(project)
    with pytest.raises(OSError, match="Input/output error"):
        run(project, FIX / "comtrade-2026-04.csv")
    assert renamed, "the import publishes its batch by renaming it into raw/"
    assert tree_hash(project) == before


def test_an_import_writes_its_batch_with_its_own_checksums_and_nothing_else(project):
    """A batch carries its SHA256SUMS (sha256sum -c format, paths relative to the batch); the import
    changes no file outside its batch folder."""
    before = data_files(project)
    result = run(project, FIX / "comtrade-2026-04.csv")
    after = data_files(project)
    assert {k for k in before if before[k] != after.get(k)} == set()
    added = sorted(set(after) - set(before))
    batch = result.batch.relative_to(project / "data").as_posix()
    assert added and all(a.startswith(batch + "/") for a in added)
    sums = dict(reversed(line.split("  ", 1)) for line in (result.batch / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {a[len(batch) + 1:] for a in added} - {"SHA256SUMS"}
    assert all(hashlib.sha256((result.batch / f).read_bytes()).hexdigest() == h for f, h in sums.items())
    assert staging_left(project) == []


def test_a_failure_while_validating_leaves_no_temporary_folder(project, monkeypatch):
    import pipeline.intake.batch as imp

    def invalid(*args, **kwargs):
        raise DataError("data/raw/x/figures.csv", "broken on purpose", row=2)

    monkeypatch.setattr(imp, "_validate_combined", invalid)
    before = tree_hash(project)
    with pytest.raises(DataError, match="broken on purpose"):
        run(project, FIX / "comtrade-2026-04.csv")
    assert tree_hash(project) == before


def test_check_writes_nothing(project):
    before = tree_hash(project)
    result = run(project, FIX / "news-2026-04.csv", opts=Options(), dry_run=True)
    assert result.batch is None and result.figures == 4
    assert tree_hash(project) == before


def news_file(tmp_path: Path, *rows: str, name: str = "news.csv") -> Path:
    path = tmp_path / name
    path.write_text("month,to_month,partner,measure,value,source_url,published\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return path


def test_a_settled_conflict_cannot_be_reopened_by_a_third_value(project, tmp_path):
    run(project, BAD / "conflict-2025-06.csv", opts=Options(), prefer="new")
    third = news_file(tmp_path, "2025-06,,WLD,tonnes,3300,https://example.org/third,2026-02-01")
    msg = refused(project, third, f"already settles in favour of {NEXT_ID}", row=2, kind=ConflictError, opts=Options(),
                  prefer="new")
    assert "3300" in msg


def test_news_format_cumulative_span_and_a_registered_page_reused(project, tmp_path):
    url = "https://www.kitco.com/news/off-the-wire/2025-08-20/chinas-rare-earth-magnet-exports-hit-six-month-high-july"
    path = news_file(tmp_path, f"2026-04,2026-04,JP,tonnes,240,https://example.org/jp,2026-05-20",
                     f"2025-01,2025-07,DE,tonnes,6900,{url},2025-08-20")
    result = run(project, path, opts=Options())
    assert sorted(result.source_ids) == sorted([NEXT_ID, "S7"])  # the Kitco page is S7 already
    ds = load_dataset(project / "data", today=TODAY)
    span = ds.figures[(ds.figures.partner == "DE") & (ds.figures.to_month == "2025-07")
                      & (ds.figures.from_month == "2025-01")]
    assert list(span.source_id) == ["S7"]
    assert len(ds.sources[ds.sources.url == url]) == 1


def test_a_later_release_that_changes_a_month_is_a_revision_with_both_vintages_kept(project):
    from helpers.story import facts

    result = run(project, FIX / "revision-2025-06.csv", opts=Options())
    assert result.resolutions == 0
    assert any("revised from 3188" in w and "S1" in w and "both vintages kept" in w for w in result.warnings)
    ds = load_dataset(project / "data", today=TODAY)
    june = ds.figures[(ds.figures.from_month == "2025-06") & (ds.figures.to_month == "2025-06")
                      & (ds.figures.partner == "WLD") & (ds.figures.measure == "tonnes")]
    assert {"3188", "3250"} <= set(june.value.map(lambda v: f"{v:g}"))          # both vintages on file
    assert str(monthfacts.month(ds, "2025-06").tonnes) == "3,250 t"                   # the report uses the latest
    assert str(monthfacts.month(ds.known_on("2025-12-31"), "2025-06").tonnes) == "3,188 t"   # as known before it


def test_an_older_source_arriving_after_a_newer_one_is_still_a_conflict(project, tmp_path):
    old = tmp_path / "older.csv"
    old.write_text((FIX / "revision-2025-06.csv").read_text(encoding="utf-8").replace("2026-02-20", "2025-07-01"),
                   encoding="utf-8")
    with pytest.raises(ConflictError, match="a revision must be published later"):
        run(project, old, opts=Options())


def test_a_new_page_is_an_origin_of_its_own_or_relays_one_on_file(project, tmp_path):
    from helpers.data.dataset import origin_of

    path = news_file(tmp_path, "2026-04,2026-04,JP,tonnes,240,https://example.org/jp,2026-05-20")
    result = run(project, path, opts=Options())
    ds = load_dataset(project / "data", today=TODAY)
    own = ds.origin(origin_of(ds, result.source_ids[0]))
    assert own.kind == "article" and own.released == "2026-05-20" and own.url == "https://example.org/jp"
    assert {"origins.csv", "relays.csv"} <= {p.name for p in result.batch.iterdir()}
    # a copy of the Reuters story of 20 Aug 2025 (S7's origin) names that origin: no new origin
    reuters = origin_of(ds, "S7")
    copy = tmp_path / "copy.csv"
    copy.write_text("month,partner,measure,value,source_url,published,origin\n"
                    f"2025-07,DE,tonnes,1116,https://example.org/copy,2025-08-21,{reuters}\n", encoding="utf-8")
    second = run(project, copy, opts=Options())
    ds = load_dataset(project / "data", today=TODAY)
    assert origin_of(ds, second.source_ids[0]) == reuters and len(ds.origins) == len(ds.sources.origin_id.unique())
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("month,partner,measure,value,source_url,published,origin\n"
                       "2025-07,DE,tonnes,1116,https://example.org/other,2025-08-21,O9999\n", encoding="utf-8")
    refused(project, unknown, "unknown origin id 'O9999'", row=2, column="origin", opts=Options())


def test_importing_s74s_october_row_as_a_magnet_figure_gets_the_scope_flag(project, tmp_path):
    """S74's 4,343.5 t is October 2025's rare-earth minerals total: imported as a magnet figure it is
    refused with the scope flag, and kept only with --accept-scope-match."""
    path = news_file(tmp_path, "2025-10,2025-10,WLD,tonnes,4343.5,https://example.org/s74-copy,2025-11-25")
    before = tree_hash(project / "data")
    msg = refused(project, path, "matches the rare-earth minerals total of October 2025 (4,343.5 t, S74, S76, S77): "
                  "check the page's scope", row=2, column="value", opts=Options())
    assert "--accept-scope-match" in msg and tree_hash(project / "data") == before
    # (October's magnet total is on file, 5,473 t, so that row could not be kept anyway.) A month without a
    # magnet figure: December 2023's minerals total typed as magnets is kept only with the flag
    dec = news_file(tmp_path, "2023-12,2023-12,WLD,tonnes,3439,https://example.org/dec-2023,2024-01-20", name="dec.csv")
    refused(project, dec, "matches the rare-earth minerals total of December 2023 (3,439 t, S40)", row=2,
            column="value", opts=Options())
    result = run(project, dec, opts=Options(), accept_scope_match=True)
    assert any("matches the rare-earth minerals total" in w for w in result.warnings)
    ds = load_dataset(project / "data", today=TODAY)   # the loader accepts it: a resolution names the page
    res = ds.resolutions[(ds.resolutions.from_month == "2023-12") & (ds.resolutions.series == "cn:85051110")]
    assert list(res.winning_source_id) == result.source_ids and "--accept-scope-match" in res.iloc[0].note


@pytest.mark.slow
def test_the_scope_flag_on_the_command_line(project, tmp_path):
    path = news_file(tmp_path, "2025-10,2025-10,WLD,tonnes,4343.5,https://example.org/s74-copy,2025-11-25")
    out = cli(project, str(path))
    assert out.returncode == 1 and "check the page's scope" in out.stderr and len(out.stderr.splitlines()) == 1


# --------------------------------------------------------------------------- killed imports


def data_files(project: Path) -> dict[str, bytes]:
    """Every file of the copy's data/ but the staging folders: {relative path: bytes}."""
    root = project / "data"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).parts[0].startswith(".import-")}


def staging_left(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "data").iterdir() if p.name.startswith(".import-"))


def killed_import(project: Path, at: str) -> subprocess.CompletedProcess:
    return run_command("pipeline.intake.cli", FIX / "news-2026-04.csv", cwd=project, timeout=120,
                       env={"MAGNET_PROJECT_ROOT": str(project), "MAGNET_IMPORT_KILL_AT": at})


def next_command(project: Path, kind: str) -> subprocess.CompletedProcess:
    if kind == "load":
        return run_command("helpers.data.dataset", env={"MAGNET_PROJECT_ROOT": str(project)}, cwd=project, timeout=120)
    return cli(project, "--check", str(FIX / "customs-2026-04.csv"), "--published", PUBLISHED, "--flow", "export")


@pytest.mark.parametrize("at,then", [("staging", "import"), ("staged", "load"), ("checking", "import"),
                                     ("validated", "load"), ("moved", "import"), ("moved", "load")])
@pytest.mark.slow
def test_an_import_killed_at_any_stage_leaves_the_data_as_they_were_or_with_one_complete_batch(project, at, then):
    """SIGKILL at a named stage (MAGNET_IMPORT_KILL_AT, pipeline.intake.batch.STAGES): before the rename
    into raw/ data/ is untouched but for the staging folder; after it data/ has the whole batch with its
    SHA256SUMS, and nothing else changed. A load then reads only: it passes, ignores the staging folder
    and leaves it byte for byte; the next import removes it (under its lock)."""
    from helpers.data.checksums import verify_checksums
    from pipeline.intake.batch import STAGES

    assert set(STAGES) == {"staging", "staged", "checking", "validated", "moved"}   # every stage is killed here
    before = data_files(project)
    proc = killed_import(project, at)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    assert staging_left(project), "a killed import leaves its staging folder"
    after = data_files(project)
    verify_checksums(project / "data")                      # every file listed, every listed file there
    added = sorted(set(after) - set(before))
    assert {k for k in before if before[k] != after[k]} == set(), "no file on file changes, ever"
    if at != "moved":
        assert after == before                              # before the rename: as it was
    else:                                                   # after it: one complete batch
        batches = {a.split("/")[1] for a in added}
        assert len(batches) == 1 and all(a.startswith("raw/") for a in added)
        assert {a.split("/")[-1] for a in added} >= {"figures.csv", "sources.csv", "origins.csv", "relays.csv",
                                                    "original.csv", "SHA256SUMS"}

    left = tree_hash(project / "data")
    out = next_command(project, then)
    assert out.returncode == 0, out.stderr
    if then == "load":                                      # a read only reads: the leftover stays as it was
        assert tree_hash(project / "data") == left and staging_left(project)
    else:                                                   # the next import sweeps it
        assert staging_left(project) == [] and data_files(project) == after
    ds = load_dataset(project / "data", today=TODAY)
    assert ds.latest_month == ("2026-04" if at == "moved" else load_dataset(FROZEN_DATA, today=TODAY).latest_month)


def test_staging_folders_are_git_ignored():
    ignore = (Path(__file__).resolve().parent.parent / ".gitignore").read_text(encoding="utf-8")
    assert "data/.import-*" in ignore.splitlines()


def test_a_format_is_one_registered_module_the_importer_detects_and_parses(tmp_path):
    """Issue 34: formats sit behind a registry (pipeline/intake/formats/); adding one is a module in that folder
    that registers a Format — detection, --format's choices and parsing follow, with no other file touched."""
    from pipeline.intake import upstream
    from pipeline.intake.formats import registry
    from pipeline.intake.model import Figure, Options, Parsed, Source

    def parse(header, rows, name, resolve, opts, today):
        figures = [Figure(r["m"], r["m"], resolve(r["who"]), "tonnes", r["t"], line, "file") for line, r in rows]
        return Parsed("toy", figures, {"file": Source(outlet="Toy", agency="", title="Toy", url="https://example.org",
                                                         published="2026-05-20")})

    toy = registry.register(registry.Format(name="toy", label="toy file", parse=parse,
                                          detects=lambda h: {"m", "who", "t"} <= h))
    try:
        path = tmp_path / "toy.csv"
        path.write_text("m,who,t\n2026-04,United States,601\n", encoding="utf-8")
        parsed = upstream.read_file(path, None, {"united states": "US"}, Options(), dt.date(2026, 11, 28))
        assert parsed.format == "toy" and [(f.partner, f.value) for f in parsed.figures] == [("US", "601")]
        assert "toy" in registry.names()
        assert registry.formats()["news"].origin_kind == "article" and registry.formats()["customs"].encodings
    finally:
        registry.REGISTRY.pop(toy.name)
    with pytest.raises(DataError, match=r"cannot tell the format from the header; pass --format \(comtrade, customs, news\)"):
        upstream.read_file(path, None, {}, Options(), dt.date(2026, 11, 28))
