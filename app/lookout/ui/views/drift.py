"""The Drift view: per model, is recent traffic slower, wordier, costlier, flakier or swapped?

The table lists every metric of every unit (upstream · model · operation) with
calls in the current window, which is the app's time range, against a baseline:
the default (``[drift] baseline``, the 7 days before the current window) or a
pinned one chosen in the toolbar. With the range the recorder uses (``[drift]
current``, 24 h) the table reads its latest hourly run, as ``lookout drift``
does; otherwise it is computed now, and the view says so while it computes
(:func:`~lookout.ui.views.drift_data.drift_table`). Refreshes asked for in one
turn make one query, and none while the same comparison's is under way.

Selecting a row shows the baseline and current distributions overlaid
(histograms for numbers, bars side by side for rates and mixes) and the drift
score (PSI) over time from the stored snapshots; only the distributions read
calls (a sample of the row's two windows, one metric's columns).

Pinning and unpinning write through the store on a short-lived writer connection
off the GUI thread. Keys: Enter shows the selected row's details, P pins a baseline.
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from lookout.core.clock import iso_utc, now, parse_iso
from lookout.store.drift import Baseline, Snapshot
from lookout.ui import theme
from lookout.ui.context import AppContext, TimeRange
from lookout.ui.models.drift import drift_columns, row_key, severity_of
from lookout.ui.models.rows import RowsModel
from lookout.ui.turns import Job, TurnQueue, once
from lookout.ui.views.base import View
from lookout.ui.views.drift_data import DriftDetail, DriftTable, drift_detail, drift_table
from lookout.ui.views.drift_detail import DriftDetailPane
from lookout.ui.views.drift_pin import PinDialog, PinRequest, pin, unpin
from lookout.ui.views.view_data import ViewData
from lookout.ui.views.view_helpers import EmptyState, Worker, list_table, local_time, when

DAY_S = 86_400.0
HISTORY_MIN_S = 7 * DAY_S  # snapshots are hourly: shorter ranges would chart a handful of points
# New calls barely move a day's comparison; a table computed now is kept this long between polls.
RECOMPUTE_S = 60.0
COMPUTING = "Computing drift for this range now (no recorder snapshot compares it)…"


class DriftView(View):
    computing = Signal(str, object)  # baseline, TimeRange: no stored run matches, computing now
    key: ClassVar[str] = "drift"
    title: ClassVar[str] = "Drift"
    shortcut: ClassVar[str] = "Ctrl+5"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.settings = ctx.config.drift
        self.baseline = self.settings.baseline  # what the table compares against
        self.model_filter: str | None = None
        self._models: list[str | None] = []
        self.drifted_only = False
        self.data: DriftTable | None = None
        self.selected: Snapshot | None = None
        self.detail: DriftDetail | None = None
        self._loaded: tuple[str, TimeRange, float] | None = None  # baseline, range, wall time
        self._querying: tuple[str, TimeRange] | None = None  # baseline and range, until delivered
        self._detail_unshown = False  # hidden while the selected row's charts were being built
        self.turns = TurnQueue(self)
        self.flow: ViewData[DriftTable] = ViewData(self, self.turns, self._query, self._jobs)
        ctx.query_failed.connect(self._failed)
        self.computing.connect(self._computing)
        self.pin_dialog: PinDialog | None = None
        self.worker = Worker(self)
        self.model: RowsModel[Snapshot] = RowsModel(drift_columns(), self)
        self.table = list_table(self.model, self)
        for column, width in enumerate((230, 120, 180, 180, 70, 90, 70, 50)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.activated.connect(self.show_details)
        self.message = QLabel("")
        self.message.setWordWrap(True)  # long notes wrap instead of widening the window
        self.windows_note = QLabel("")
        self.windows_note.setStyleSheet(f"color: {theme.palette().muted};")
        self.empty = EmptyState(
            _empty_text(self), "Connect your app →", "connect", ctx.navigate_requested.emit
        )
        self.pages = QStackedWidget()
        self.pages.addWidget(self._split())
        self.pages.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.addLayout(self._toolbar())
        layout.addWidget(self.windows_note)
        layout.addWidget(self.pages)
        QShortcut(QKeySequence("P"), self, self.ask_pin)

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        """Re-read the table, unless it was computed (not read from a stored run) moments ago."""
        if not self._computed_recently():
            self.reload()

    def reload(self) -> None:
        """Query the table on the next turn (once, however often this is called before)."""
        self.flow.request()

    def _query(self) -> None:
        settings, baseline, time_range = self.settings, self.baseline, self.ctx.time_range
        if self._querying == (baseline, time_range):
            return  # its result is on its way (computing one can take seconds)
        start, end = time_range.bounds()
        self._loaded = (baseline, time_range, now())
        self._querying = (baseline, time_range)

        def computing() -> None:  # on the worker thread: Qt queues the signal to the GUI thread
            self.computing.emit(baseline, time_range)

        def table(db: Database) -> DriftTable:
            return drift_table(db, settings, baseline, start, end, computing=computing)

        self.ctx.run("drift-table", table, self._delivered)

    def _delivered(self, table: DriftTable) -> None:
        self._querying = None
        self.flow.deliver(table)

    def _computing(self, baseline: str, time_range: TimeRange) -> None:
        if self._querying == (baseline, time_range):
            self.windows_note.setText(COMPUTING)

    def _failed(self, key: str, _message: str) -> None:
        if key == "drift-table":  # the window shows the message; a refresh may try again
            self._querying = None

    def _jobs(self, data: DriftTable) -> list[Job]:
        return [once(lambda: self._show(data))]

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.flow.shown()
        if self._detail_unshown and self.selected is not None:
            self._detail_unshown = False
            self._load(self.selected)

    def hideEvent(self, event: QHideEvent) -> None:
        # Charts half-built for a row wait, like the table: they would compete with the visible view.
        self._detail_unshown = self.pane.turns.busy
        self.pane.turns.replace([])
        self.flow.hidden()
        super().hideEvent(event)

    def _computed_recently(self) -> bool:
        """Whether the table shown was computed for this baseline and range within :data:`RECOMPUTE_S`."""
        if self.data is None or self.data.stored or self._loaded is None:
            return False
        baseline, time_range, loaded = self._loaded
        same = baseline == self.baseline and time_range == self.ctx.time_range
        return same and now() - loaded < RECOMPUTE_S

    def set_baseline(self, name: str) -> None:
        """Compare against ``name``: the default duration or a pinned baseline."""
        if name != self.baseline:
            self.baseline = name
            self.message.setText(f"Comparing with “{name}”…")
            self.reload()

    def set_model(self, model: str | None) -> None:
        self.model_filter = model
        self._fill_table()

    def set_drifted_only(self, drifted_only: bool) -> None:
        self.drifted_only = drifted_only
        self._fill_table()

    # ------------------------------------------------------------------ pinning

    def ask_pin(self) -> None:
        """Open the pin dialog, prefilled with the baseline window the table compares against."""
        current_from, _ = self.ctx.time_range.bounds()
        start, end = current_from - 7 * DAY_S, current_from
        if self.data is not None:
            start, end = parse_iso(self.data.windows.baseline_from), parse_iso(self.data.windows.baseline_to)
        existing = [b.name for b in self.data.baselines] if self.data else []
        if self.pin_dialog is not None:
            self.pin_dialog.deleteLater()
        self.pin_dialog = PinDialog(start, end, existing, self)
        self.pin_dialog.accepted.connect(self._pin_accepted)
        self.pin_dialog.open()

    def _pin_accepted(self) -> None:
        if self.pin_dialog is not None:
            self.pin(self.pin_dialog.request())

    def pin(self, request: PinRequest) -> None:
        """Pin a baseline and compare against it once stored."""
        data_dir = self.ctx.config.data_dir

        def done(result: Baseline | Exception) -> None:
            if isinstance(result, Exception):
                self.message.setText(f"Could not pin the baseline: {result}")
                return
            self.message.setText(
                f"Pinned “{result.name}” ({local_time(result.start)[:16]} → {local_time(result.end)[:16]})."
            )
            self.baseline = result.name
            self.reload()

        self.worker.start(lambda: pin(data_dir, request, at=now()), done)

    def unpin(self) -> None:
        """Delete the pinned baseline the table compares against, and go back to the default."""
        name = self.baseline
        if name not in self._pinned_names():
            self.message.setText("Choose a pinned baseline to unpin.")
            return
        data_dir = self.ctx.config.data_dir

        def done(result: bool | Exception) -> None:
            if isinstance(result, Exception):
                self.message.setText(f"Could not unpin “{name}”: {result}")
                return
            self.message.setText(f"Unpinned “{name}”." if result else f"“{name}” was already unpinned.")
            self.baseline = self.settings.baseline
            self.reload()

        self.worker.start(lambda: unpin(data_dir, name), done)

    def _pinned_names(self) -> list[str]:
        return [b.name for b in self.data.baselines] if self.data else []

    # ------------------------------------------------------------------ layout

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.model_box = QComboBox()
        self.model_box.setMinimumWidth(180)
        self.model_box.currentIndexChanged.connect(self._model_chosen)
        self.baseline_box = QComboBox()
        self.baseline_box.setMinimumWidth(260)
        self.baseline_box.activated.connect(self._baseline_chosen)
        self.pin_button = QPushButton("Pin baseline… (P)")
        self.pin_button.clicked.connect(self.ask_pin)
        self.unpin_button = QPushButton("Unpin")
        self.unpin_button.clicked.connect(self.unpin)
        self.drifted_box = QCheckBox("Drifted only")
        self.drifted_box.toggled.connect(self.set_drifted_only)
        for label, box in (("Model", self.model_box), ("Compare with", self.baseline_box)):
            bar.addWidget(QLabel(label))
            bar.addWidget(box)
        for widget in (self.pin_button, self.unpin_button, self.drifted_box):
            bar.addWidget(widget)
        bar.addWidget(self.message, 1)
        return bar

    def _split(self) -> QSplitter:
        self.pane = DriftDetailPane(self.settings)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.pane)
        self.splitter.setSizes([380, 420])
        return self.splitter

    # ------------------------------------------------------------------ results

    def _show(self, data: DriftTable) -> None:
        if self.data is not None and _same_run(self.data, data):
            return  # the poll found new calls, but the hourly run shown is still the latest
        self.data = data
        self.baseline = data.windows.baseline_name
        if data.fallback:
            self.message.setText(f"“{data.fallback}” is not pinned any more: comparing with the default.")
        elif data.rows and all(row.severity == "insufficient" for row in data.rows):
            self.message.setText(
                f"No model has {self.settings.min_samples} calls in both windows yet: the verdicts "
                "fill in as traffic builds up."
            )
        elif self.message.text().startswith(("Comparing with", "No model has")):
            self.message.setText("")
        self._fill_baselines(data.baselines)
        self._fill_models(data.rows)
        self.windows_note.setText(_windows_text(data))
        self.pages.setCurrentIndex(0 if data.rows else 1)
        self._fill_table()

    def _fill_baselines(self, baselines: list[Baseline]) -> None:
        default = self.settings.baseline
        pinned = {b.name: b for b in baselines}
        names = [default, *(name for name in pinned if name != default)]
        if self.baseline not in names:  # a configured pinned default that is gone: 7d stands in
            names.insert(0, self.baseline)
        self.baseline_box.blockSignals(True)
        self.baseline_box.clear()
        for name in names:
            text = _baseline_text(name, pinned.get(name)) + (" (default)" if name == default else "")
            self.baseline_box.addItem(text, name)
        self.baseline_box.setCurrentIndex(self.baseline_box.findData(self.baseline))
        self.baseline_box.blockSignals(False)
        self.unpin_button.setEnabled(self.baseline in self._pinned_names())

    def _fill_models(self, rows: list[Snapshot]) -> None:
        models = sorted({row.model for row in rows}, key=lambda m: (m is None, m or ""))
        if self.model_filter is not None and self.model_filter not in models:
            models.append(self.model_filter)  # keep the user's choice while its model is quiet
        self._models = [None, *models]
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems(["All models", *(m or "(no model reported)" for m in models)])
        self.model_box.setCurrentIndex(self._models.index(self.model_filter))
        self.model_box.blockSignals(False)

    def _fill_table(self) -> None:
        rows = self.data.rows if self.data else []
        if self.model_filter is not None:
            rows = [row for row in rows if row.model == self.model_filter]
        if self.drifted_only:
            rows = [row for row in rows if severity_of(row) in ("swap", "major", "moderate")]
        keep = row_key(self.selected) if self.selected else None
        self.model.set_rows(rows)
        keys = [row_key(row) for row in self.model.rows]
        if keep in keys:
            self.table.selectRow(keys.index(keep))  # the same row, its detail reloaded with fresh figures
        elif keys:
            self.table.selectRow(0)
        else:
            self.selected = None
            self.pane.show_row(None)

    def _model_chosen(self, index: int) -> None:
        if 0 <= index < len(self._models):
            self.set_model(self._models[index])

    def _baseline_chosen(self, index: int) -> None:
        name = self.baseline_box.itemData(index)
        if isinstance(name, str):
            self.set_baseline(name)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self._load(self.model.row(indexes[0].row()))

    def show_details(self, index: QModelIndex) -> None:
        """Enter or double-click: the row's details, un-collapsing the pane if it was dragged shut."""
        if not index.isValid():
            return
        sizes = self.splitter.sizes()
        if sizes[1] == 0:
            total = sum(sizes)
            self.splitter.setSizes([total // 2, total - total // 2])
        self._load(self.model.row(index.row()))

    def _load(self, row: Snapshot) -> None:
        self.selected = row
        self.pane.show_row(row)
        start, end = self.ctx.time_range.bounds()
        since = iso_utc(min(start, end - HISTORY_MIN_S))
        self.ctx.run("drift-detail", lambda db: _detail(db, row, since), self._show_detail)

    def _show_detail(self, result: tuple[Snapshot, DriftDetail]) -> None:
        row, detail = result
        if self.selected is None or row_key(row) != row_key(self.selected):
            return
        if not self.isVisible():
            self._detail_unshown = True  # drawn when the view is shown again
            return
        self.detail = detail
        self.pane.show_detail(row, detail)


def _detail(db: Database, row: Snapshot, since_iso: str) -> tuple[Snapshot, DriftDetail]:
    return row, drift_detail(db, row, since_iso)


def _same_run(old: DriftTable, new: DriftTable) -> bool:
    """Whether ``new`` shows the very rows ``old`` does (the same stored run, same baselines)."""
    return (
        old.stored
        and new.stored
        and (old.computed_at, old.windows.baseline_name, old.baselines)
        == (new.computed_at, new.windows.baseline_name, new.baselines)
    )


def _baseline_text(name: str, pinned: Baseline | None) -> str:
    if pinned is None:
        return f"{name} before the current window"
    return f"{name}  ({local_time(pinned.start)[:10]} → {local_time(pinned.end)[:10]})"


def _windows_text(data: DriftTable) -> str:
    w = data.windows
    source = (
        f"from the recorder's hourly run at {when(data.computed_at)}" if data.stored else "computed just now"
    )
    return (
        f"Current window {local_time(w.current_from)[:16]} → {local_time(w.current_to)[:16]} · "
        f"baseline “{w.baseline_name}” {local_time(w.baseline_from)[:16]} → {local_time(w.baseline_to)[:16]} "
        f"· {source}"
    )


def _empty_text(view: DriftView) -> str:
    settings = view.settings
    return (
        f"Drift needs at least {settings.min_samples} calls per window for a model: in the selected "
        f"time range, and in its baseline (the {settings.baseline} before it, or a baseline you pin)."
        "<br>No model has calls in this time range yet: connect your app, or run "
        "<code>lookout demo</code> to see how it looks."
    )
