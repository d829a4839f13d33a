"""Vectorised interval arithmetic: every bound contains the exact result (fractions.Fraction), tightly."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from mpmath import iv

from helpers.analysis import intervals
from helpers.analysis.intervals import Interval

# tonnages, growth factors and their sums and ratios: far from overflow and underflow
finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False).filter(
    lambda x: x == 0 or abs(x) > 1e-12)
positive = st.floats(min_value=1e-6, max_value=1e12, allow_nan=False, allow_infinity=False)


def _interval(draw_pair):
    a, b = draw_pair
    return (a, b) if a <= b else (b, a)


pairs = st.tuples(finite, finite).map(_interval)
positive_pairs = st.tuples(positive, positive).map(_interval)


def _corners(op, a, b):
    xs = [Fraction(a[0]), Fraction(a[1])]
    ys = [Fraction(b[0]), Fraction(b[1])]
    return [op(x, y) for x in xs for y in ys]


def _check(lo, hi, exact):
    """lo <= every exact value <= hi, and the bounds are tight: one float inward would exclude one."""
    lo, hi = float(lo), float(hi)
    assert Fraction(lo) <= min(exact) and max(exact) <= Fraction(hi)
    assert Fraction(np.nextafter(lo, math.inf)) > min(exact) or Fraction(lo) == min(exact)
    assert Fraction(np.nextafter(hi, -math.inf)) < max(exact) or Fraction(hi) == max(exact)


@settings(max_examples=400, deadline=None)
@given(pairs, pairs)
def test_add_sub_mul_contain_the_exact_result(a, b):
    _check(*intervals.add(*a, *b), [Fraction(a[0]) + Fraction(b[0]), Fraction(a[1]) + Fraction(b[1])])
    _check(*intervals.sub(*a, *b), [Fraction(a[0]) - Fraction(b[1]), Fraction(a[1]) - Fraction(b[0])])
    _check(*intervals.mul(*a, *b), _corners(lambda x, y: x * y, a, b))


@settings(max_examples=400, deadline=None)
@given(pairs, positive_pairs)
def test_div_contains_the_exact_result(a, b):
    _check(*intervals.div(*a, *b), _corners(lambda x, y: x / y, a, b))
    neg = (-b[1], -b[0])
    _check(*intervals.div(*a, *neg), _corners(lambda x, y: x / y, a, neg))


@settings(max_examples=200, deadline=None)
@given(st.lists(pairs, min_size=1, max_size=20))
def test_arrays_and_sums(items):
    lo = np.array([p[0] for p in items])
    hi = np.array([p[1] for p in items])
    # element-wise on whole arrays at once
    alo, ahi = intervals.mul(lo, hi, lo[::-1], hi[::-1])
    for i, (x, y) in enumerate(zip(items, items[::-1])):
        assert Fraction(float(alo[i])) <= min(_corners(lambda p, q: p * q, x, y)) <= \
            max(_corners(lambda p, q: p * q, x, y)) <= Fraction(float(ahi[i]))
    s = Interval.sum(Interval(*p) for p in items)
    assert Fraction(s.a) <= sum(Fraction(p[0]) for p in items)
    assert sum(Fraction(p[1]) for p in items) <= Fraction(s.b)


@settings(max_examples=200, deadline=None)
@given(st.integers(-9999, 9999), st.integers(0, 3))
def test_percent_to_growth_factor_is_outward(value, decimals):
    lo_pct = Fraction(value, 10 ** decimals) - Fraction(1, 2 * 10 ** decimals)
    hi_pct = lo_pct + Fraction(1, 10 ** decimals)
    if lo_pct <= -100:
        return
    flo, fhi = intervals.factor(float(lo_pct), float(hi_pct))
    # the float inputs are the nearest floats of the decimals; the factor contains 1 + each of them
    assert Fraction(float(flo)) <= 1 + Fraction(float(lo_pct)) / 100
    assert 1 + Fraction(float(hi_pct)) / 100 <= Fraction(float(fhi))


@settings(max_examples=200, deadline=None)
@given(pairs, positive_pairs)
def test_same_bounds_as_mpmath_iv(a, b):
    """Correctly rounded outward: the very bounds mpmath.iv gives at 53 bits."""
    x, y = iv.mpf([a[0], a[1]]), iv.mpf([b[0], b[1]])
    for ours, theirs in ((Interval(*a) + Interval(*b), x + y), (Interval(*a) - Interval(*b), x - y),
                         (Interval(*a) * Interval(*b), x * y), (Interval(*a) / Interval(*b), x / y)):
        assert (ours.a, ours.b) == (float(theirs.a), float(theirs.b))


def test_division_by_an_interval_containing_zero_is_unbounded():
    lo, hi = intervals.div(1.0, 2.0, -1.0, 1.0)
    assert lo == -math.inf and hi == math.inf


def test_exact_operations_are_not_widened():
    s = Interval(2626.5, 2627.5) + Interval(0.5, 0.5)
    assert (s.a, s.b) == (2627.0, 2628.0)
    assert (Interval(3) * Interval(2)).a == 6.0


@pytest.mark.parametrize("n", [1, 1000])
def test_vectorised_over_arrays(n):
    lo = np.full(n, 1.0)
    hi = np.full(n, 3.0)
    qlo, qhi = intervals.div(lo, hi, np.full(n, 3.0), np.full(n, 3.0))
    assert qlo.shape == (n,) and (Fraction(float(qlo[0])) <= Fraction(1, 3) <= Fraction(float(qhi[0])))
