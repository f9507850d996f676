"""`lookout alerts`: the list, its filters, the digest and JSON output, on a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lookout.cli import main
from lookout.core.clock import iso_utc, now
from lookout.store.alerts import open_alert
from lookout.store.db import open_writer
from tests.store.factories import make_alert

HOUR = 3600.0


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Alerts relative to the wall clock, since the command reads "--since 7d" from now."""
    db = open_writer(tmp_path)
    at = now()
    open_alert(
        db,
        make_alert(
            rule="model_unavailable",
            severity="critical",
            subject="openai · gpt-4o · chat",
            message="openai · gpt-4o · chat looks unavailable: the last 5 calls failed (5× upstream_timeout)",
            opened_at=iso_utc(at - 2 * HOUR),
            last_triggered_at=iso_utc(at - HOUR),
            notified_at=iso_utc(at - 2 * HOUR),
            delivery_status="delivered",
            delivery_attempts=1,
        ),
    )
    open_alert(
        db,
        make_alert(
            rule="latency_p95",
            severity="low",
            status="resolved",
            message="p95 latency 45.0 s over 15 min",
            opened_at=iso_utc(at - 5 * HOUR),
            last_triggered_at=iso_utc(at - 4 * HOUR),
            resolved_at=iso_utc(at - 3 * HOUR),
        ),
    )
    open_alert(
        db,
        make_alert(
            rule="new_group",
            subject="group:ab12",
            opened_at=iso_utc(at - 20 * 86400),
            last_triggered_at=iso_utc(at - 20 * 86400),
            status="resolved",
            resolved_at=iso_utc(at - 19 * 86400),
        ),
    )
    db.close()
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    code = main(["alerts", "--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_lists_alerts_active_in_the_window(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, data_dir)
    assert code == 0
    assert "model_unavailable" in out and "latency_p95" in out and "new_group" not in out
    assert out.index("model_unavailable") < out.index("latency_p95")  # newest first
    assert "delivered" in out and "2 alerts in the last 7d; 1 open" in out


def test_filters_by_status_and_severity(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    _, out, _ = run(capsys, data_dir, "--status", "open")
    assert "model_unavailable" in out and "latency_p95" not in out
    _, out, _ = run(capsys, data_dir, "--severity", "low", "--since", "30d")
    assert "latency_p95" in out and "model_unavailable" not in out
    _, out, _ = run(capsys, data_dir, "--status", "resolved", "--since", "30d")
    assert "new_group" in out and "latency_p95" in out


def test_json_output_for_scripts(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    _, out, _ = run(capsys, data_dir, "--format", "json", "--since", "30d")
    alerts = json.loads(out)
    assert [a["rule"] for a in alerts] == ["model_unavailable", "latency_p95", "new_group"]
    assert alerts[0]["severity"] == "critical" and alerts[0]["delivery_status"] == "delivered"


def test_the_digest(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, data_dir, "--digest")
    assert code == 0
    assert "Digest of the last 24h: opened 1 critical, 0 medium, 1 low; 1 still open." in out
    assert "[low]" in out and "p95 latency 45.0 s" in out and "looks unavailable" not in out
    _, out, _ = run(capsys, data_dir, "--digest", "--format", "json")
    found = json.loads(out)
    assert found["opened"]["critical"] == 1 and [a["rule"] for a in found["alerts"]] == ["latency_p95"]


def test_no_alerts_and_bad_input(capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path) -> None:
    _, out, _ = run(capsys, data_dir, "--severity", "medium")
    assert out.strip() == "no alerts in the last 7d."
    code, _, err = run(capsys, data_dir, "--since", "last tuesday")
    assert code == 2 and "invalid duration" in err
    code, _, err = run(capsys, tmp_path / "empty")
    assert code == 1 and "no Lookout database" in err
