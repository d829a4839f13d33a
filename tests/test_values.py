"""Export values and unit values (issue 35): series of their own, with the same provenance, derivation and
as-known-on rules as the tonnes, on the frozen copy of the data."""

from __future__ import annotations

import pytest

from helpers.analysis import values
from helpers.data.partners import TOTAL


@pytest.fixture(scope="module")
def ds(frozen):
    return frozen


def test_every_value_and_price_names_its_sources_and_when_it_became_known(ds):
    for df in (values.usd(ds), values.unit_values(ds, None)):
        assert len(df)
        assert (df.sources != "").all() and (df.published != "").all()
        assert (df.low <= df.value).all() and (df.value <= df.high).all()
        assert set(df.status) <= {"reported", "derived"}


def test_a_derived_price_is_value_over_tonnes_with_the_range_their_rounding_allows(ds):
    nov = values.unit_value(ds, TOTAL, "2025-11", "2025-11")
    assert nov["status"] == "derived"
    # $301.8 m (±0.05) ÷ 6,149.95 t (±0.005)
    assert nov["low"] == pytest.approx(301.75e3 / 6149.955, rel=1e-9)
    assert nov["high"] == pytest.approx(301.85e3 / 6149.945, rel=1e-9)
    assert "S57" in nov["sources"].split(";") and nov["method"].startswith("value ÷ tonnes, November 2025")


def test_a_reported_price_is_kept_as_reported_and_never_enters_the_tonnes(ds):
    from helpers.analysis import compare

    aug = values.unit_value(ds, TOTAL, "2024-08", "2024-08")
    assert aug["status"] == "reported" and aug["value"] == 46.985 and aug["sources"] == "S18"
    assert compare.estimate(ds, TOTAL, "2024-08").value != aug["value"]


def test_a_price_is_known_only_from_the_day_both_its_value_and_its_tonnage_are(ds):
    before = ds.known_on("2025-07-30")        # H1 2025's value was released on 31 July 2025
    assert values.unit_value(before, TOTAL, "2025-01", "2025-06") is None
    after = ds.known_on("2025-07-31")
    got = values.unit_value(after, TOTAL, "2025-01", "2025-06")
    assert got is not None and got["published"] == "2025-07-31"


def test_no_price_where_the_value_or_the_tonnage_is_missing(ds):
    assert values.unit_value(ds, TOTAL, "2025-06", "2025-06") is None       # a tonnage, no value
    assert values.unit_value(ds, "DE", "2025-11", "2025-11") is None        # neither
