"""The recorder's grouping step: assign each failed call to an error group, and say what changed.

For every built call that failed (HTTP status >= 400, an error inside a 200
stream, unreachable, timed out, or a failure the provider's format reported; a
client hanging up is not a failure), :class:`Grouper`:

1. fingerprints it from the *raw* message, parameterized in memory
   (:mod:`lookout.analysis.fingerprint`): only the hash is kept;
2. sets ``row.error_group_id`` before the row is written;
3. titles the group: the parameterized message redacted by the same Redactor as
   everything else, or, if redaction fails or is unavailable, the status, type and
   code only (fail closed).

The group rows are written with each flush, in the calls' transaction
(:meth:`Grouper.write`), which is also when the lifecycle runs and the
:class:`~lookout.core.models.GroupEvent` s (``new``, ``regressed``) are produced
for the alerting step to :meth:`~Grouper.drain_events`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from sqlite_utils import Database

from lookout.analysis.fingerprint import ErrorSignature, failure_kind, fingerprint, signature, title
from lookout.core.clock import parse_iso
from lookout.core.errors_config import ErrorsSettings
from lookout.core.models import CallRow, GroupEvent
from lookout.recorder.build import BuiltCall
from lookout.store.groups import GroupHit, record_hits

log = logging.getLogger(__name__)

Redact = Callable[[str], str | None]  # redacted text, or None when redaction failed
NOT_ERRORS = frozenset({"ok", "client_aborted"})
TITLE_CACHE_MAX = 10_000


def is_error(row: CallRow) -> bool:
    """Whether a call counts as an error. A client hanging up is recorded but is not one."""
    return row.outcome not in NOT_ERRORS


class Grouper:
    """Groups failed calls as they are built; writes groups with each flush.

    >>> grouper = Grouper(config.errors, payload_builder.redact_title)  # doctest: +SKIP
    >>> grouper.observe(built)            # sets built.row.error_group_id  # doctest: +SKIP
    >>> grouper.write(db)                 # in the flush's transaction     # doctest: +SKIP
    >>> grouper.drain_events()            # [GroupEvent(kind="new", ...)]   # doctest: +SKIP
    """

    def __init__(self, settings: ErrorsSettings, redact: Redact | None) -> None:
        self._settings = settings
        self._redact = redact  # None: no redactor, so titles never carry message text
        self._titles: dict[str, str] = {}  # fingerprint -> complete (redacted) title
        self._pending: list[GroupHit] = []
        self._events: list[GroupEvent] = []

    def observe(self, built: BuiltCall) -> None:
        """If the call failed, assign it to its group (sets ``error_group_id``) and queue the hit."""
        row = built.row
        if not is_error(row):
            return
        sig = signature(
            provider=row.provider or row.upstream,
            failure=failure_kind(
                status_code=row.status_code,
                outcome=row.outcome,
                error_type=row.error_type,
                error_code=row.error_code,
                streamed=row.streamed,
            ),
            error_type=row.error_type,
            error_code=row.error_code,
            raw_message=built.error_text,
        )
        found = fingerprint(sig, self._settings.fingerprint_rules, built.error_text)
        row.error_group_id = found.group_id
        group_title, complete = (found.rule.title, True) if found.rule else self._title(found.hash, sig)
        self._pending.append(
            GroupHit(
                group_id=found.group_id,
                fingerprint=found.hash,
                title=group_title,
                title_complete=complete,
                provider=sig.provider,
                failure=sig.failure,
                status_code=row.status_code,
                error_type=row.error_type,
                error_code=row.error_code,
                rule=found.rule.name if found.rule else None,
                at=parse_iso(row.started_at),
                upstream=row.upstream,
                model=row.model,
                operation=row.operation,
            )
        )

    def write(self, db: Database) -> None:
        """Write the queued hits (joining the caller's transaction) and keep the events they caused.

        A failure here rolls back the groups only (a savepoint), never the calls they came with.
        """
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            self._events += record_hits(db, pending, new_days=self._settings.new_days)
        except sqlite3.Error as exc:  # the calls still get written; these hits are lost, and said so
            log.error("error groups not updated for %d calls (%s)", len(pending), type(exc).__name__)

    def drain_events(self) -> list[GroupEvent]:
        """The ``new`` and ``regressed`` events since the last drain, oldest first."""
        events, self._events = self._events, []
        return events

    def _title(self, key: str, sig: ErrorSignature) -> tuple[str, bool]:
        """The group's title and whether it is complete (False: metadata only, redaction failed)."""
        if not sig.message:
            return title(sig), True
        cached = self._titles.get(key)
        if cached is not None:
            return cached, True
        redacted = self._redact(sig.message) if self._redact is not None else None
        if redacted is None:
            return title(sig), False  # fail closed: no message text at all
        if len(self._titles) >= TITLE_CACHE_MAX:
            self._titles.clear()
        self._titles[key] = title(sig, message=redacted)
        return self._titles[key], True
