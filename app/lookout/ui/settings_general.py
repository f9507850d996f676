"""Settings › General: the proxy's port, launching at login, and where the files are.

Launch at login writes or removes the platform's login entry through
:mod:`lookout.core.autostart`; the entry opens the app with this data dir and
config file, so a non-default set-up survives a reboot.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QSpinBox

from lookout.core import autostart
from lookout.core.config import default_data_dir
from lookout.ui.settings_page import SettingsPage


class GeneralPage(SettingsPage):
    title = "General"

    def build(self) -> None:
        proxy = self.group("Proxy")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        proxy.addRow("Port on 127.0.0.1", self.port)
        save = QPushButton("Save port")
        save.clicked.connect(lambda: self.save({("proxy", "port"): self.port.value()}))
        proxy.addRow(save)
        startup = self.group("Start-up")
        self.launch_at_login = QCheckBox("Open Lookout when I log in")
        self.launch_at_login.toggled.connect(self.set_launch_at_login)
        startup.addRow(self.launch_at_login)
        files = self.group("Files")
        self.files = QLabel("")
        self.files.setWordWrap(True)
        files.addRow(self.files)

    def load(self) -> None:
        self.port.setValue(self.current().proxy.port)
        self.launch_at_login.blockSignals(True)
        self.launch_at_login.setChecked(autostart.is_enabled())
        self.launch_at_login.blockSignals(False)
        try:
            autostart.entry_path()
        except autostart.AutostartUnsupported as exc:
            self.launch_at_login.setEnabled(False)
            self.launch_at_login.setToolTip(str(exc))
        self.files.setText(f"Config file: {self.config_path()}<br>Data: {self.ctx.config.data_dir}")

    def launch_arguments(self) -> list[str]:
        """The flags that reopen the app on this data dir and config file."""
        args: list[str] = []
        if self.ctx.config.data_dir != default_data_dir():
            args += ["--data-dir", str(self.ctx.config.data_dir)]
        if self.config_path().exists():
            args += ["--config", str(self.config_path())]
        return args

    def set_launch_at_login(self, enabled: bool) -> None:
        try:
            path = autostart.set_enabled(enabled, autostart.launch_command(self.launch_arguments()))
        except (OSError, autostart.AutostartUnsupported) as exc:
            self.say(f"Could not change launch at login: {exc}", error=True)
            return
        self.say(f"Lookout will open at login ({path})." if enabled else f"Login entry removed ({path}).")
