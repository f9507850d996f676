"""Notices new data cheaply and tells the views, at most a few times a second.

Every ``interval_ms`` a handful of index lookups (:func:`~lookout.store.browse.data_signature`)
runs off the GUI thread. When the answer changed, ``ctx.data_changed`` is emitted,
but never twice within ``min_gap_ms``: a burst of writes becomes one refresh,
and the UI refreshes at no more than 4 Hz however busy the proxy is.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Slot

from lookout.store.browse import data_signature
from lookout.ui.context import AppContext

POLL_MS = 500
MIN_GAP_MS = 250  # 4 Hz


class DataPoller(QObject):
    """Polls the database for changes and emits ``ctx.data_changed``, coalesced."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        interval_ms: int = POLL_MS,
        min_gap_ms: int = MIN_GAP_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._min_gap_s = min_gap_ms / 1000
        self._signature: tuple[Any, ...] | None = None
        self._last_emit = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)
        self._deferred = QTimer(self)
        self._deferred.setSingleShot(True)
        self._deferred.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may fire early
        self._deferred.timeout.connect(self._emit)
        ctx.query_failed.connect(self._on_failed)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._deferred.stop()

    @Slot()
    def poll(self) -> None:
        self._ctx.run("data-signature", data_signature, self._on_signature)

    def _on_signature(self, signature: tuple[Any, ...]) -> None:
        previous, self._signature = self._signature, signature
        if previous is None or signature == previous:
            return  # the first look only sets the baseline: views load on their own
        if self._deferred.isActive():
            return  # an emit is already scheduled: this change rides on it
        wait = self._min_gap_s - (time.monotonic() - self._last_emit)
        if wait <= 0:
            self._emit()
        else:
            self._deferred.start(int(wait * 1000) + 1)

    @Slot(str, str)
    def _on_failed(self, key: str, _message: str) -> None:
        if key == "data-signature":
            self._signature = ("unreadable",)  # e.g. no database yet: its arrival is a change

    def _emit(self) -> None:
        self._last_emit = time.monotonic()
        self._ctx.data_changed.emit()
