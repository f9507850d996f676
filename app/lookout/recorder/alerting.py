"""The recorder's alerting step: evaluate the rules on a tick, keep the ``alerts`` table, notify.

The recorder calls :meth:`Alerter.observe` after each flushed batch (rows,
group events, counter deltas) and :meth:`Alerter.tick` on every loop. Rows are
folded into in-memory windows (:mod:`lookout.recorder.alert_windows`, seeded
from the database at start-up), so a tick reads no calls. A tick does work only
every ``[alerts] tick`` (5 s):

* every tick: error rate, latency and TTFT p95, group spikes (titles read by
  primary key), consecutive failures per scope, group events, and the
  recorder's own backlog and drops;
* every minute: spend over the last hour and the latest drift snapshots;
* every hour: baselines (7-day p95s, hourly spend), on a read-only connection
  in a background thread when one is given, so the writer never waits for a
  week-long scan.

Conditions go through the pure lifecycle in
:mod:`lookout.analysis.alert_state`; notifications are handed to the optional
:class:`~lookout.recorder.webhook.WebhookSender`, whose results are stored on
the alert rows here, so the recorder stays the only writer. A failure in a
tick is logged (its type, never data) and never stops the recorder.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sqlite_utils import Database

from lookout.analysis.alert_events import (
    drift_conditions,
    group_event_conditions,
    group_spike_conditions,
    recorder_conditions,
)
from lookout.analysis.alert_rules import (
    SPEND_WINDOW_S,
    WINDOW_RULES,
    Baseline,
    Condition,
    call_conditions,
    unavailable_conditions,
)
from lookout.analysis.alert_state import Action, Open, Policy, Refresh, Reopen, Tracked, plan
from lookout.core.alerts_config import AlertsSettings, Scope
from lookout.core.clock import iso_utc, parse_iso
from lookout.core.models import Alert, CallRow, GroupEvent
from lookout.recorder.alert_windows import RecentCalls
from lookout.recorder.webhook import WebhookSender
from lookout.store import alert_inputs
from lookout.store.alerts import (
    medium_notified_since,
    open_alert,
    open_alerts,
    record_delivery,
    refresh_alert,
    reopen_alert,
    resolve_alert,
    tracked_alerts,
)

log = logging.getLogger(__name__)

SLOW_EVERY_S = 60.0
BASELINE_EVERY_S = 3600.0
DRIFT_FRESH_S = 3 * 3600.0  # the drift step writes hourly; older snapshots are stale
UNAVAILABLE_LOOKBACK_S = 86400.0
LAG_MEMORY_S = 60.0
DROP_COUNTERS = ("dropped_records", "dropped_payloads")

ReaderFactory = Callable[[], Database]


class Alerter:
    """Alert evaluation and bookkeeping inside the recorder process. All times are epoch seconds.

    Create it before the first flush (``now`` is when): it seeds its windows
    from the calls already stored. ``open_reader`` opens a read-only connection for the hourly baseline scan,
    which then runs on a background thread; without it the scan runs inline.
    """

    def __init__(
        self,
        db: Database,
        settings: AlertsSettings,
        now: float,
        *,
        sender: WebhookSender | None = None,
        open_reader: ReaderFactory | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._policy = Policy.from_settings(settings)
        self._sender = sender
        self._open_reader = open_reader
        self._executor = ThreadPoolExecutor(1, "lookout-baselines") if open_reader else None
        self._pending_baselines: Future[dict[Scope, Baseline]] | None = None
        self._baselines: dict[Scope, Baseline] = {}
        self._events: list[GroupEvent] = []
        self._lags: deque[tuple[float, float]] = deque()  # (observed at, seconds behind)
        self._drops: deque[tuple[float, dict[str, int]]] = deque()
        self._slow_conditions: list[Condition] = []
        self._next_tick = self._next_slow = self._next_baseline = 0.0
        keep_s = max(settings.longest_window_s(*WINDOW_RULES, "group_spike"), SPEND_WINDOW_S)
        self._recent = RecentCalls(keep_s, self._longest_streak())
        self._seed(now, keep_s)

    def observe(
        self, rows: Sequence[CallRow], events: Iterable[GroupEvent], counters: Mapping[str, int], now: float
    ) -> None:
        """Take in a flushed batch: how late its rows arrived, its group events and drop counts."""
        self._events.extend(events)
        self._recent.add(rows)
        ends = [parse_iso(row.started_at) + (row.latency_ms or 0.0) / 1000.0 for row in rows]
        if ends:
            self._lags.append((now, max(0.0, now - min(ends))))
        drops = {name: counters[name] for name in DROP_COUNTERS if counters.get(name)}
        if drops:
            self._drops.append((now, drops))

    def tick(self, now: float) -> None:
        """Evaluate the rules and apply the lifecycle, if a tick is due. Never raises."""
        if now < self._next_tick:
            return
        self._next_tick = now + self._settings.tick_s
        try:
            self._tick(now)
        except Exception as exc:  # alerting must never take the recorder down
            log.error("alert evaluation failed: %s", type(exc).__name__)

    def close(self) -> None:
        """Store the last delivery results and stop the background threads."""
        if self._sender is not None:
            self._sender.close()
            self._store_deliveries()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def _tick(self, now: float) -> None:
        self._update_baselines(now)
        if now >= self._next_slow:
            self._next_slow = now + SLOW_EVERY_S
            self._slow_conditions = self._slow(now)
        tracked = tracked_alerts(self._db, iso_utc(now - self._policy.cooldown_s))
        conditions = [*self._fast(now, tracked), *self._slow_conditions]
        self._events.clear()
        medium = [
            parse_iso(at)
            for at in medium_notified_since(self._db, iso_utc(now - self._policy.medium_period_s))
        ]
        actions = plan([_tracked(a) for a in tracked], conditions, now, self._policy, medium)
        with self._db.atomic():
            notify = [self._apply(action, now) for action in actions]
        for alert_id, text in (n for n in notify if n is not None):
            if self._sender is not None:
                self._sender.send(alert_id, text)
        self._store_deliveries()

    def _seed(self, now: float, keep_s: float) -> None:
        since = iso_utc(now - keep_s)
        buckets = alert_inputs.call_buckets(self._db, since)
        scopes = {b.scope for b in buckets} | _unavailable_scopes(open_alerts(self._db))
        latest = alert_inputs.recent_calls(
            self._db, scopes, limit=self._longest_streak(), since_iso=iso_utc(now - UNAVAILABLE_LOOKBACK_S)
        )
        self._recent.seed(buckets, alert_inputs.group_counts(self._db, since), latest)

    def _fast(self, now: float, tracked: Sequence[Alert]) -> list[Condition]:
        settings = self._settings
        self._recent.prune(now)
        buckets = self._recent.buckets()
        conditions = call_conditions(buckets, settings, now, self._baselines, WINDOW_RULES)
        titles = alert_inputs.group_titles(self._db, self._recent.group_ids())
        conditions += group_spike_conditions(self._recent.group_counts(titles), settings, now)
        conditions += group_event_conditions(self._events, settings)
        scopes = self._recent.scopes() | _unavailable_scopes(tracked)
        conditions += unavailable_conditions(self._recent.latest(scopes), settings)
        conditions += recorder_conditions(self._lag(now), self._dropped(now), settings)
        return conditions

    def _slow(self, now: float) -> list[Condition]:
        buckets = self._recent.buckets()
        conditions = call_conditions(buckets, self._settings, now, self._baselines, ("spend",))
        drift = alert_inputs.latest_drift(self._db, iso_utc(now - DRIFT_FRESH_S))
        return conditions + drift_conditions(drift, self._settings)

    def _update_baselines(self, now: float) -> None:
        pending = self._pending_baselines
        if pending is not None and pending.done():
            self._pending_baselines = None
            try:
                self._baselines = pending.result()
            except Exception as exc:  # keep the previous baselines
                log.error("alert baselines failed: %s", type(exc).__name__)
        if now < self._next_baseline or self._pending_baselines is not None:
            return
        self._next_baseline = now + BASELINE_EVERY_S
        if self._executor is None or self._open_reader is None:
            self._baselines = self._compute_baselines(self._db, now)
        else:
            self._pending_baselines = self._executor.submit(self._baselines_on_reader, self._open_reader, now)

    def _baselines_on_reader(self, open_reader: ReaderFactory, now: float) -> dict[Scope, Baseline]:
        db = open_reader()
        try:
            return self._compute_baselines(db, now)
        finally:
            db.close()

    def _compute_baselines(self, db: Database, now: float) -> dict[Scope, Baseline]:
        # The hour under evaluation is left out, so a spike never raises its own baseline.
        return alert_inputs.baselines(
            db,
            since_iso=iso_utc(now - self._settings.baseline_s),
            until_iso=iso_utc(now - 3600.0),
            percentiles=self._learns_thresholds(),
        )

    def _learns_thresholds(self) -> bool:
        rules = self._settings.rules
        overrides = self._settings.overrides
        return any(rules[name].factor is not None for name in ("latency_p95", "ttft_p95")) or any(
            "factor" in o.values and o.rule in ("latency_p95", "ttft_p95") for o in overrides
        )

    def _longest_streak(self) -> int:
        thresholds = [self._settings.rules["model_unavailable"].threshold or 1.0]
        thresholds += [
            float(o.values["threshold"])
            for o in self._settings.overrides
            if o.rule == "model_unavailable" and "threshold" in o.values
        ]
        return max(1, int(max(thresholds)))

    def _lag(self, now: float) -> float | None:
        while self._lags and self._lags[0][0] < now - LAG_MEMORY_S:
            self._lags.popleft()
        return max((lag for _, lag in self._lags), default=None)

    def _dropped(self, now: float) -> dict[str, int]:
        window = self._settings.rule("dropped_data").window_s
        while self._drops and self._drops[0][0] < now - window:
            self._drops.popleft()
        totals: dict[str, int] = dict.fromkeys(DROP_COUNTERS, 0)
        for _, drops in self._drops:
            for name, count in drops.items():
                totals[name] += count
        return totals

    def _apply(self, action: Action, now: float) -> tuple[int, str] | None:
        """Write one action; return (alert id, notification text) when it must be notified."""
        at = iso_utc(now)
        if isinstance(action, Open):
            alert_id = open_alert(self._db, self._new_alert(action, at))
            return (alert_id, _notification_text(action.condition)) if action.notify else None
        if isinstance(action, Refresh):
            c = action.condition
            notified_at = at if action.notify else None
            refresh_alert(
                self._db, action.alert_id, at=at, value=c.value, message=c.message,
                severity=action.severity, notified_at=notified_at,
            )  # fmt: skip
            if action.notify:
                self._mark_pending(action.alert_id)
                return action.alert_id, _notification_text(c)
            return None
        if isinstance(action, Reopen):
            c = action.condition
            reopen_alert(self._db, action.alert_id, at=at, value=c.value, message=c.message)
            return None
        resolve_alert(self._db, action.alert_id, at=at)
        return None

    def _new_alert(self, action: Open, at: str) -> Alert:
        c = action.condition
        delivering = action.notify and self._sender is not None
        return Alert(
            id=None, rule=c.rule, subject=c.subject, severity=c.severity, status="open",
            opened_at=at, last_triggered_at=at, message=c.message, value=c.value, threshold=c.threshold,
            upstream=c.scope.upstream, model=c.scope.model, operation=c.scope.operation, group_id=c.group_id,
            notified_at=at if action.notify else None, delivery_status="pending" if delivering else None,
        )  # fmt: skip

    def _mark_pending(self, alert_id: int) -> None:
        if self._sender is not None:
            record_delivery(self._db, alert_id, status="pending", attempts=0, error=None)

    def _store_deliveries(self) -> None:
        if self._sender is None:
            return
        results = self._sender.results()
        if results:
            with self._db.atomic():
                for result in results:
                    record_delivery(
                        self._db,
                        result.alert_id,
                        status=result.status,
                        attempts=result.attempts,
                        error=result.error,
                    )


def alerter_for(
    db: Database, settings: AlertsSettings, now: float, open_reader: ReaderFactory | None
) -> Alerter | None:
    """The recorder's alerter (with a webhook sender if a URL is configured), or None when alerts are off."""
    if not settings.enabled:
        return None
    sender = None
    if settings.webhook_url:
        sender = WebhookSender(
            settings.webhook_url, timeout_s=settings.webhook_timeout_s, attempts=settings.webhook_attempts
        )
        sender.start()
    return Alerter(db, settings, now, sender=sender, open_reader=open_reader)


def _unavailable_scopes(alerts: Iterable[Alert]) -> set[Scope]:
    """Scopes with a model_unavailable alert open or just resolved: still watched without traffic."""
    return {Scope(a.upstream, a.model, a.operation) for a in alerts if a.rule == "model_unavailable"}


def _tracked(alert: Alert) -> Tracked:
    assert alert.id is not None  # read back from the table
    resolved_at = parse_iso(alert.resolved_at) if alert.resolved_at else None
    return Tracked(
        alert.id, alert.rule, alert.subject, alert.severity, alert.status,
        parse_iso(alert.last_triggered_at), resolved_at,
    )  # fmt: skip


def _notification_text(condition: Condition) -> str:
    return f"Lookout {condition.severity} alert ({condition.rule}): {condition.message}"
