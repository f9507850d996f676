"""``lookout errors``: list, show, resolve, ignore and reopen, on a real database."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lookout.cli import main
from lookout.core.clock import iso_utc
from lookout.store.db import open_writer
from lookout.store.groups import record_hits
from lookout.store.writer import CallWriter
from tests.store.factories import make_hit, make_row

HOUR = 3600.0


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Two groups seen within the hour (the CLI reads the real clock), with stored calls for one."""
    now = time.time()
    db = open_writer(tmp_path)
    record_hits(
        db,
        [
            make_hit("3f9a0c12b7de", at=now - 600 + n, model=model)
            for n, model in enumerate(["gpt-4o", "gpt-4.1"])
        ]
        + [
            make_hit(
                "3f9b00000000", at=now - 300, title="503 server_error · The engine is currently overloaded"
            )
        ],
    )
    calls = [
        make_row(id=f"c{n}", started_at=iso_utc(now - 600 + n), status_code=429, outcome="error",
                 error_group_id="3f9a0c12b7de", error_message=f"Rate limit reached for <model> #{n}")
        for n in range(2)
    ]  # fmt: skip
    CallWriter(db).write_calls(calls)
    db.close()
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    code = main(["errors", *args, "--data-dir", str(data_dir)])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_as_table_and_json(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, data_dir)
    assert code == 0
    assert "3f9b00000000" in out and "unresolved/new" in out and "The engine is currently overloaded" in out
    assert out.index("3f9b00000000") < out.index("3f9a0c12b7de")  # most recently seen first
    code, out, _ = run(capsys, data_dir, "--format", "json", "--status", "all", "--since", "1d")
    groups = json.loads(out)
    assert [g["id"] for g in groups] == ["3f9b00000000", "3f9a0c12b7de"]
    assert groups[1]["count"] == 2 and groups[1]["models"] == ["gpt-4.1", "gpt-4o"]
    _, out, _ = run(capsys, data_dir, "--status", "resolved")
    assert "no resolved error groups" in out


def test_show_by_prefix(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, data_dir, "show", "3f9a0")
    assert code == 0
    assert "3f9a0c12b7de  unresolved/new" in out and "seen 2 times" in out
    assert "Rate limit reached for <model> #1" in out and "gpt-4o ×1" not in out  # calls carry gpt-4o-mini
    code, out, _ = run(capsys, data_dir, "show", "3f9a0", "--format", "json")
    shown = json.loads(out)
    assert shown["group"]["id"] == "3f9a0c12b7de" and len(shown["hourly"]) == 24 and len(shown["daily"]) == 30
    assert sum(count for _, count in shown["hourly"]) == 2
    assert [e["id"] for e in shown["events"]] == ["c1", "c0"]
    assert shown["breakdown"]["model"] == [["gpt-4o-mini", 2]]


def test_resolve_ignore_reopen(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, data_dir, "resolve", "3f9a0")
    assert code == 0 and out.startswith("3f9a0c12b7de  resolved")
    code, out, _ = run(capsys, data_dir, "ignore", "3f9a0", "--for", "2h", "--format", "json")
    ignored = json.loads(out)
    assert ignored["status"] == "ignored" and ignored["ignored_until"] > iso_utc(time.time() + HOUR)
    _, out, _ = run(capsys, data_dir, "ignore", "3f9a0", "--until-count", "5")
    assert "ignored for 5 more events" in out
    _, out, _ = run(capsys, data_dir, "ignore", "3f9b")
    assert "ignored forever" in out
    _, out, _ = run(capsys, data_dir, "reopen", "3f9a0")
    assert "3f9a0c12b7de  unresolved/new" in out
    _, out, _ = run(capsys, data_dir, "--status", "ignored", "--format", "json")
    assert [g["id"] for g in json.loads(out)] == ["3f9b00000000"]


def test_bad_input_gets_clear_errors(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    code, _, err = run(capsys, data_dir, "resolve", "3f9")
    assert code == 1 and "matches several groups" in err
    code, _, err = run(capsys, data_dir, "show", "ffff")
    assert code == 1 and "no error group" in err
    code, _, err = run(capsys, data_dir, "show")
    assert code == 2 and "needs a group id" in err
    code, _, err = run(capsys, data_dir, "resolve", "3f9a0", "--for", "2h")
    assert code == 2 and "--for and --until-count go with" in err
    code, _, err = run(capsys, data_dir, "ignore", "3f9a0", "--for", "2h", "--until-count", "3")
    assert code == 2 and "not both" in err
    code, _, err = run(capsys, data_dir, "--since", "yesterday")
    assert code == 2 and "invalid duration" in err
    code, _, err = run(capsys, tmp_path / "empty", "resolve", "3f9a0")
    assert code == 1 and "no Lookout database" in err and not (tmp_path / "empty").exists()


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["errors", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "lookout errors ignore 3f9a0c --for 2h" in out
