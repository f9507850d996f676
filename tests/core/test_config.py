"""Config file loading, precedence and validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from lookout.core.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOOKOUT_DATA_DIR", raising=False)
    config = load_config(write(tmp_path, ""), data_dir=tmp_path / "d")
    assert config.proxy.host == "127.0.0.1" and config.proxy.port == 8787
    assert config.proxy.capture_limit_bytes == 1024 * 1024
    assert config.retention.calls_max_age_s == 30 * 86400
    assert config.retention.payloads_max_age_s == 7 * 86400
    assert config.retention.max_db_bytes == 1024**3
    assert config.db_path == tmp_path / "d" / "lookout.db"


def test_file_values_and_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        tmp_path,
        """
data_dir = "/from/file"
[proxy]
port = 9999
read_timeout = "2m"
[upstreams]
lab = "http://localhost:1"
openai = "http://localhost:2"
[retention]
calls = "14d"
max_db_mb = 10
[prices."my-model"]
input = 1
output = 2.5
""",
    )
    monkeypatch.setenv("LOOKOUT_DATA_DIR", str(tmp_path / "env"))
    config = load_config(path, upstreams={"lab": "http://localhost:3"})
    assert config.data_dir == tmp_path / "env"  # env beats file
    assert load_config(path, data_dir=tmp_path / "flag").data_dir == tmp_path / "flag"  # flag beats env
    assert config.proxy.port == 9999 and config.proxy.read_timeout_s == 120
    assert config.upstreams == {"lab": "http://localhost:3", "openai": "http://localhost:2"}
    assert config.retention.calls_max_age_s == 14 * 86400 and config.retention.max_db_bytes == 10 * 1024**2
    assert config.prices == {"my-model": {"input": 1.0, "output": 2.5}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1", "unknown setting"),
        ("[proxy]\nprot = 1", "known: "),
        ("[proxy]\nport = -1", "positive integer"),
        ("[proxy]\nread_timeout = 'soon'", "proxy.read_timeout"),
        ("[upstreams]\nlab = 1", "must be a string"),
        ('[prices."m"]\ninput = 1', "needs both input and output"),
        ('[prices."m"]\ninput = "x"\noutput = 1', "must be numbers"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_config_gives_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), data_dir=tmp_path)


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml")
