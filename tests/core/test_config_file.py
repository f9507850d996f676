"""config.toml edits: comments and unknown keys survive, bad values never land, writes are atomic."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from lookout.core.config import ConfigError, load_config
from lookout.core.config_file import read_values, update_config

USER_FILE = """\
# my Lookout settings
data_dir = "~/lookout-data"  # next to my projects

[proxy]
port = 8787 # default
read_timeout = "10m"

[upstreams]
mylab = "http://10.0.0.5:8000"
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text(USER_FILE)
    return path


def test_a_change_keeps_comments_and_untouched_keys(config_path: Path) -> None:
    config = update_config(config_path, {("proxy", "port"): 9000})

    text = config_path.read_text()
    assert "# my Lookout settings" in text
    assert "# next to my projects" in text
    assert 'read_timeout = "10m"' in text
    assert 'mylab = "http://10.0.0.5:8000"' in text
    assert config.proxy.port == 9000
    assert load_config(config_path).proxy.port == 9000


def test_new_tables_and_nested_keys_are_created(config_path: Path) -> None:
    update_config(
        config_path,
        {("redaction", "operators", "EMAIL_ADDRESS"): "mask", ("retention", "calls"): "14d"},
    )

    config = load_config(config_path)
    assert config.redaction.operators == {"EMAIL_ADDRESS": "mask"}
    assert config.retention.calls_max_age_s == 14 * 86400


def test_none_removes_a_key_and_the_table_it_leaves_empty(config_path: Path) -> None:
    update_config(config_path, {("upstreams", "mylab"): None})

    assert "upstreams" not in read_values(config_path)
    assert "[upstreams]" not in config_path.read_text()
    update_config(config_path, {("nothing", "here"): None})  # removing what is absent is a no-op


def test_an_invalid_result_is_refused_and_the_file_is_untouched(config_path: Path) -> None:
    before = config_path.read_bytes()

    with pytest.raises(ConfigError, match=r"proxy\.port"):
        update_config(config_path, {("proxy", "port"): 0})
    with pytest.raises(ConfigError, match="unknown setting"):
        update_config(config_path, {("proxy", "colour"): "blue"})

    assert config_path.read_bytes() == before
    assert [p.name for p in config_path.parent.iterdir()] == ["config.toml"]  # no temp file left


def test_a_value_where_a_table_is_needed_is_a_clear_error(config_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a table"):
        update_config(config_path, {("data_dir", "x"): 1})


def test_a_missing_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"

    update_config(path, {("proxy", "port"): 9001})

    assert load_config(path).proxy.port == 9001
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_file_keeps_its_mode_and_is_replaced_not_rewritten(config_path: Path) -> None:
    config_path.chmod(0o640)
    inode = config_path.stat().st_ino

    update_config(config_path, {("proxy", "port"): 9002})

    assert stat.S_IMODE(config_path.stat().st_mode) == 0o640
    assert config_path.stat().st_ino != inode  # os.replace: readers see old or new, never half


def test_a_file_that_is_not_toml_is_reported_not_overwritten(config_path: Path) -> None:
    config_path.write_text("[proxy\nport = ")

    with pytest.raises(ConfigError, match="not valid TOML"):
        update_config(config_path, {("proxy", "port"): 9000})
    assert config_path.read_text() == "[proxy\nport = "


def test_read_values_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_values(tmp_path / "absent.toml") == {}
    assert list(tmp_path.iterdir()) == []
