"""The alerting step's memory of recent calls: per-minute buckets, group counts and latest outcomes.

Every call reaches the database through the recorder, so folding each flushed
row in as it is written keeps these exact without re-reading an hour of calls on
every tick (that scan measured 0.25–1 s at 20 calls/s on the 2-core machine).
They are seeded once from the database when the recorder starts, so a restarted
recorder carries on where the last one stopped. Buckets older than ``keep_s``
are dropped; a scope's latest outcomes are kept until newer ones push them out.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from lookout.analysis.alert_events import GroupCount
from lookout.analysis.alert_rules import BUCKET_S, CallBucket, RecentCall
from lookout.core.alerts_config import Scope
from lookout.core.clock import parse_iso
from lookout.core.models import CallRow
from lookout.store.queries import NON_ERROR_OUTCOMES

UNTITLED = "untitled error group"


@dataclass
class _Tally:
    calls: int = 0
    errors: int = 0
    cost_usd: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    ttfts_ms: list[float] = field(default_factory=list)


class RecentCalls:
    """Per (scope, minute) tallies and per-group counts of the last ``keep_s``, and each scope's
    latest ``streak`` outcomes, fed by flushed rows."""

    def __init__(self, keep_s: float, streak: int) -> None:
        self._keep_s = keep_s
        self._streak = streak
        self._tallies: dict[tuple[Scope, float], _Tally] = defaultdict(_Tally)
        self._groups: dict[tuple[str, Scope, float], int] = defaultdict(int)
        self._latest: dict[Scope, deque[RecentCall]] = {}

    def seed(
        self,
        buckets: Iterable[CallBucket],
        groups: Iterable[GroupCount],
        latest: Mapping[Scope, Sequence[RecentCall]],
    ) -> None:
        """Start from what the database holds (``latest`` newest first, as the store returns it)."""
        for bucket in buckets:
            tally = self._tallies[bucket.scope, bucket.start]
            tally.calls += bucket.calls
            tally.errors += bucket.errors
            if bucket.cost_usd is not None:
                tally.cost_usd = (tally.cost_usd or 0.0) + bucket.cost_usd
            tally.latencies_ms += bucket.latencies_ms
            tally.ttfts_ms += bucket.ttfts_ms
        for count in groups:
            self._groups[count.group_id, count.scope, count.start] += count.count
        for scope, calls in latest.items():
            self._outcomes(scope).extend(reversed(calls))

    def add(self, rows: Iterable[CallRow]) -> None:
        """Fold in flushed rows, in the order they were written."""
        for row in rows:
            scope = Scope(row.upstream, row.model, row.operation)
            minute = parse_iso(row.started_at) // BUCKET_S * BUCKET_S
            tally = self._tallies[scope, minute]
            tally.calls += 1
            if row.outcome not in NON_ERROR_OUTCOMES:
                tally.errors += 1
            if row.cost_usd is not None:
                tally.cost_usd = (tally.cost_usd or 0.0) + row.cost_usd
            if row.outcome == "ok" and row.latency_ms is not None:
                tally.latencies_ms.append(row.latency_ms)
                if row.streamed and row.ttft_ms is not None:
                    tally.ttfts_ms.append(row.ttft_ms)
            if row.error_group_id is not None:
                self._groups[row.error_group_id, scope, minute] += 1
            self._outcomes(scope).append(
                RecentCall(row.outcome, row.status_code, row.error_type, row.error_code)
            )

    def prune(self, now: float) -> None:
        oldest = now - self._keep_s - BUCKET_S
        for key in [key for key in self._tallies if key[1] < oldest]:
            del self._tallies[key]
        for group_key in [key for key in self._groups if key[2] < oldest]:
            del self._groups[group_key]

    def buckets(self) -> list[CallBucket]:
        return [
            CallBucket(scope, start, t.calls, t.errors, t.cost_usd, t.latencies_ms, t.ttfts_ms)
            for (scope, start), t in self._tallies.items()
        ]

    def group_ids(self) -> set[str]:
        return {group_id for group_id, _, _ in self._groups}

    def group_counts(self, titles: Mapping[str, str | None]) -> list[GroupCount]:
        """Counts of the groups in ``titles`` (id -> title; None: no row for the group any more)."""
        return [
            GroupCount(group_id, titles[group_id] or UNTITLED, scope, start, count)
            for (group_id, scope, start), count in self._groups.items()
            if group_id in titles
        ]

    def latest(self, scopes: Iterable[Scope]) -> dict[Scope, list[RecentCall]]:
        """Each scope's latest outcomes, newest first."""
        return {scope: list(reversed(self._latest.get(scope, ()))) for scope in scopes}

    def scopes(self) -> set[Scope]:
        return {scope for scope, _ in self._tallies} | set(self._latest)

    def _outcomes(self, scope: Scope) -> deque[RecentCall]:
        if scope not in self._latest:
            self._latest[scope] = deque(maxlen=self._streak)
        return self._latest[scope]
