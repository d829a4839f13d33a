"""News articles checked on their day (issue 33): claims drafted from the saved text of every Reuters monthly
story on file, judged as a journalist would on the day it was published, sources that disagree, and the
``magnet-claims`` command. On the frozen data (tests/fixtures/data), so a new month changes no test."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.articles import articleday as A, claims as C, drafting, verdicts as V

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "tests" / "fixtures" / "articles"
KEY = ("kind", "partner", "from_month", "to_month", "measure", "stated_value")
#: Each saved story: (publication day, its source id on file). Every Reuters monthly story on file with a text.
STORIES = {"reuters-2025-06-20": ("2025-06-20", "S6"), "reuters-2025-07-20": ("2025-07-20", "S49"),
           "reuters-2025-08-20": ("2025-08-20", "S7"), "reuters-2025-09-20": ("2025-09-20", "S9"),
           "reuters-2025-10-20": ("2025-10-20", "S10"), "reuters-2025-11-20": ("2025-11-20", "S13"),
           "reuters-2025-12-20": ("2025-12-20", "S15"), "reuters-2026-01-20": ("2026-01-20", "S16")}
#: Claims left "not checkable" on the day: their inputs were public but no page on file reports them as known
#: then (a data gap, said as "neither reported nor derivable"), or they are not about export data.
GAPS = {"reuters-2025-06-20": {"5", "6", "7"}, "reuters-2025-07-20": {"3"}, "reuters-2025-08-20": {"12"},
        "reuters-2025-09-20": {"8"}, "reuters-2025-12-20": {"10"}, "reuters-2026-01-20": {"5", "9"}}


def drafted(tmp_path, name: str, source_id: str | None = None, extra: str = "") -> Path:
    day, sid = STORIES[name]
    rows = drafting.draft((ARTICLES / f"{name}.txt").read_text(encoding="utf-8"), day,
                          sid if source_id is None else source_id)
    path = tmp_path / f"{name}.csv"
    drafting.write_claims(rows, path)
    if extra:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(extra)
    return path


def on_the_day(frozen, path: Path):
    out = A.judge_article(frozen, C.load_claims(path), "article")
    return out, out["checked"].set_index("claim_id")


# --------------------------------------------------------------------------- drafting


def test_the_draft_finds_at_least_90_percent_of_the_claims_a_careful_reader_lists():
    found = listed = 0
    for name, (day, sid) in STORIES.items():
        got = {tuple(c[k] for k in KEY) for c in drafting.draft((ARTICLES / f"{name}.txt").read_text(), day, sid)}
        with (ARTICLES / f"{name}.expected.csv").open(encoding="utf-8") as fh:
            want = {tuple(r[k] for k in KEY) for r in csv.DictReader(fh)}
        assert len(want & got) >= 0.8 * len(want), (name, sorted(want - got))
        found, listed = found + len(want & got), listed + len(want)
    assert listed >= 80 and found / listed >= 0.9


def test_the_draft_reads_reuters_words_as_claim_kinds():
    text = ("Exports rose nearly 75% from June to hit the highest for a single month since January at 5,577 metric "
            "tons last month. China's exports jumped for a third straight month to hit a seven-month high. "
            "By country, Germany, the U.S., South Korea, Vietnam and India were the top five export destinations. "
            "Exports to Japan grew 35% to 305 metric tons, the highest this year. "
            "In the first seven months of this year, exports totaled 27,897 tons, with the annual fall narrowing "
            "to 15% from 18.9% for the first half.")
    got = {tuple(c[k] for k in KEY) for c in drafting.draft(text, "2025-08-20")}
    assert got >= {("value", "WLD", "2025-07", "2025-07", "mom_pct", "75"),
                   ("record", "WLD", "2025-07", "2025-07", "", "highest since 2025-01"),
                   ("streak", "WLD", "2025-07", "2025-07", "", "rise 3"),
                   ("record", "WLD", "2025-07", "2025-07", "", "highest in 7 months"),
                   ("ranking", "", "2025-07", "2025-07", "rank", "DE;US;KR;VN;IN"),
                   ("value", "JP", "2025-07", "2025-07", "tonnes", "305"),
                   ("record", "JP", "2025-07", "2025-07", "", "highest in 7 months"),
                   ("value", "WLD", "2025-01", "2025-07", "tonnes", "27897"),
                   ("value", "WLD", "2025-01", "2025-07", "yoy_pct", "-15"),
                   ("value", "WLD", "2025-01", "2025-06", "yoy_pct", "-18.9")}
    approx = [c for c in drafting.draft(text, "2025-08-20") if c["stated_value"] == "75"]
    assert approx[0]["approx"] == "yes"


def test_a_saved_html_page_is_read_as_its_visible_text():
    page = ("<html><head><script>var x = '99%';</script><style>p{}</style></head><body><nav>Markets 12%</nav>"
            "<p>Exports to the United States fell 3% from a month earlier to 564 tons.</p></body></html>")
    got = {tuple(c[k] for k in KEY) for c in drafting.draft(page, "2026-01-20")}
    assert got == {("value", "US", "2025-12", "2025-12", "mom_pct", "-3"),
                   ("value", "US", "2025-12", "2025-12", "tonnes", "564")}


# --------------------------------------------------------------------------- on the article's day


@pytest.mark.parametrize("name", sorted(STORIES))
def test_on_its_day_no_true_claim_of_a_saved_story_is_crossed(frozen, tmp_path, name):
    out, checked = on_the_day(frozen, drafted(tmp_path, name))
    assert out["day"] == STORIES[name][0]
    assert V.WRONG not in set(checked.verdict), checked[checked.verdict == V.WRONG].why.tolist()
    open_ = set(checked.index[checked.verdict == V.UNCHECKABLE])
    assert open_ == GAPS.get(name, set())
    for cid in open_:   # a data gap or not export data, never "not yet published" on the article's own day
        assert not checked.loc[cid, "why"].startswith("Not checkable yet"), checked.loc[cid, "why"]
    if name == "reuters-2025-08-20":   # July 2024 to the US had been released a year before: a gap, said so
        assert "had been released by 20 August 2025, but no page on file reports them" in checked.loc["12", "why"]


def test_the_day_release_is_the_article_s_when_it_is_its_only_record(frozen, tmp_path):
    path = drafted(tmp_path, "reuters-2025-08-20")
    table = C.load_claims(path)
    day = A.on_the_day(frozen, table, "2025-08-20")
    assert day.months == ("2025-07",) and "S7" in day.kept and not day.corroborated
    assert "the article is the only record of that release" in day.sentence(frozen)
    _, checked = on_the_day(frozen, path)
    # July's 5,577 t is the release as the article relays it, and the check says it is not corroborated
    row = checked[(checked.kind == "value") & (checked.stated == "5,577 t")].iloc[0]
    assert row.verdict == V.OK and "not independently corroborated" in row.why
    # before the day's release is taken into account, nothing about July could be judged
    before = C.check_claims(V.independent_of(frozen, table)[0].known_on("2025-08-20"), table, "2025-07")
    assert (before.verdict == V.UNCHECKABLE).sum() >= 10


def test_planted_false_claims_are_crossed_on_the_day(frozen, tmp_path):
    planted = ("p1,Exports rose 80% from June.,value,WLD,2025-07,2025-07,mom_pct,80,,,S7,2025-08-20,\n"
               "p2,Exports were 5600 t.,value,WLD,2025-07,2025-07,tonnes,5600,,,S7,2025-08-20,\n"
               "p3,Jan-Jul exports were 28500 t.,value,WLD,2025-01,2025-07,tonnes,28500,,,S7,2025-08-20,\n"
               "p4,Germany rose 60%.,value,DE,2025-07,2025-07,mom_pct,60,,,S7,2025-08-20,\n"
               "p5,The fourth monthly rise in a row.,streak,WLD,2025-07,2025-07,,rise 4,,,S7,2025-08-20,\n")
    _, checked = on_the_day(frozen, drafted(tmp_path, "reuters-2025-08-20", extra=planted))
    assert checked.loc[["p1", "p2", "p3", "p4", "p5"], "verdict"].tolist() == [V.WRONG] * 5


def test_a_record_since_a_month_not_on_file_says_which_months_it_could_not_see(frozen, tmp_path):
    _, checked = on_the_day(frozen, drafted(tmp_path, "reuters-2025-08-20"))
    row = checked[checked.stated == "highest since 2025-01"].iloc[0]
    assert row.verdict == V.OK
    assert "consistent with the months on file; January 2025" in row.why and "not on file" in row.why


def test_a_top_five_ranking_is_judged_against_the_published_ranking(frozen, tmp_path):
    path = drafted(tmp_path, "reuters-2025-10-20", extra=(
        "w,\"Top five: Germany, Vietnam, South Korea, the US and Mexico.\",ranking,,2025-09,2025-09,rank,"
        "DE;VN;KR;US;MX,,,S10,2025-10-20,\n"))
    _, checked = on_the_day(frozen, path)
    right = checked[checked.stated == "Germany, South Korea, Vietnam, United States, Mexico"].iloc[0]
    assert right.verdict == V.OK
    assert checked.loc["w", "verdict"] == V.WRONG


# --------------------------------------------------------------------------- sources that disagree


def test_sources_that_disagree_get_their_own_verdict_with_both_figures(frozen, tmp_path):
    out = A.judge_article(frozen, C.load_claims(drafted(tmp_path, "reuters-2025-08-20")), "")
    row = out["checked"][out["checked"].stated == "27,897 t"].iloc[0]
    assert row.verdict == V.CONFLICT
    assert "27,897 t (Reuters story of 20 August 2025" in row.why and "27,890.6 t (SMM analysis" in row.why
    assert "The project uses the Reuters story's figure (S7)" in row.why
    # a value that agrees with neither stays a cross, the disagreement said
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("claim_id,claim,kind,partner,from_month,to_month,measure,stated_value,source_id\n"
                     "1,Jan-Jul 27950 t.,value,WLD,2025-01,2025-07,tonnes,27950,S7\n", encoding="utf-8")
    out = A.judge_article(frozen, C.load_claims(wrong), "")
    assert out["checked"].verdict.tolist() == [V.WRONG] and "Sources disagree" in out["checked"].why.iloc[0]
    assert "agree with one of two sources that disagree" in V.result_sentence(
        A.judge_article(frozen, C.load_claims(drafted(tmp_path, "reuters-2025-08-20")), "")["checked"])


def test_a_release_s_own_total_against_the_sum_of_other_origins_months_is_a_disagreement(frozen, tmp_path):
    _, checked = on_the_day(frozen, drafted(tmp_path, "reuters-2026-01-20"))
    row = checked[checked.stated == "5,933 t"].iloc[0]
    assert row.verdict == V.CONFLICT and "reported by the Reuters story" in row.why


# --------------------------------------------------------------------------- the command


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pipeline.claimscli", *args], cwd=cwd, capture_output=True,
                          text=True, env={**__import__("os").environ, "MAGNET_PROJECT_ROOT": str(ROOT)})


def test_magnet_claims_draft_then_check_prints_the_verdicts(tmp_path):
    out = tmp_path / "claims.csv"
    r = run("draft", str(ARTICLES / "reuters-2025-08-20.txt"), "--published", "2025-08-20", "--source-id", "S7",
            "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "15 claims drafted" in r.stdout
    r = run("check", str(out), "--data", str(ROOT / "tests" / "fixtures" / "data"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "On 20 August 2025, the day the article was published, 14 of its 15 claims" in r.stdout
    assert "none was contradicted" in r.stdout


def test_magnet_claims_errors_are_one_line(tmp_path):
    r = run("draft", str(ARTICLES / "reuters-2025-08-20.txt"), "--published", "20/08/2025", "-o", "x.csv",
            cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "--published" in r.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("claim_id,claim,kind,published\n1,x,not_checkable,2025-13-45\n", encoding="utf-8")
    r = run("check", str(bad), cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "row 2" in r.stderr and "published" in r.stderr
    r = run("check", str(ROOT / "data" / "claims" / "S29-2025-07-20.csv"), "--as-known-on", "2025-13-01", cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "--as-known-on" in r.stderr


@pytest.mark.parametrize("sentence, claim", [
    ("Exports hit the highest since January.", ("record", "WLD", "2025-07", "2025-07", "", "highest since 2025-01")),
    ("Exports fell to a nine-month low.", ("record", "WLD", "2025-07", "2025-07", "", "lowest in 9 months")),
    ("Exports fell for a fifth straight month.", ("streak", "WLD", "2025-07", "2025-07", "", "fall 5")),
    ("It was the second monthly decline in a row.", ("streak", "WLD", "2025-07", "2025-07", "", "fall 2")),
    ("Germany, the U.S. and India were the top five destinations.",
     ("ranking", "", "2025-07", "2025-07", "rank", "DE;US;IN")),
    ("Exports hit a seven-month high in May.", ("record", "WLD", "2025-05", "2025-05", "", "highest in 7 months")),
])
def test_each_phrase_of_reuters_vocabulary_the_issue_lists_is_drafted(sentence, claim):
    assert claim in {tuple(c[k] for k in KEY) for c in drafting.draft(sentence, "2025-08-20")}
