"""Launch-at-login entries: where they go, what they say, and that they can be removed."""

from __future__ import annotations

import configparser
import plistlib
from pathlib import Path

import pytest

from lookout.core.autostart import (
    LAUNCH_AGENT_LABEL,
    AutostartUnsupported,
    entry_path,
    exec_line,
    is_enabled,
    set_enabled,
)

COMMAND = ["/opt/my apps/bin/lookout", "--data-dir", "/data/100% mine"]


def test_linux_writes_a_desktop_entry_that_parses_and_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    path = set_enabled(True, COMMAND, platform="linux", home=tmp_path)

    assert path == tmp_path / ".config" / "autostart" / "lookout.desktop"
    assert is_enabled("linux", tmp_path)
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(path)
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"] == '"/opt/my apps/bin/lookout" --data-dir "/data/100%% mine"'

    set_enabled(False, COMMAND, platform="linux", home=tmp_path)
    assert not path.exists()
    assert not is_enabled("linux", tmp_path)
    set_enabled(False, COMMAND, platform="linux", home=tmp_path)  # removing twice is fine


def test_xdg_config_home_is_honoured(tmp_path: Path) -> None:
    path = entry_path("linux", tmp_path, env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert path == tmp_path / "xdg" / "autostart" / "lookout.desktop"


def test_exec_quoting_escapes_what_the_spec_reserves() -> None:
    assert exec_line(["lookout"]) == "lookout"
    assert exec_line(["a$b", 'say "hi"', ""]) == '"a\\$b" "say \\"hi\\"" ""'


def test_macos_writes_a_launch_agent(tmp_path: Path) -> None:
    path = set_enabled(True, COMMAND, platform="darwin", home=tmp_path)

    assert path == tmp_path / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == LAUNCH_AGENT_LABEL
    assert agent["ProgramArguments"] == COMMAND
    assert agent["RunAtLoad"] is True
    set_enabled(False, COMMAND, platform="darwin", home=tmp_path)
    assert not path.exists()


def test_enabling_again_replaces_the_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    set_enabled(True, ["old"], platform="linux", home=tmp_path)
    path = set_enabled(True, ["new"], platform="linux", home=tmp_path)

    assert "Exec=new\n" in path.read_text()
    assert sorted(p.name for p in path.parent.iterdir()) == ["lookout.desktop"]


def test_windows_is_reported_unsupported(tmp_path: Path) -> None:
    with pytest.raises(AutostartUnsupported, match="win32"):
        set_enabled(True, COMMAND, platform="win32", home=tmp_path)
    assert not is_enabled("win32", tmp_path)
