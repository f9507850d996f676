"""Writes and reads of the ``alerts`` table, for the recorder, the CLI, the desktop app and reports.

Only the recorder writes (``open_alert`` … ``record_delivery``, on its writer
connection). Readers take any connection, normally
:func:`~lookout.store.db.open_reader`:

>>> db = open_reader(data_dir)                          # doctest: +SKIP
>>> open_alerts(db)                                     # what is wrong right now
>>> list_alerts(db, since_iso=since_iso("7d"), severity="critical")
>>> digest(db, since_iso("24h"))                        # what was not notified

Alerts come back as :class:`~lookout.core.models.Alert`, newest first. Their
messages hold derived or redacted text only. An alert with ``notified_at`` was
handed to notification (tray, webhook); one without it belongs to the digest.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlite_utils import Database

from lookout.core.models import SEVERITIES, Alert, AlertSeverity

ALERT_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(Alert))
_SELECT = f"SELECT {', '.join(ALERT_COLUMNS)} FROM alerts"


@dataclass(frozen=True, slots=True)
class Digest:
    """What happened since ``since`` without a notification, plus the overall picture.

    ``alerts`` are the un-notified ones (all ``low``, and ``medium`` beyond the rate
    limit), newest first; ``opened`` counts every alert opened since, by severity.
    """

    since: str
    alerts: list[Alert]
    opened: dict[str, int]
    still_open: int


def open_alert(db: Database, alert: Alert) -> int:
    """Insert a new alert row; return its id."""
    values = {name: getattr(alert, name) for name in ALERT_COLUMNS if name != "id"}
    columns = ", ".join(values)
    cursor = db.execute(
        f"INSERT INTO alerts ({columns}) VALUES ({', '.join('?' for _ in values)})", list(values.values())
    )
    alert_id: int = cursor.lastrowid or 0
    return alert_id


def refresh_alert(
    db: Database,
    alert_id: int,
    *,
    at: str,
    value: float | None,
    message: str,
    severity: AlertSeverity,
    notified_at: str | None = None,
) -> None:
    """Record that an open alert's condition still fires (a raised severity may notify again)."""
    db.execute(
        "UPDATE alerts SET last_triggered_at = ?, value = ?, message = ?, severity = ?, "
        "notified_at = coalesce(?, notified_at) WHERE id = ?",
        [at, value, message, severity, notified_at, alert_id],
    )


def reopen_alert(db: Database, alert_id: int, *, at: str, value: float | None, message: str) -> None:
    """Reopen a resolved alert whose condition fired again within the cooldown."""
    db.execute(
        "UPDATE alerts SET status = 'open', resolved_at = NULL, last_triggered_at = ?, value = ?, "
        "message = ?, occurrences = occurrences + 1 WHERE id = ?",
        [at, value, message, alert_id],
    )


def resolve_alert(db: Database, alert_id: int, *, at: str) -> None:
    db.execute(
        "UPDATE alerts SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'open'",
        [at, alert_id],
    )


def record_delivery(db: Database, alert_id: int, *, status: str, attempts: int, error: str | None) -> None:
    """Store how webhook delivery went: ``pending``, ``delivered`` or ``failed``, with Lookout's own error."""
    db.execute(
        "UPDATE alerts SET delivery_status = ?, delivery_attempts = ?, delivery_error = ? WHERE id = ?",
        [status, attempts, error, alert_id],
    )


def get_alert(db: Database, alert_id: int) -> Alert | None:
    rows = _alerts(db, f"{_SELECT} WHERE id = ?", [alert_id])
    return rows[0] if rows else None


def open_alerts(db: Database) -> list[Alert]:
    """Every open alert, most severe first, then newest first."""
    alerts = _alerts(db, f"{_SELECT} WHERE status = 'open' ORDER BY opened_at DESC, id DESC", [])
    return sorted(alerts, key=lambda alert: SEVERITIES.index(alert.severity))


def list_alerts(
    db: Database,
    *,
    status: str | None = None,
    since_iso: str | None = None,
    severity: AlertSeverity | None = None,
    limit: int | None = None,
) -> list[Alert]:
    """Alerts newest first. ``since_iso`` keeps those active at any time since then: opened
    since, resolved since, or still open. ``status`` is ``open`` or ``resolved`` (None: both)."""
    clauses, params = ["1"], []
    if status is not None:
        clauses.append("status = ?")
        params.append(status)
    if since_iso is not None:
        clauses.append("(opened_at >= ? OR resolved_at >= ? OR status = 'open')")
        params += [since_iso, since_iso]
    if severity is not None:
        clauses.append("severity = ?")
        params.append(severity)
    sql = f"{_SELECT} WHERE {' AND '.join(clauses)} ORDER BY opened_at DESC, id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit):d}"
    return _alerts(db, sql, params)


def digest(db: Database, since_iso: str) -> Digest:
    """The digest since ``since_iso``: un-notified alerts opened since, counts, and how many are open."""
    quiet = _alerts(
        db,
        f"{_SELECT} WHERE opened_at >= ? AND notified_at IS NULL ORDER BY opened_at DESC, id DESC",
        [since_iso],
    )
    opened: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    sql = "SELECT severity, count(*) FROM alerts WHERE opened_at >= ? GROUP BY severity"
    for severity, count in db.execute(sql, [since_iso]):
        opened[severity] = count
    still_open: int = db.execute("SELECT count(*) FROM alerts WHERE status = 'open'").fetchone()[0]
    return Digest(since_iso, quiet, opened, still_open)


def tracked_alerts(db: Database, resolved_since_iso: str) -> list[Alert]:
    """Open alerts and those resolved since ``resolved_since_iso``: what the lifecycle needs."""
    sql = f"{_SELECT} WHERE status = 'open' OR (status = 'resolved' AND resolved_at >= ?)"
    return _alerts(db, sql, [resolved_since_iso])


def medium_notified_since(db: Database, since_iso: str) -> list[str]:
    """When medium alerts were notified since ``since_iso`` (for the medium rate limit)."""
    sql = "SELECT notified_at FROM alerts WHERE severity = 'medium' AND notified_at >= ?"
    return [row[0] for row in db.execute(sql, [since_iso])]


def _alerts(db: Database, sql: str, params: list[Any]) -> list[Alert]:
    return [Alert(**row) for row in db.query(sql, params)]
