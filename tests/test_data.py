"""Loading and validating the data: every kind of bad data stops with one line naming file, row, column."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from conftest import FROZEN_DATA

from helpers import paths
from helpers.data.dataset import load_dataset
from helpers.data.checksums import verify_checksums
from helpers.data.writing import record_checksums, record_folder
from helpers.errors import ChecksumError, DataError

FIGURES = "raw/2025-brief/figures.csv"
TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of data/ to break."""
    dst = tmp_path / "data"
    shutil.copytree(FROZEN_DATA, dst)   # the frozen data: a new month on file changes no test
    return dst


def rewrite(data_dir: Path, rel: str, old: str, new: str, record: bool = True) -> None:
    """Replace text in one data file of the copy (and re-record its checksum)."""
    path = data_dir / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    if record:
        record_checksums([path], data_dir=data_dir)


def line_of(data_dir: Path, rel: str, needle: str) -> int:
    for i, line in enumerate((data_dir / rel).read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def expect_error(data_dir: Path, rel: str, row: int | None, column: str | None, words: str, kind=DataError):
    with pytest.raises(kind) as info:
        load_dataset(data_dir, today=TODAY)
    msg = str(info.value)
    assert "\n" not in msg
    assert rel.split("/")[-1] in msg and info.value.file.endswith(rel), msg
    if row is not None:
        assert info.value.row == row and f"row {row}" in msg, msg
    if column is not None:
        assert info.value.column == column and f"'{column}'" in msg, msg
    assert words in msg, msg
    return msg


def test_the_committed_data_loads_and_verifies():
    import datetime as dt

    ds = load_dataset()   # the live data, by invariants: a new month on file changes nothing here
    today = dt.date.today().strftime("%Y-%m")
    assert "2026-03" <= ds.latest_month < today   # at least the March 2026 release; never a month not yet over
    assert set(ds.figures.source_id) <= set(ds.sources.source_id)
    assert len(ds.checksum) == 64


def test_missing_column(data_dir):
    rewrite(data_dir, FIGURES, "from_month,to_month,partner,measure,value,approx,series,source_id,note",
            "from_month,to_month,partner,measure,amount,approx,series,source_id,note")
    expect_error(data_dir, FIGURES, 1, "value", "missing column")


def test_unknown_column(data_dir):
    rewrite(data_dir, FIGURES, "source_id,note\n", "source_id,comment\n")
    expect_error(data_dir, FIGURES, 1, "comment", "unknown column")


def test_non_number(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188,", "2025-06,2025-06,WLD,tonnes,3.188k,")
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, "3.188k"), "value", "not a number")


def test_thousands_separator_is_not_a_number(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188,", '2025-06,2025-06,WLD,tonnes,"3,188",')
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, '"3,188"'), "value", "not a number")


def test_month_13(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188", "2025-13,2025-13,WLD,tonnes,3188")
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, "2025-13"), "from_month", "'2025-13' is not a month")


def test_future_month(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188", "2027-06,2027-06,WLD,tonnes,3188")
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, "2027-06"), "from_month", "in the future")


def test_negative_tonnage(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188", "2025-06,2025-06,WLD,tonnes,-3188")
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, "-3188"), "value", "negative tonnage")


def test_impossible_change(data_dir):
    rewrite(data_dir, FIGURES, "2025-04,2025-04,WLD,mom_pct,-51,", "2025-04,2025-04,WLD,mom_pct,-151,")
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, "-151"), "value", "impossible")


def test_duplicate_key(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,\n",
            "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,\n2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,\n")
    first = line_of(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188")
    msg = expect_error(data_dir, FIGURES, first + 1, "from_month", "duplicate figure")
    assert f"row {first}" in msg  # names where it was first seen


def test_unknown_source_id(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,", "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S999,")
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, ",S999,"), "source_id", "unknown source id 'S999'")


def test_unknown_partner_code(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,US,tonnes,353", "2025-06,2025-06,XX,tonnes,353")
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, ",XX,"), "partner", "unknown partner code 'XX'")


def test_unknown_partner_in_rankings(data_dir):
    rel = "raw/2025-brief/rankings.csv"
    rewrite(data_dir, rel, "2025-06,5,TH,S29", "2025-06,5,Thailand,S29")
    expect_error(data_dir, rel, 6, "partner", "unknown partner code")


def test_unknown_source_in_events(data_dir):
    rel = "raw/2025-brief/events.csv"
    rewrite(data_dir, rel, "extraterritorial rule)\",S26", "extraterritorial rule)\",S404")
    expect_error(data_dir, rel, line_of(data_dir, rel, "S404"), "source_id", "unknown source id")


def test_unquoted_comma_names_the_row(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,", "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,a, b")
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, "a, b"), None, "fields where the header has")


def test_rows_are_named_by_their_editor_line_after_a_blank_line(data_dir):
    # a blank line and a note over two lines (a quoted line break) before the bad row: the row named is
    # the line the editor shows it on
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,\n",
            '2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,"two\nlines"\n\n')
    rewrite(data_dir, FIGURES, "2025-06,2025-06,US,tonnes,353", "2025-06,2025-06,XX,tonnes,353")
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, ",XX,"), "partner", "unknown partner code 'XX'")


def test_an_unclosed_quote_names_the_row_it_opens_on(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,",
            '2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,"never closed')
    expect_error(data_dir, FIGURES, line_of(data_dir, FIGURES, "never closed"), None, "is not valid CSV")
    # ... the header's too
    rewrite(data_dir, FIGURES, "from_month,", '"from_month,')
    expect_error(data_dir, FIGURES, 1, None, "is not valid CSV")


def test_wrong_delimiter(data_dir):
    path = data_dir / FIGURES
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    record_checksums([path], data_dir=data_dir)
    expect_error(data_dir, FIGURES, 1, None, "not comma-separated")


def test_empty_file(data_dir):
    (data_dir / FIGURES).write_text("", encoding="utf-8")
    record_checksums([data_dir / FIGURES], data_dir=data_dir)
    expect_error(data_dir, FIGURES, None, None, "is empty")


def test_not_utf8(data_dir):
    path = data_dir / "raw/2025-brief/sources.csv"
    new_line = path.read_bytes().count(b"\n") + 1
    path.write_bytes(path.read_bytes() + "S76,Outlet,Agency,Caf\u00e9,,2025-01,2025-02\n".encode("latin-1"))
    record_checksums([path], data_dir=data_dir)
    expect_error(data_dir, "raw/2025-brief/sources.csv", new_line, None, "not UTF-8")


def test_checksum_mismatch(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188", "2025-06,2025-06,WLD,tonnes,3189", record=False)
    msg = expect_error(data_dir, FIGURES, None, None, "changed: sha256", kind=ChecksumError)
    assert "immutable" in msg


def test_a_batch_without_its_checksums_fails(data_dir):
    batch = data_dir / "raw" / "2026-extra"
    batch.mkdir()
    (batch / "figures.csv").write_text("from_month,to_month,partner,measure,value,source_id\n", encoding="utf-8")
    with pytest.raises(ChecksumError) as info:
        load_dataset(data_dir, today=TODAY)
    msg = str(info.value)
    assert msg.startswith("data/raw/2026-extra/SHA256SUMS: is missing") or "raw/2026-extra/SHA256SUMS: is missing" in msg
    assert "\n" not in msg and "--record" not in msg and "manifest" not in msg, msg


def test_unrecorded_file_fails(data_dir):
    extra = data_dir / "raw" / "2025-brief" / "extra.csv"
    extra.write_text("from_month,to_month,partner,measure,value,source_id\n", encoding="utf-8")
    with pytest.raises(ChecksumError, match="extra.csv: has no recorded checksum in .*raw/2025-brief/SHA256SUMS") as info:
        verify_checksums(data_dir)
    assert "--record" not in str(info.value) and "\n" not in str(info.value)


def test_a_file_directly_in_raw_fails(data_dir):
    (data_dir / "raw" / "figures.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(ChecksumError, match="figures.csv: is not in a batch folder"):
        load_dataset(data_dir, today=TODAY)


def test_the_checksums_are_per_folder_in_sha256sum_format(data_dir):
    """Each batch, reference/ and claims/ carry a SHA256SUMS that `sha256sum -c` accepts in that folder;
    there is no single manifest for data/ any more."""
    import subprocess

    from helpers.data.checksums import checksum_folders

    folders = checksum_folders(paths.DATA)
    assert {f.name for f in folders} >= {"2025-brief", "reference", "claims"}
    assert not (paths.DATA / "checksums.sha256").exists()
    if shutil.which("sha256sum"):
        for folder in folders:
            out = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
            assert out.returncode == 0, (folder, out.stdout, out.stderr)
    # the check fails on a changed file whichever tool runs it
    (data_dir / FIGURES).write_bytes((data_dir / FIGURES).read_bytes() + b"\n")
    if shutil.which("sha256sum"):
        assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=data_dir / "raw" / "2025-brief",
                              capture_output=True).returncode != 0


def test_a_read_only_reads_and_ignores_staging_folders(data_dir):
    """load_dataset never writes, deletes or recovers: a leftover staging folder of a killed import (even
    one holding a complete batch, or what an earlier version's journal left) is ignored and left as it is."""

    def tree(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else b"" for p in sorted(root.rglob("*"))}

    ds0 = load_dataset(data_dir, today=TODAY)
    left = data_dir / ".import-abc123"
    shutil.copytree(data_dir / "raw" / "2025-brief", left / "20260101-000000-news-2026-04")
    (left / "COMMITTING").write_text("20260101-000000-news-2026-04\nfigures.csv\n", encoding="utf-8")
    (left / "junk.csv").write_text("not data\n", encoding="utf-8")
    before = tree(data_dir)
    ds = load_dataset(data_dir, today=TODAY)
    assert tree(data_dir) == before
    assert ds.checksum == ds0.checksum and len(ds.figures) == len(ds0.figures)


def _old_manifest(data_dir: Path) -> dict[str, bytes]:
    """Write the copy's checksums back as the old single data/checksums.sha256; return the SHA256SUMS files."""
    from helpers.data.checksums import checksum_folders, read_sums

    sums, lines = {}, []
    for folder in checksum_folders(data_dir):
        prefix = folder.relative_to(data_dir).as_posix()
        lines += [f"{h}  {prefix}/{rel}" for rel, h in read_sums(folder).items()]
        sums[prefix] = (folder / "SHA256SUMS").read_bytes()
    (data_dir / "checksums.sha256").write_text("\n".join(sorted(lines, key=lambda ln: ln[66:])) + "\n")
    return sums


def test_the_old_single_manifest_splits_into_each_folder_as_recorded(data_dir):
    """python -m pipeline.intake.manifest --split: the lines move, nothing is re-hashed; re-runnable after a
    merge that brings a batch's lines in the old manifest (folders that have their SHA256SUMS are merged)."""
    from pipeline.intake.manifest import split_manifest

    sums = _old_manifest(data_dir)
    for prefix in sums:
        if prefix != "raw/2025-brief":   # one folder already split (a merge): its lines are merged
            (data_dir / prefix / "SHA256SUMS").unlink()
    written = split_manifest(data_dir)
    assert {p.parent.relative_to(data_dir.resolve()).as_posix() for p in written} == set(sums)
    assert {k: (data_dir / k / "SHA256SUMS").read_bytes() for k in sums} == sums
    assert not (data_dir / "checksums.sha256").exists()
    assert split_manifest(data_dir) == []                    # nothing left to split
    verify_checksums(data_dir)


def test_splitting_the_old_manifest_never_records_a_changed_file(data_dir):
    from pipeline.intake.manifest import split_manifest

    _old_manifest(data_dir)
    for folder in (data_dir / "raw").iterdir():
        (folder / "SHA256SUMS").unlink()
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188", "2025-06,2025-06,WLD,tonnes,3189", record=False)
    with pytest.raises(ChecksumError, match="figures.csv: changed: sha256") as info:
        split_manifest(data_dir)
    assert "--record" not in str(info.value)
    assert (data_dir / "checksums.sha256").exists(), "the old manifest stays until every folder checks"
    # a line that differs from the folder's own: the one the file matches is kept, neither is an error
    sums = data_dir / "reference" / "SHA256SUMS"
    good = sums.read_text()
    sums.write_text(good.replace(good[:64], "0" * 64))
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3189", "2025-06,2025-06,WLD,tonnes,3188", record=False)
    split_manifest(data_dir)
    assert sums.read_text() == good
    _old_manifest(data_dir)
    sums.write_text(good.replace(good[:64], "0" * 64))
    (data_dir / "reference" / "partners.csv").write_bytes(b"changed\n")
    with pytest.raises(ChecksumError, match="partners.csv: .* record different checksums and the file matches neither"):
        split_manifest(data_dir)


def test_listed_file_that_is_gone_fails(data_dir):
    (data_dir / "raw/2025-brief/rankings.csv").unlink()
    with pytest.raises(ChecksumError, match="does not exist"):
        verify_checksums(data_dir)


def test_committed_raw_files_match_their_checksums():
    """The guard itself: a raw file edited without re-recording its checksum fails the suite."""
    verify_checksums(paths.DATA)


def test_a_new_batch_adds_figures(data_dir):
    batch = data_dir / "raw" / "2026-01-test"
    batch.mkdir()
    (batch / "sources.csv").write_text(
        "source_id,outlet,agency,title,url,published,accessed\n"
        "T1,Test outlet,GAC,Test release,https://example.org/t1,2026-05-20,2026-05-21\n", encoding="utf-8")
    (batch / "figures.csv").write_text(
        "from_month,to_month,partner,measure,value,source_id\n2026-04,2026-04,WLD,tonnes,6000,T1\n", encoding="utf-8")
    (batch / "origins.csv").write_text(
        "origin_id,publisher,kind,released,title,url,note\nOT1,GAC,release,2026-05-20,Test release,,\n", encoding="utf-8")
    (batch / "relays.csv").write_text("source_id,origin_id\nT1,OT1\n", encoding="utf-8")
    record_checksums([batch / f for f in ("sources.csv", "figures.csv", "origins.csv", "relays.csv")], data_dir=data_dir)
    ds = load_dataset(data_dir, today=TODAY)
    assert ds.latest_month == "2026-04"


def test_conflicting_reports_without_resolution_fail(data_dir):
    rewrite(data_dir, FIGURES, "2025-05,2025-05,WLD,tonnes,1238,,cn:85051110,S4,",
            "2025-05,2025-05,WLD,tonnes,1300,,cn:85051110,S4,")
    from helpers.analysis.series import derive

    ds = load_dataset(data_dir, today=TODAY)
    # several pages report May 2025 (1,238.47 t by SMM, 1,238 t by others): any of them may be named
    with pytest.raises(DataError, match=r"conflicts with 1238(\.47)? \(S\d+") as info:
        derive(ds)
    assert info.value.row == line_of(data_dir, FIGURES, ",1300,")


def test_a_resolution_picks_the_winner(data_dir):
    rewrite(data_dir, FIGURES, "2025-05,2025-05,WLD,tonnes,1238,,cn:85051110,S4,",
            "2025-05,2025-05,WLD,tonnes,1300,,cn:85051110,S4,")
    res = data_dir / "raw/2025-brief/resolutions.csv"
    res.write_text("from_month,to_month,partner,measure,winning_source_id,note\n"
                   "2025-05,2025-05,WLD,tonnes,S4,test\n", encoding="utf-8")
    record_checksums([res], data_dir=data_dir)
    from helpers.analysis.series import build_monthly_series

    s = build_monthly_series(load_dataset(data_dir, today=TODAY)).set_index("month")
    assert s.loc["2025-05", "tonnes"] == 1300 and s.loc["2025-05", "sources"] == "S4"


def test_value_measures_load_and_must_not_be_negative(data_dir):
    ds = load_dataset(data_dir, today=TODAY)
    assert {"usd_m", "usd_per_kg"} <= set(ds.figures.measure)
    rewrite(data_dir, "raw/2026-11-coverage/figures.csv", "usd_m,301.8,", "usd_m,-301.8,")
    with pytest.raises(DataError, match="negative usd_m"):
        load_dataset(data_dir, today=TODAY)


@pytest.mark.parametrize("code", ["EU", "WLD"])
def test_the_eu_is_a_partner_but_never_ranked(data_dir, code):
    ds = load_dataset(data_dir, today=TODAY)
    assert "EU" in set(ds.figures.partner) and ds.partner_name("EU").startswith("European Union")
    rewrite(data_dir, "raw/2026-11-coverage/rankings.csv", "2025-12,3,US,S65", f"2025-12,3,{code},S65")
    with pytest.raises(DataError, match=f"unknown partner code '{code}'.*not the total or a group"):
        load_dataset(data_dir, today=TODAY)


# --------------------------------------------------------------------------- series scopes


def test_every_figure_names_its_scope_and_the_story_is_the_rare_earth_line():
    ds = load_dataset(today=TODAY)
    assert set(ds.figures.series) == {"cn:85051110", "adamas:magnets+alloys", "cn:rare-earths",
                                      "bloomberg:rare-earth-products"}
    raw = [p for p in paths.RAW.glob("*/figures.csv")]
    for path in raw:   # migrated in place: no legacy identifier is left on file
        assert ",850511," not in path.read_text(encoding="utf-8"), path


def test_an_unknown_series_is_refused(data_dir):
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,",
            "2025-06,2025-06,WLD,tonnes,3188,,8505.11,S1,")
    with pytest.raises(DataError, match=r"figures.csv, row \d+, column 'series': unknown series '8505.11' "
                                        r"\(allowed: cn:85051110"):
        load_dataset(data_dir, today=TODAY)


def test_a_series_identifier_from_before_the_scopes_is_refused_by_name(data_dir):
    """No batch on file uses the identifiers written before series said their scope (850511): the
    loader does not rewrite them on every load; one found is refused with the allowed ones."""
    rewrite(data_dir, FIGURES, "2025-06,2025-06,WLD,tonnes,3188,,cn:85051110,S1,",
            "2025-06,2025-06,WLD,tonnes,3188,,850511,S1,")
    with pytest.raises(DataError, match=r"column 'series': unknown series '850511' \(allowed: cn:85051110"):
        load_dataset(data_dir, today=TODAY)


# --------------------------------------------------------------------------- origins

ORIGINS = "raw/2026-12-origins/origins.csv"
RELAYS = "raw/2026-12-origins/relays.csv"


def test_every_source_names_its_origin():
    from helpers.data.tables import ORIGIN_KINDS
    from helpers.data.dataset import origin_of

    ds = load_dataset(today=TODAY)
    assert (ds.sources.origin_id != "").all() and ds.sources.origin_id.isin(ds.origins.index).all()
    assert set(ds.origins.kind) <= set(ORIGIN_KINDS) and ds.origins.index.is_unique
    # eleven pages of July 2025 are copies of one Reuters story: one origin
    july = {origin_of(ds, s) for s in ("S7", "S52", "S53", "S54", "S67", "S69", "S70")}
    assert len(july) == 1
    reuters = ds.origin(july.pop())
    assert (reuters.publisher, reuters.kind, reuters.released) == ("Reuters", "agency", "2025-08-20")
    assert origin_of(ds, "S8") not in {origin_of(ds, "S7"), origin_of(ds, "S43")}  # Ferroalloy Online, SCMP
    # the article checked by notebook 03, VnNow and Trading Economics all relay Reuters' 20 July 2025 story
    # (batch 2026-12-relay-evidence, with the page evidence in its verification.csv)
    june = ds.origin(origin_of(ds, "S29"))
    assert origin_of(ds, "S48") == origin_of(ds, "S1") == origin_of(ds, "S29")
    assert (june.publisher, june.kind, june.released) == ("Reuters", "agency", "2025-07-20")
    row = ds.sources.set_index("source_id").loc["S7"]
    assert row.origin_released == "2025-08-20"
    with pytest.raises(DataError, match="unknown source id 'S999'"):
        origin_of(ds, "S999")


def test_a_source_without_an_origin_is_an_error_on_its_own_row(data_dir):
    rewrite(data_dir, RELAYS, "S11,O32\n", "")
    expect_error(data_dir, "raw/2025-brief/sources.csv", line_of(data_dir, "raw/2025-brief/sources.csv", "S11,"),
                 "source_id", "S11 names no origin")


def test_a_source_relays_one_origin(data_dir):
    rewrite(data_dir, RELAYS, "S11,O32\n", "S11,O32\nS11,O31\n")
    expect_error(data_dir, RELAYS, line_of(data_dir, RELAYS, "S11,O31"), "source_id",
                 "S11 is given a second origin O31")


def test_a_relay_names_a_known_origin(data_dir):
    rewrite(data_dir, RELAYS, "S11,O32\n", "S11,O999\n")
    expect_error(data_dir, RELAYS, line_of(data_dir, RELAYS, "S11,"), "origin_id", "unknown origin id 'O999'")


def test_an_origin_has_a_known_kind_and_a_date(data_dir):
    rewrite(data_dir, ORIGINS, "O33,AsiaCity News,calculation,2025-10,", "O33,AsiaCity News,blog,2025-10,")
    expect_error(data_dir, ORIGINS, line_of(data_dir, ORIGINS, "O33,"), "kind", "unknown origin kind 'blog'")
    rewrite(data_dir, ORIGINS, "O33,AsiaCity News,blog,2025-10,", "O33,AsiaCity News,calculation,Oct 2025,")
    expect_error(data_dir, ORIGINS, line_of(data_dir, ORIGINS, "O33,"), "released", "is not a date")


def test_origin_ids_are_unique_across_batches(data_dir):
    rewrite(data_dir, ORIGINS, "O46,rohstoff.net", "O45,rohstoff.net")
    expect_error(data_dir, ORIGINS, line_of(data_dir, ORIGINS, "O45,rohstoff.net"), "origin_id",
                 "duplicate origin id (origin_id=O45)")


def test_a_page_cannot_relay_an_origin_released_after_it(data_dir):
    rewrite(data_dir, ORIGINS, "O23,Reuters,agency,2025-08-20,", "O23,Reuters,agency,2025-09-20,")
    expect_error(data_dir, RELAYS, None, "origin_id", "cannot relay O23, released later (2025-09-20)")


def test_batches_without_an_origin_register_still_load(data_dir):
    shutil.rmtree(data_dir / "raw" / "2026-12-origins")
    for p in list((data_dir / "raw").glob("*/origins.csv")) + list((data_dir / "raw").glob("*/relays.csv")):
        p.unlink()
    for batch in (data_dir / "raw").iterdir():
        record_folder(batch)
    ds = load_dataset(data_dir, today=TODAY)
    assert (ds.sources.origin_id == "").all() and ds.origins.empty


# --------------------------------------------------------------------------- rare-earth minerals


def test_s74s_october_rows_are_rare_earth_minerals_not_magnets():
    from helpers.data.tables import MAIN_SERIES, MINERALS_SERIES, SERIES, scope_matches

    ds = load_dataset(today=TODAY)
    assert MINERALS_SERIES == "cn:rare-earths" and MINERALS_SERIES in SERIES
    s74 = ds.figures[ds.figures.source_id == "S74"]
    assert set(s74.series) == {MINERALS_SERIES} and len(s74) == 3
    oct_magnets = ds.figures[(ds.figures.series == MAIN_SERIES) & (ds.figures.from_month == "2025-10")
                             & (ds.figures.to_month == "2025-10") & (ds.figures.partner == "WLD")
                             & (ds.figures.measure == "tonnes")]
    assert set(oct_magnets.value) == {5473}
    assert scope_matches(ds.figures) == []     # no magnet figure equals a same-month minerals total
    from helpers.analysis.series import build_monthly_series
    october = build_monthly_series(ds, "WLD").set_index("month").loc["2025-10"]
    assert october.tonnes == 5473
    # the resolution written against S74 no longer drops the pages that agree with Reuters' 5,473 t
    assert set(october.sources.split(";")) == {"S13", "S14", "S59", "S60", "S66"}


def test_a_magnet_figure_equal_to_the_same_months_minerals_total_stops_loading(data_dir):
    """Without the rescope of batch 2026-12-rare-earths, S74's 4,343.5 t would be a magnet figure equal
    to October 2025's minerals total: loading names its row."""
    rescopes = data_dir / "raw" / "2026-12-rare-earths" / "rescopes.csv"
    rescopes.unlink()
    record_folder(rescopes.parent)
    rel = "raw/2026-11-coverage/figures.csv"
    expect_error(data_dir, rel, line_of(data_dir, rel, ",4343.5,"), "value",
                 "matches the rare-earth minerals total of October 2025 (4,343.5 t, S76, S77): check the page's scope")


def test_a_magnet_figure_equal_to_bloombergs_rare_earth_products_total_stops_loading(data_dir):
    """Bloomberg's "rare-earth products" (batch 2026-12-products) is guarded like the minerals: were its August
    2025 total the magnet line's 6,146 t, the magnet figure would be taken for a products total quoted as magnets."""
    _with_live_batches(data_dir, "2026-12-history", "2026-12-products")   # S120, S121 are the history batch's
    rewrite(data_dir, "raw/2026-12-products/figures.csv", "2025-08,2025-08,WLD,tonnes,7336,",
            "2025-08,2025-08,WLD,tonnes,6146,")
    rel = "raw/2025-brief/figures.csv"
    expect_error(data_dir, rel, line_of(data_dir, rel, "2025-08,2025-08,WLD,tonnes,6146,"), "value",
                 "matches Bloomberg's rare-earth products total of August 2025 (6,146 t, S121): check the page's scope")


def test_the_products_total_never_enters_the_story():
    from helpers.analysis import compare

    ds = load_dataset(today=TODAY)
    products = ds.figures[ds.figures.series == "bloomberg:rare-earth-products"]
    assert sorted(products.to_month) == ["2025-07", "2025-08", "2025-11"]
    assert round(compare.estimate(ds, "WLD", "2025-07").value) == 5577   # the magnet line, not 6,422 t


def test_a_rescope_must_name_a_figure_on_file(data_dir):
    rel = "raw/2026-12-rare-earths/rescopes.csv"
    rewrite(data_dir, rel, "2025-10,2025-10,WLD,tonnes,S74,", "2025-09,2025-09,WLD,tonnes,S74,")
    expect_error(data_dir, rel, 2, "source_id", "names no figure on file (tonnes of WLD 2025-09..2025-09")


# --------------------------------------------------------------------------- relay corrections

CORRECTIONS = "raw/2026-12-relay-corrections/relays.csv"


def test_a_later_batch_corrects_a_page_s_origin_with_its_page_evidence(data_dir):
    from helpers.data.dataset import known_dates

    _with_corrections(data_dir)
    ds = load_dataset(data_dir, today=TODAY)
    # Reuters' December 2025 story: GAC's data "showed on Tuesday", 20 January 2026, not 19 January (O45)
    assert ds.source("S16").origin_id == ds.source("S63").origin_id == "O90"
    assert ds.origin("O90").released == "2026-01-20"
    assert known_dates(ds.sources)["S16"] == "2026-01-20"


def _with_live_batches(data_dir: Path, *names: str) -> None:
    """Batches of the live data that came after the freeze, added to the frozen copy (each with its SHA256SUMS)."""
    for name in names:
        shutil.copytree(paths.DATA / "raw" / name, data_dir / "raw" / name)


def _with_corrections(data_dir: Path) -> None:
    _with_live_batches(data_dir, "2026-12-relay-corrections")


def test_a_correction_must_name_the_origin_it_replaces(data_dir):
    _with_corrections(data_dir)
    rewrite(data_dir, CORRECTIONS, "S16,O90,O45,", "S16,O90,O23,")
    expect_error(data_dir, CORRECTIONS, 2, "replaces", "S16 replaces origin O23, but its origin on file is O45")


def test_a_correction_without_its_page_evidence_stops_loading(data_dir):
    _with_corrections(data_dir)
    rewrite(data_dir, "raw/2026-12-relay-corrections/verification.csv", "S63,yes,", "S99,yes,")
    expect_error(data_dir, CORRECTIONS, 3, "source_id", "S63's origin is corrected without its page evidence")


# --------------------------------------------------------------------------- figures set aside (a page with two origins)

SETASIDES = "raw/2026-12-setasides/setasides.csv"


def test_a_figure_a_page_relays_from_another_origin_is_set_aside_and_counts_that_origin_once(data_dir):
    """S14 combines Reuters' story (its origin, O36) with Nikkei's report of Ferroalloy Online (O38): its
    figures for Germany are O38's, so they are set aside and Germany's October rests on O38's page alone."""
    from helpers.analysis.provenance import cite_counted
    from helpers.analysis.series import derive

    before = derive(load_dataset(data_dir, today=TODAY)).estimates[("DE", "2025-10", "2025-10")]
    assert set(before.sources) == {"S14", "S60"}
    _with_live_batches(data_dir, "2026-12-setasides")
    ds = load_dataset(data_dir, today=TODAY)
    after = derive(ds).estimates[("DE", "2025-10", "2025-10")]
    assert after.sources == ("S60",) and after.value == before.value == 1118
    assert cite_counted(ds, after.sources) == "1 origin: Ferroalloy Online, 22 Nov 2025 [S60]"
    # what S14 takes from Reuters stays S14's
    assert "S14" in derive(ds).estimates[("WLD", "2025-10", "2025-10")].sources


def test_a_set_aside_figure_must_be_held_by_a_page_of_its_origin(data_dir):
    _with_live_batches(data_dir, "2026-12-setasides")
    rewrite(data_dir, SETASIDES, "2025-10,2025-10,DE,tonnes,S14,O38,", "2025-10,2025-10,DE,tonnes,S14,O36,")
    expect_error(data_dir, SETASIDES, 2, "origin_id", "S14 relays O36 itself: nothing to set aside")
    rewrite(data_dir, SETASIDES, "2025-10,2025-10,DE,tonnes,S14,O36,", "2025-10,2025-10,DE,tonnes,S14,O19,")
    expect_error(data_dir, SETASIDES, 2, "origin_id", "no page relaying O19 holds the figure set aside "
                 "(tonnes of DE 2025-10..2025-10, cn:85051110, S14)")


def test_a_set_aside_names_one_figure_on_file_and_carries_its_page_evidence(data_dir):
    _with_live_batches(data_dir, "2026-12-setasides")
    rewrite(data_dir, SETASIDES, "2025-10,2025-10,JP,tonnes,S14,", "2025-09,2025-09,JP,tonnes,S14,")
    expect_error(data_dir, SETASIDES, 6, "source_id", "names no figure on file (tonnes of JP 2025-09..2025-09")
    rewrite(data_dir, SETASIDES, "2025-09,2025-09,JP,tonnes,S14,", "2025-10,2025-10,JP,tonnes,S14,")
    rewrite(data_dir, "raw/2026-12-setasides/verification.csv", "S14,yes,", "S13,yes,")
    expect_error(data_dir, SETASIDES, 2, "source_id", "S14's figure is set aside without its page evidence")
