"""``magnet-fetch comtrade``: the API's answer goes through the importer's validated path; no key, one line.

No network: ``comtradeapicall.getFinalData`` is replaced by a recorded response
(``tests/fixtures/fetch/comtrade-api-202601.csv``, the API's columns).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers import paths
from helpers.data.dataset import load_dataset
from pipeline.intake import fetch

RECORDED = Path(__file__).parent / "fixtures" / "fetch" / "comtrade-api-202601.csv"


@pytest.fixture
def api(monkeypatch):
    """The API client, answering from the recorded response; records each call's arguments."""
    comtradeapicall = pytest.importorskip("comtradeapicall")
    calls = []

    def get_final_data(subscription_key, **kw):
        calls.append(dict(kw, subscription_key=subscription_key))
        return pd.read_csv(RECORDED, dtype=str, keep_default_na=False)

    monkeypatch.setattr(comtradeapicall, "getFinalData", get_final_data)
    return calls


def test_without_a_key_it_says_how_to_set_one_and_exits_2(monkeypatch, capsys):
    monkeypatch.delenv(fetch.KEY_ENV, raising=False)
    assert fetch.main(["comtrade", "--period", "202601"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "COMTRADE_API_KEY" in err and "Traceback" not in err


def test_a_bad_period_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv(fetch.KEY_ENV, "k")
    assert fetch.main(["comtrade", "--period", "2026-13"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: parameter '--period' = '2026-13' is not allowed") and err.count("\n") == 1


def test_the_fetched_month_is_imported_through_the_validated_path(api, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    result = fetch.fetch_and_import("202601", "secret-key", published="2026-03-15", data_dir=data)
    assert api[0]["subscription_key"] == "secret-key" and api[0]["period"] == "202601"
    assert api[0]["reporterCode"] == "156" and api[0]["cmdCode"] == "850511" and api[0]["flowCode"] == "X"
    assert api[0]["freqCode"] == "M"
    assert result.batch is not None and result.batch.parent == data / "raw"
    new = load_dataset(data).figures
    new = new[new.source_id.isin(result.source_ids)]
    assert len(new) and set(new.series) == {"hs:850511"}     # HS-6: its own series, not the rare-earth line
    assert not list(Path(paths.DATA / "raw").glob("*comtrade-202601*")), "the real data are untouched"


def test_check_fetches_and_writes_nothing(api, monkeypatch, capsys):
    before = {p: p.read_bytes() for p in paths.DATA.rglob("*") if p.is_file()}
    monkeypatch.setenv(fetch.KEY_ENV, "secret-key")
    assert fetch.main(["comtrade", "--period", "202601", "--published", "2026-03-15", "--check"]) == 0
    assert "checked" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in paths.DATA.rglob("*") if p.is_file()} == before


def test_an_empty_answer_is_one_line(api, monkeypatch, capsys):
    import comtradeapicall

    monkeypatch.setattr(comtradeapicall, "getFinalData", lambda *a, **k: pd.DataFrame())
    monkeypatch.setenv(fetch.KEY_ENV, "secret-key")
    assert fetch.main(["comtrade", "--period", "202601"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: UN Comtrade API: no data") and err.count("\n") == 1
