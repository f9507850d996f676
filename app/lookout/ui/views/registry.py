"""The sidebar, in order: each view's module, class and keyboard shortcut.

The window builds one instance of each. Shortcuts follow the sidebar order so
they are easy to learn: Ctrl+1 is the first entry, Ctrl+0 the tenth.
"""

from __future__ import annotations

import importlib

from lookout.ui.views.base import View

VIEWS: tuple[str, ...] = (
    "lookout.ui.views.overview:OverviewView",  # Ctrl+1
    "lookout.ui.views.calls:CallsView",  # Ctrl+2 (with the call inspector)
    "lookout.ui.views.errors:ErrorsView",  # Ctrl+3
    "lookout.ui.views.performance:PerformanceView",  # Ctrl+4
    "lookout.ui.views.drift:DriftView",  # Ctrl+5
    "lookout.ui.views.cost:CostView",  # Ctrl+6
    "lookout.ui.views.traces:TracesView",  # Ctrl+7
    "lookout.ui.views.alerts:AlertsView",  # Ctrl+8
    "lookout.ui.views.settings:SettingsView",  # Ctrl+9
    "lookout.ui.views.connect:ConnectView",  # Ctrl+0
)


def view_classes() -> list[type[View]]:
    """Import the views in sidebar order."""
    classes: list[type[View]] = []
    for entry in VIEWS:
        module_name, class_name = entry.split(":")
        classes.append(getattr(importlib.import_module(module_name), class_name))
    return classes
