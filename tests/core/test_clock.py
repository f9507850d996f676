"""Timestamps and durations."""

from __future__ import annotations

import pytest

from lookout.core.clock import iso_utc, parse_duration, parse_iso, since_iso


def test_iso_utc_has_milliseconds_and_z() -> None:
    assert iso_utc(1_764_362_000.1234) == "2025-11-28T20:33:20.123Z"


def test_iso_round_trip() -> None:
    assert parse_iso(iso_utc(1_700_000_000.5)) == pytest.approx(1_700_000_000.5)
    assert parse_iso("2026-01-01T00:00:00") == parse_iso("2026-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("30s", 30),
        ("15m", 900),
        ("24h", 86400),
        ("7d", 604800),
        ("2w", 1209600),
        ("5", 5),
        ("1.5h", 5400),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "7 days", "d", "-1h", "1y"])
def test_parse_duration_rejects_nonsense_with_help(bad: str) -> None:
    with pytest.raises(ValueError, match=r"e\.g\."):
        parse_duration(bad)


def test_since_iso_sorts_before_now() -> None:
    assert since_iso("1h", at=1_700_003_600.0) == iso_utc(1_700_000_000.0)
