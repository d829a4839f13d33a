"""The house colours: Okabe and Ito's palette, what each colour stands for, and the contrast check."""

from __future__ import annotations


#: Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}

PALETTE = {
    "total": OKABE_ITO["blue"],        # all destinations
    "focus": OKABE_ITO["vermillion"],  # the partner in focus
    "base": OKABE_ITO["green"],        # the comparison year (sky blue is under 3:1 on white)
    "other": OKABE_ITO["green"],
    "controls": "#D9D9D9",             # shaded controls period (light grey: fine in greyscale)
    "controls2": "#F2D7A6",            # a second controls period (light orange: told apart from the first)
    "event": "#444444",
    "missing": "#595959",
}

#: Scenario lines: Okabe–Ito hues darkened where needed to reach 3:1 on white (WCAG 2.1, 1.4.11).
SCENARIO_COLORS = ["#B36B00", OKABE_ITO["green"], "#AD4F8A", "#8C6D00", "#595959"]

def contrast(colour: str, background: str = "#FFFFFF") -> float:
    """WCAG 2.1 contrast ratio of two ``#RRGGBB`` colours."""
    def lum(h: str) -> float:
        r, g, b = (int(h.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
        f = lambda c: c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4  # noqa: E731
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    hi, lo = sorted((lum(colour), lum(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
