"""Light and dark themes: the app's Qt palette and the colours charts draw with.

The theme follows the OS colour scheme (Qt 6.5+ ``styleHints().colorScheme()``)
and switches live when the OS does; ``LOOKOUT_THEME=light|dark`` overrides it
(screenshots, tests). Views and charts never hard-code colours: they read
:func:`palette` and re-style on :attr:`ThemeWatcher.changed`.

Example (a chart that follows the theme)::

    from lookout.ui import theme

    def restyle(p: theme.Palette) -> None:
        plot.setBackground(p.background)
        curve.setPen(pg.mkPen(p.series_color(0), width=2))

    restyle(theme.palette())
    theme.watcher().changed.connect(restyle)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

Scheme = Literal["light", "dark"]


@dataclass(frozen=True, slots=True)
class Palette:
    """Colours as ``#rrggbb`` strings (pyqtgraph and Qt both take them)."""

    scheme: Scheme
    background: str  # window and chart background
    surface: str  # cards, table rows, editors
    foreground: str  # text, axes
    muted: str  # secondary text, axis ticks, "unpriced"
    grid: str  # grid lines, separators
    accent: str  # selection, links, the main series
    ok: str
    warning: str
    error: str
    critical: str
    series: tuple[str, ...]  # categorical colours for per-model lines and stacks

    def series_color(self, index: int) -> str:
        """The ``index``-th categorical colour, cycling."""
        return self.series[index % len(self.series)]

    def outcome_color(self, outcome: str | None) -> str:
        """Colour for a call outcome (ok, error, client_aborted, upstream_*)."""
        if outcome == "ok":
            return self.ok
        if outcome == "client_aborted":
            return self.muted
        return self.error

    def severity_color(self, severity: str | None) -> str:
        """Colour for an alert severity (critical, medium, low)."""
        return {"critical": self.critical, "medium": self.warning}.get(severity or "", self.muted)

    def qcolor(self, name: str, alpha: int = 255) -> QColor:
        """A QColor from one of the palette's colour strings, with alpha."""
        color = QColor(name)
        color.setAlpha(alpha)
        return color


# Okabe–Ito based: distinguishable for colour-blind users, readable on both backgrounds.
LIGHT = Palette(
    scheme="light",
    background="#ffffff",
    surface="#f6f7f9",
    foreground="#1f2328",
    muted="#6e7781",
    grid="#d8dee4",
    accent="#0969da",
    ok="#1a7f37",
    warning="#b35900",
    error="#cf222e",
    critical="#a40e26",
    series=("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d31", "#6a3d9a"),
)
DARK = Palette(
    scheme="dark",
    background="#16191d",
    surface="#1f2328",
    foreground="#e6edf3",
    muted="#8b949e",
    grid="#30363d",
    accent="#4493f8",
    ok="#3fb950",
    warning="#d29922",
    error="#f85149",
    critical="#ff7b72",
    series=("#56b4e9", "#e69f00", "#3fc1a0", "#e08cc2", "#7aa6ff", "#ff8c4a", "#d4b26a", "#b392f0"),
)


def os_scheme() -> Scheme:
    """The scheme to use: ``LOOKOUT_THEME`` if set, else the OS's (light when unknown)."""
    forced = os.environ.get("LOOKOUT_THEME", "").lower()
    if forced in ("light", "dark"):
        return "dark" if forced == "dark" else "light"
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication) and app.styleHints().colorScheme() == Qt.ColorScheme.Dark:
        return "dark"
    return "light"


def palette() -> Palette:
    """The palette currently applied (light until :func:`apply_theme` has run)."""
    return watcher().current


class ThemeWatcher(QObject):
    """Holds the current palette and emits :attr:`changed` when the OS scheme flips."""

    changed = Signal(object)  # Palette

    def __init__(self) -> None:
        super().__init__()
        self.current: Palette = LIGHT

    def apply(self, scheme: Scheme) -> Palette:
        """Switch the application and pyqtgraph defaults to ``scheme``; emit if it changed."""
        chosen = DARK if scheme == "dark" else LIGHT
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setPalette(qt_palette(chosen))
        # Defaults for plots created from now on; existing ones restyle on `changed`.
        pg.setConfigOptions(background=chosen.background, foreground=chosen.foreground, antialias=True)
        previous, self.current = self.current, chosen
        if previous != chosen:
            self.changed.emit(chosen)
        return chosen


_watcher: ThemeWatcher | None = None


def watcher() -> ThemeWatcher:
    """The process-wide theme watcher."""
    global _watcher
    if _watcher is None:
        _watcher = ThemeWatcher()
    return _watcher


def apply_theme(app: QApplication) -> Palette:
    """Use the Fusion style with our palette, and follow the OS scheme from now on."""
    app.setStyle("Fusion")  # the same look on every platform, and it honours the palette
    hints = app.styleHints()
    hints.colorSchemeChanged.connect(lambda _scheme: watcher().apply(os_scheme()))
    return watcher().apply(os_scheme())


def qt_palette(p: Palette) -> QPalette:
    """A Fusion-friendly QPalette built from ``p``."""
    qp = QPalette()
    roles = {
        QPalette.ColorRole.Window: p.background,
        QPalette.ColorRole.WindowText: p.foreground,
        QPalette.ColorRole.Base: p.background,
        QPalette.ColorRole.AlternateBase: p.surface,
        QPalette.ColorRole.Text: p.foreground,
        QPalette.ColorRole.Button: p.surface,
        QPalette.ColorRole.ButtonText: p.foreground,
        QPalette.ColorRole.ToolTipBase: p.surface,
        QPalette.ColorRole.ToolTipText: p.foreground,
        QPalette.ColorRole.PlaceholderText: p.muted,
        QPalette.ColorRole.Highlight: p.accent,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: p.accent,
        QPalette.ColorRole.Mid: p.grid,
        QPalette.ColorRole.Midlight: p.surface,
        QPalette.ColorRole.Dark: p.grid,
    }
    for role, color in roles.items():
        qp.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        qp.setColor(QPalette.ColorGroup.Disabled, role, QColor(p.muted))
    return qp
