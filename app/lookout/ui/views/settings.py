"""The Settings view: one tab per area, each editing its section of ``config.toml``.

Tabs: Upstreams (with "Test connection"), API keys (OS keychain), Redaction
(with "try it"), Capture & retention (with "Purge now"), General (port, launch
at login). Pages live in ``lookout.ui.settings_*``; writes go through
:mod:`lookout.core.config_file`, which keeps the user's comments and unknown keys.

:attr:`SettingsView.config_path` is the file edited: ``AppContext.config_file``,
i.e. ``lookout --config FILE`` or the platform's default ``config.toml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from PySide6.QtWidgets import QScrollArea, QTabWidget, QVBoxLayout, QWidget

from lookout.ui.context import AppContext
from lookout.ui.settings_general import GeneralPage
from lookout.ui.settings_keys import KeysPage
from lookout.ui.settings_page import SettingsPage
from lookout.ui.settings_redaction import RedactionPage
from lookout.ui.settings_retention import RetentionPage
from lookout.ui.settings_upstreams import UpstreamsPage
from lookout.ui.views.base import View
from lookout.ui.views.view_helpers import Worker

PAGES: tuple[type[SettingsPage], ...] = (UpstreamsPage, KeysPage, RedactionPage, RetentionPage, GeneralPage)


class SettingsView(View):
    key: ClassVar[str] = "settings"
    title: ClassVar[str] = "Settings"
    shortcut: ClassVar[str] = "Ctrl+9"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.config_path: Path = ctx.config_file
        self.worker = Worker(self)
        self.tabs = QTabWidget()
        self.pages: dict[str, SettingsPage] = {}
        for page_class in PAGES:
            page = page_class(ctx, lambda: self.config_path, self.worker)
            self.pages[page_class.title] = page
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(page)
            self.tabs.addTab(scroll, page_class.title.replace("&", "&&"))
        self._loaded: set[int] = set()
        self.tabs.currentChanged.connect(self._load_tab)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

    def page(self, page_class: type[SettingsPage]) -> SettingsPage:
        return self.pages[page_class.title]

    def refresh(self) -> None:
        """Load the shown page the first time only: new calls must not undo edits in progress."""
        self._load_tab(self.tabs.currentIndex())

    def _load_tab(self, index: int) -> None:
        if index in self._loaded or index < 0:
            return
        self._loaded.add(index)
        list(self.pages.values())[index].load()
