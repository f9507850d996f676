"""Number and time formats shared by chart tooltips, axes, KPI cards and tables.

Values are written the way people read them: ``532 ms``, ``1.24 s``,
``$3.10``, ``4.2%``, ``12,345``; times in local wall-clock time.
"""

from __future__ import annotations

import math
import time


def format_value(value: float, unit: str = "") -> str:
    """A value as people read it: ``532 ms``, ``1.24 s``, ``$3.10``, ``4.2%``, ``12,345``."""
    if math.isnan(value):
        return "–"
    if unit == "ms":
        return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"
    if unit == "$":
        return f"${value:,.2f}" if abs(value) >= 0.01 or value == 0 else f"${value:.4f}"
    if unit == "%":
        return f"{value:.1f}%"
    if value != int(value) and abs(value) < 100:
        return f"{value:,.2f}{unit_suffix(unit)}"
    return f"{value:,.0f}{unit_suffix(unit)}"


def unit_suffix(unit: str) -> str:
    """The unit as written after a number (``" calls/min"``), empty for none."""
    return f" {unit}" if unit else ""


def format_time(epoch: float, *, with_clock: bool = True) -> str:
    """Local date (and wall-clock time) of an epoch, as tooltips show it."""
    pattern = "%Y-%m-%d %H:%M" if with_clock else "%Y-%m-%d"
    return time.strftime(pattern, time.localtime(epoch))
