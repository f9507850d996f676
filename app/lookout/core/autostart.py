"""Launch at login: an XDG autostart entry on Linux, a LaunchAgent on macOS.

Owns where the entry lives, what it contains, and writing or removing it. No Qt,
so it is tested headless; the Settings page only calls :func:`set_enabled`.

- Linux (and other XDG desktops): ``$XDG_CONFIG_HOME/autostart/lookout.desktop``
  (``~/.config`` by default), a Desktop Entry whose ``Exec`` is quoted per the spec.
- macOS: ``~/Library/LaunchAgents/io.lookout.app.plist`` with ``RunAtLoad``; launchd
  reads it at the next login, so nothing is loaded now.
- Elsewhere (Windows): :class:`AutostartUnsupported`, and the page says so.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

LAUNCH_AGENT_LABEL = "io.lookout.app"
DESKTOP_FILE = "lookout.desktop"
# Characters the Desktop Entry spec says must be escaped inside a quoted Exec argument.
_EXEC_ESCAPED = '"`$\\'
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class AutostartUnsupported(Exception):
    """This platform has no login item Lookout knows how to write."""


def entry_path(
    platform: str = sys.platform, home: Path | None = None, env: Mapping[str, str] = os.environ
) -> Path:
    """Where the login entry lives on ``platform``."""
    home = home or Path.home()
    if platform == "darwin":
        return home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        config_home = env.get("XDG_CONFIG_HOME") or str(home / ".config")
        return Path(config_home) / "autostart" / DESKTOP_FILE
    raise AutostartUnsupported(f"launch at login is not supported on {platform} yet")


def launch_command(extra_args: Sequence[str] = ()) -> list[str]:
    """The command that opens the app: the ``lookout`` script when installed, else the module."""
    script = shutil.which("lookout")
    base = [script] if script else [sys.executable, "-m", "lookout.cli"]
    return [*base, *extra_args]


def is_enabled(platform: str = sys.platform, home: Path | None = None) -> bool:
    try:
        return entry_path(platform, home).is_file()
    except AutostartUnsupported:
        return False


def set_enabled(
    enabled: bool, command: Sequence[str], platform: str = sys.platform, home: Path | None = None
) -> Path:
    """Write (or remove) the login entry; return its path. Idempotent either way."""
    path = entry_path(platform, home)
    if not enabled:
        path.unlink(missing_ok=True)
        return path
    content = launch_agent(command) if platform == "darwin" else desktop_entry(command)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_bytes(content)
    temp.replace(path)
    return path


def desktop_entry(command: Sequence[str]) -> bytes:
    """A Desktop Entry that starts ``command`` at login, minimised to the tray when there is one."""
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Name=Lookout",
        "Comment=Local monitor for LLM API calls",
        f"Exec={exec_line(command)}",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
    ]
    return ("\n".join(lines) + "\n").encode()


def exec_line(command: Sequence[str]) -> str:
    """``command`` as a Desktop Entry ``Exec`` value: reserved characters mean quoting."""
    return " ".join(_exec_argument(arg) for arg in command)


def launch_agent(command: Sequence[str]) -> bytes:
    """A LaunchAgent property list that runs ``command`` once at login."""
    agent = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }
    return plistlib.dumps(agent)


def _exec_argument(arg: str) -> str:
    # A literal percent sign is written %% in Exec whether quoted or not (field codes).
    arg = arg.replace("%", "%%")
    if not arg or any(char in _EXEC_RESERVED for char in arg):
        escaped = "".join("\\" + char if char in _EXEC_ESCAPED else char for char in arg)
        return f'"{escaped}"'
    return arg
