"""Template filters of the reports."""

from __future__ import annotations

import math

from django import template
from django.utils.formats import number_format

register = template.Library()

# Figures such as densities span orders of magnitude (0.0023 cameras per km²
# across a country, 140 in a city centre): three significant digits read
# well for all of them, where a fixed number of decimals shows 0.00.
SIGNIFICANT_DIGITS = 3


@register.filter
def significant(value: float | None) -> str:
    """`value` to three significant digits, in the reader's number format;
    "" for None."""
    if value is None:
        return ""
    if value == 0:
        return number_format(0)
    # Rounded first, so that 0.99999 counts as the 1.00 it will show.
    rounded = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    decimals = SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(rounded)))
    decimals = min(max(decimals, 0), 6)
    return number_format(round(value, decimals), decimal_pos=decimals, force_grouping=True)
