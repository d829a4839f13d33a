"""Interval arithmetic on numpy arrays, with bounds rounded outward exactly as directed rounding would.

An interval is a pair of float64 arrays (or scalars) ``lo <= hi``. Each operation
computes its result in round-to-nearest, then finds the sign of the rounding
error *exactly* with error-free transformations (Knuth's TwoSum for ``+``/``−``,
Dekker's TwoProduct for ``×`` and for the remainder of ``÷``) and moves a bound
one float outward (``np.nextafter``) only when rounding went the wrong way for
it. So every bound is the correctly rounded (downward for ``lo``, upward for
``hi``) value of the exact result: the same bounds ``mpmath.iv`` gives at 53 bits,
for whole arrays at once instead of one Python object per number.

Soundness (tested with hypothesis against :class:`fractions.Fraction`): the
exact result of the operation on any reals inside the operands lies within the
returned bounds. The error-free transformations are exact for finite inputs
away from overflow (|x| < 1e300) and gradual underflow; tonnages and growth
factors are far from both. A division by an interval that contains 0 gives
``[−inf, +inf]``.

:class:`Interval` wraps one pair for code that works on single quantities (it
has ``.a``/``.b`` like ``mpmath.iv.mpf``).
"""

from __future__ import annotations

import numpy as np

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for float64
_INF = np.inf


def _arr(x):
    return np.asarray(x, dtype=np.float64)


def _two_sum(a, b):
    """``s = fl(a + b)`` and the exact error ``e`` with ``a + b = s + e``."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def _split(a):
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a, b):
    """``p = fl(a * b)`` and the exact error ``e`` with ``a * b = p + e`` (no fma needed)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def _down(x, err):
    """``x`` moved one float down where the exact value (``x + err``) is below it."""
    return np.where(err < 0, np.nextafter(x, -_INF), x)


def _up(x, err):
    return np.where(err > 0, np.nextafter(x, _INF), x)


def _finite_err(x, err):
    # where x is inf/nan the error terms are nan: leave x as it is
    return np.where(np.isfinite(x), err, 0.0)


def add_down(a, b):
    s, e = _two_sum(_arr(a), _arr(b))
    return _down(s, _finite_err(s, e))


def add_up(a, b):
    s, e = _two_sum(_arr(a), _arr(b))
    return _up(s, _finite_err(s, e))


def mul_down(a, b):
    p, e = _two_prod(_arr(a), _arr(b))
    return _down(p, _finite_err(p, e))


def mul_up(a, b):
    p, e = _two_prod(_arr(a), _arr(b))
    return _up(p, _finite_err(p, e))


def _div_err_sign(x, y, q):
    """The sign of ``x / y − q`` (exact): that of the remainder ``x − q·y``, times the sign of ``y``."""
    p, e = _two_prod(q, y)
    r = (x - p) - e   # x − p is exact (Sterbenz: q·y is within a factor 2 of x); the sign survives rounding
    return np.sign(r) * np.sign(y)


def div_down(x, y):
    x, y = _arr(x), _arr(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = x / y
        s = _finite_err(q, _div_err_sign(x, y, q))
    return _down(q, s)


def div_up(x, y):
    x, y = _arr(x), _arr(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = x / y
        s = _finite_err(q, _div_err_sign(x, y, q))
    return _up(q, s)


# --------------------------------------------------------------------------- interval operations on arrays


def add(alo, ahi, blo, bhi):
    """``[a] + [b]``."""
    return add_down(alo, blo), add_up(ahi, bhi)


def sub(alo, ahi, blo, bhi):
    """``[a] − [b]``."""
    return add_down(alo, -_arr(bhi)), add_up(ahi, -_arr(blo))


def mul(alo, ahi, blo, bhi):
    """``[a] × [b]``: the extreme products of the bounds, each rounded outward."""
    pairs = [(alo, blo), (alo, bhi), (ahi, blo), (ahi, bhi)]
    lo = np.minimum.reduce([mul_down(x, y) for x, y in pairs])
    hi = np.maximum.reduce([mul_up(x, y) for x, y in pairs])
    return lo, hi


def div(alo, ahi, blo, bhi):
    """``[a] ÷ [b]``; ``[−inf, +inf]`` where ``[b]`` contains 0."""
    blo, bhi = _arr(blo), _arr(bhi)
    pairs = [(alo, blo), (alo, bhi), (ahi, blo), (ahi, bhi)]
    lo = np.minimum.reduce([div_down(x, y) for x, y in pairs])
    hi = np.maximum.reduce([div_up(x, y) for x, y in pairs])
    zero = (blo <= 0) & (bhi >= 0)
    return np.where(zero, -_INF, lo), np.where(zero, _INF, hi)


def total(lo, hi):
    """The sum of intervals given as arrays of bounds, accumulated left to right (as ``sum()`` does)."""
    slo, shi = np.float64(0.0), np.float64(0.0)
    for a, b in zip(_arr(lo).ravel(), _arr(hi).ravel()):
        slo, shi = add_down(slo, a), add_up(shi, b)
    return float(slo), float(shi)


def factor(lo_pct, hi_pct):
    """A change in percent, ``[lo %, hi %]``, as the growth factor ``[1 + lo/100, 1 + hi/100]``, outward."""
    return add_down(1.0, div_down(lo_pct, 100.0)), add_up(1.0, div_up(hi_pct, 100.0))


# --------------------------------------------------------------------------- one interval


class Interval:
    """One interval ``[a, b]`` with the operations above (``+ − × ÷`` with intervals or numbers)."""

    __slots__ = ("a", "b")

    def __init__(self, a, b=None):
        self.a = float(a)
        self.b = float(a if b is None else b)

    @staticmethod
    def _of(x) -> "Interval":
        return x if isinstance(x, Interval) else Interval(x)

    def __add__(self, other):
        o = self._of(other)
        return Interval(*map(float, add(self.a, self.b, o.a, o.b)))

    __radd__ = __add__

    def __sub__(self, other):
        o = self._of(other)
        return Interval(*map(float, sub(self.a, self.b, o.a, o.b)))

    def __rsub__(self, other):
        return self._of(other) - self

    def __mul__(self, other):
        o = self._of(other)
        return Interval(*map(float, mul(self.a, self.b, o.a, o.b)))

    __rmul__ = __mul__

    def __truediv__(self, other):
        o = self._of(other)
        return Interval(*map(float, div(self.a, self.b, o.a, o.b)))

    def __rtruediv__(self, other):
        return self._of(other) / self

    def __contains__(self, x) -> bool:
        return self.a <= x <= self.b

    def __eq__(self, other) -> bool:
        return isinstance(other, Interval) and (self.a, self.b) == (other.a, other.b)

    def __hash__(self):
        return hash((self.a, self.b))

    def __repr__(self) -> str:
        return f"Interval({self.a!r}, {self.b!r})"

    @staticmethod
    def sum(items) -> "Interval":
        """The sum of intervals (``Interval(0)`` for none)."""
        items = list(items)
        return Interval(*total([i.a for i in items], [i.b for i in items]))
