"""Settings › Capture & retention: which bodies are kept, for how long, and "Purge now".

"Purge now" first shows what it would delete: a dry run of
``store.retention.purge`` on a read-only connection, under the retention
settings on the page. Only "Delete these rows" then purges, on a short-lived
writer connection off the GUI thread, in the store's short transactions.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox

from lookout.core.clock import now
from lookout.store.db import open_writer
from lookout.store.retention import DAY_S, PurgeResult, RetentionPolicy, purge
from lookout.ui.settings_page import SettingsPage

MIB = 1024 * 1024


def describe_purge(result: PurgeResult, policy: RetentionPolicy) -> str:
    """A dry run (or a purge) in words."""
    verb = "Would delete" if result.dry_run else "Deleted"
    parts = [
        f"{result.calls_by_age:,} calls older than {policy.calls_max_age_s / DAY_S:g} days",
        f"{result.payloads_deleted:,} stored bodies older than {policy.payloads_max_age_s / DAY_S:g} days"
        + (" (or with those calls)" if not result.dry_run else ""),
    ]
    if result.calls_by_size:
        parts.append(
            f"about {result.calls_by_size:,} more of the oldest calls "
            f"to fit {policy.max_db_bytes // MIB:,} MB"
        )
    size = f"The database holds {result.used_bytes_before / MIB:,.1f} MB"
    if not result.dry_run:
        size += f", now {result.used_bytes_after / MIB:,.1f} MB"
    return f"{verb}: " + "; ".join(parts) + f". {size}."


class RetentionPage(SettingsPage):
    title = "Capture & retention"

    def build(self) -> None:
        capture = self.group("Capture (bodies are always redacted; metadata is always kept)")
        self.store_bodies = QCheckBox("Store request and response bodies")
        capture.addRow(self.store_bodies)
        self.sample_rate = QDoubleSpinBox()
        self.sample_rate.setRange(0.0, 100.0)
        self.sample_rate.setSuffix(" %")
        self.sample_rate.setToolTip("Bodies of failed calls are always kept.")
        capture.addRow("Keep bodies of successful calls", self.sample_rate)
        self.max_body_kb = _spin(1, 100_000, " KB")
        capture.addRow("Largest body stored", self.max_body_kb)
        retention = self.group("Retention")
        self.calls_days = _spin(1, 3650, " days")
        retention.addRow("Keep calls for", self.calls_days)
        self.payloads_days = _spin(1, 3650, " days")
        retention.addRow("Keep bodies for", self.payloads_days)
        self.max_db_mb = _spin(16, 1_000_000, " MB")
        retention.addRow("Database size cap", self.max_db_mb)
        buttons = QHBoxLayout()
        save = QPushButton("Save capture and retention")
        save.clicked.connect(self.save_settings)
        self.preview_button = QPushButton("Purge now…")
        self.preview_button.clicked.connect(self.preview_purge)
        self.purge_button = QPushButton("Delete these rows")
        self.purge_button.clicked.connect(self.purge_now)
        self.purge_button.hide()
        for button in (save, self.preview_button, self.purge_button):
            buttons.addWidget(button)
        buttons.addStretch()
        retention.addRow(buttons)
        self.preview = QLabel("")
        self.preview.setWordWrap(True)
        retention.addRow(self.preview)

    def load(self) -> None:
        config = self.current()
        self.store_bodies.setChecked(config.capture.store_bodies)
        self.sample_rate.setValue(config.capture.success_sample_rate * 100)
        self.max_body_kb.setValue(config.capture.max_body_bytes // 1024)
        self.calls_days.setValue(max(1, round(config.retention.calls_max_age_s / DAY_S)))
        self.payloads_days.setValue(max(1, round(config.retention.payloads_max_age_s / DAY_S)))
        self.max_db_mb.setValue(config.retention.max_db_bytes // MIB)

    def policy(self) -> RetentionPolicy:
        return RetentionPolicy(
            calls_max_age_s=self.calls_days.value() * DAY_S,
            payloads_max_age_s=self.payloads_days.value() * DAY_S,
            max_db_bytes=self.max_db_mb.value() * MIB,
        )

    def save_settings(self) -> None:
        self.save(
            {
                ("capture", "store_bodies"): self.store_bodies.isChecked(),
                ("capture", "success_sample_rate"): round(self.sample_rate.value() / 100, 4),
                ("capture", "max_body_kb"): self.max_body_kb.value(),
                ("retention", "calls"): f"{self.calls_days.value()}d",
                ("retention", "payloads"): f"{self.payloads_days.value()}d",
                ("retention", "max_db_mb"): self.max_db_mb.value(),
            }
        )

    def preview_purge(self) -> None:
        policy, at = self.policy(), now()
        self.preview.setText("Counting what would be deleted…")
        self.ctx.run(
            "settings-purge-preview",
            lambda db: purge(db, policy, now=at, dry_run=True),
            lambda result: self._previewed(result, policy),
        )

    def purge_now(self) -> None:
        policy, data_dir = self.policy(), self.ctx.config.data_dir
        self.purge_button.setEnabled(False)

        def run() -> PurgeResult:
            db = open_writer(data_dir)
            try:
                return purge(db, policy, now=now())
            finally:
                db.close()

        self.worker.start(run, lambda result: self._purged(result, policy))

    def _previewed(self, result: PurgeResult, policy: RetentionPolicy) -> None:
        self.preview.setText(describe_purge(result, policy))
        nothing = not (result.calls_deleted or result.payloads_deleted)
        self.purge_button.setVisible(not nothing)
        self.purge_button.setEnabled(not nothing)

    def _purged(self, result: PurgeResult | Exception, policy: RetentionPolicy) -> None:
        self.purge_button.hide()
        if isinstance(result, Exception):
            self.preview.setText(f"Purge failed: {result}")
            return
        self.preview.setText(describe_purge(result, policy))


def _spin(low: int, high: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    return spin
