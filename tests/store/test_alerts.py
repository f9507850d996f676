"""The alerts table: the recorder's writes, and the reads the CLI, the app and reports use."""

from __future__ import annotations

from sqlite_utils import Database

from lookout.core.clock import iso_utc
from lookout.store.alerts import (
    digest,
    get_alert,
    list_alerts,
    medium_notified_since,
    open_alert,
    open_alerts,
    record_delivery,
    refresh_alert,
    reopen_alert,
    resolve_alert,
    tracked_alerts,
)
from tests.store.factories import NOW, make_alert


def test_an_opened_alert_reads_back_whole(writer_db: Database, reader_db: Database) -> None:
    alert_id = open_alert(writer_db, make_alert(notified_at=iso_utc(NOW - 60), delivery_status="pending"))
    alert = get_alert(reader_db, alert_id)
    assert alert is not None
    assert alert.id == alert_id and alert.status == "open" and alert.occurrences == 1
    assert (alert.upstream, alert.model, alert.operation) == ("openai", "gpt-4o-mini", "chat")
    assert alert.delivery_status == "pending" and alert.delivery_attempts == 0
    assert get_alert(reader_db, 999) is None


def test_refresh_reopen_resolve_and_delivery(writer_db: Database) -> None:
    alert_id = open_alert(writer_db, make_alert())
    refresh_alert(writer_db, alert_id, at=iso_utc(NOW), value=55.0, message="worse", severity="critical")
    alert = get_alert(writer_db, alert_id)
    assert alert is not None and (alert.value, alert.message, alert.severity) == (55.0, "worse", "critical")
    assert alert.last_triggered_at == iso_utc(NOW) and alert.notified_at is None

    resolve_alert(writer_db, alert_id, at=iso_utc(NOW + 600))
    resolved = get_alert(writer_db, alert_id)
    assert (
        resolved is not None and resolved.status == "resolved" and resolved.resolved_at == iso_utc(NOW + 600)
    )

    reopen_alert(writer_db, alert_id, at=iso_utc(NOW + 900), value=30.0, message="again")
    reopened = get_alert(writer_db, alert_id)
    assert reopened is not None and reopened.status == "open" and reopened.resolved_at is None
    assert reopened.occurrences == 2 and reopened.opened_at == iso_utc(NOW - 60)

    record_delivery(writer_db, alert_id, status="failed", attempts=5, error="HTTP 503")
    delivered = get_alert(writer_db, alert_id)
    assert delivered is not None
    assert (delivered.delivery_status, delivered.delivery_attempts, delivered.delivery_error) == (
        "failed",
        5,
        "HTTP 503",
    )


def seed(db: Database) -> dict[str, int]:
    """A week of alerts: one old resolved, one recent resolved, two open (one ancient), one digest-only."""
    day = 86400
    return {
        "ancient_resolved": open_alert(
            db,
            make_alert(
                status="resolved", opened_at=iso_utc(NOW - 20 * day), resolved_at=iso_utc(NOW - 19 * day)
            ),
        ),
        "recent_resolved": open_alert(
            db,
            make_alert(
                rule="latency_p95",
                severity="low",
                status="resolved",
                opened_at=iso_utc(NOW - 2 * day),
                resolved_at=iso_utc(NOW - day),
            ),
        ),
        "ancient_open": open_alert(
            db,
            make_alert(
                rule="model_unavailable",
                severity="critical",
                opened_at=iso_utc(NOW - 10 * day),
                notified_at=iso_utc(NOW - 10 * day),
            ),
        ),
        "new_open": open_alert(
            db, make_alert(subject="group:ab12", rule="new_group", notified_at=iso_utc(NOW - 3600))
        ),
        "digest_only": open_alert(
            db, make_alert(rule="drift", severity="low", opened_at=iso_utc(NOW - 7200))
        ),
    }


def test_list_keeps_alerts_active_in_the_window(writer_db: Database, reader_db: Database) -> None:
    ids = seed(writer_db)
    week = list_alerts(reader_db, since_iso=iso_utc(NOW - 7 * 86400))
    assert {a.id for a in week} == {
        ids["recent_resolved"],
        ids["ancient_open"],
        ids["new_open"],
        ids["digest_only"],
    }
    assert [a.opened_at for a in week] == sorted((a.opened_at for a in week), reverse=True)
    assert len(list_alerts(reader_db)) == 5


def test_list_filters_by_status_severity_and_limit(writer_db: Database, reader_db: Database) -> None:
    ids = seed(writer_db)
    assert [a.id for a in list_alerts(reader_db, status="resolved")] == [
        ids["recent_resolved"],
        ids["ancient_resolved"],
    ]
    assert [a.id for a in list_alerts(reader_db, severity="critical")] == [ids["ancient_open"]]
    assert [a.id for a in list_alerts(reader_db, status="open", limit=1)] == [ids["new_open"]]


def test_open_alerts_most_severe_first(writer_db: Database, reader_db: Database) -> None:
    ids = seed(writer_db)
    assert [a.id for a in open_alerts(reader_db)] == [
        ids["ancient_open"],
        ids["new_open"],
        ids["digest_only"],
    ]


def test_digest_lists_what_was_not_notified(writer_db: Database, reader_db: Database) -> None:
    ids = seed(writer_db)
    found = digest(reader_db, iso_utc(NOW - 86400))
    assert [a.id for a in found.alerts] == [ids["digest_only"]]
    assert found.opened == {"critical": 0, "medium": 1, "low": 1}
    assert found.still_open == 3
    week = digest(reader_db, iso_utc(NOW - 7 * 86400))
    assert [a.id for a in week.alerts] == [ids["digest_only"], ids["recent_resolved"]]


def test_what_the_lifecycle_and_rate_limit_read(writer_db: Database) -> None:
    ids = seed(writer_db)
    tracked = {a.id for a in tracked_alerts(writer_db, iso_utc(NOW - 2 * 86400))}
    assert tracked == {ids["recent_resolved"], ids["ancient_open"], ids["new_open"], ids["digest_only"]}
    assert medium_notified_since(writer_db, iso_utc(NOW - 7200)) == [iso_utc(NOW - 3600)]
    assert medium_notified_since(writer_db, iso_utc(NOW - 1800)) == []
