"""``lookout report`` from the command line: formats, outputs, tables, and clear errors."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from lookout.cli import main
from tests.report.seed import seed_canaries


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report-cli")
    seed_canaries(path)
    return path


def run(data_dir: Path, *args: str) -> int:
    # The seeded rows are from 2026-11-27; --from/--to pins the range whatever today is.
    return main(["--data-dir", str(data_dir), "report", "--from", "2026-11-27", "--to", "2026-11-28", *args])


def test_json_to_standard_output(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "--format", "json", "--out", "-") == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["format"] == "lookout-report" and data["header"]["range_from"] == "2026-11-27T00:00:00.000Z"
    assert "lookout report:" in err and "re-redacting every text" in err  # progress on stderr


def test_format_follows_the_out_suffix(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "week.md"
    assert run(data_dir, "--out", str(out), "--include-bodies") == 0
    text = out.read_text()
    assert text.startswith("# Lookout report") and "## Example failures" in text
    assert capsys.readouterr().out.strip() == str(out)


def test_csv_tables(data_dir: Path, tmp_path: Path) -> None:
    assert run(data_dir, "--format", "csv", "--out", str(tmp_path / "r.csv")) == 0
    calls = list(csv.DictReader((tmp_path / "r-calls.csv").open()))
    groups = list(csv.DictReader((tmp_path / "r-groups.csv").open()))
    assert len(calls) == 40 and len(groups) == 1
    assert calls[1]["model"] == "gpt-4o-mini <EMAIL_ADDRESS>" and calls[0]["streamed"] == "true"
    assert (
        run(
            data_dir,
            "--format",
            "csv",
            "--table",
            "calls",
            "--model",
            "gpt-4o-mini",
            "--out",
            str(tmp_path / "c.csv"),
        )
        == 0
    )
    assert len(list(csv.DictReader((tmp_path / "c.csv").open()))) == 20


def test_pdf_and_html_are_written(data_dir: Path, tmp_path: Path) -> None:
    for fmt in ("pdf", "html"):
        assert run(data_dir, "--out", str(tmp_path / f"r.{fmt}")) == 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    html = (tmp_path / "r.html").read_text()
    assert (
        "<script" not in html and "http://" not in html and "https://" not in html and "@import" not in html
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "html", "--table", "calls"], "--table only applies"),
        (["--format", "pdf", "--out", "-"], "standard output"),
        (["--out", "/nonexistent-dir/r.md"], "does not exist"),
    ],
)
def test_bad_flags_are_clear_errors(
    data_dir: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data_dir, *args) == 2
    assert message in capsys.readouterr().err


def test_bad_times_and_a_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "report", "--from", "last tuesday", "--out", "-"]) == 2
    assert "--from 'last tuesday' is not a date" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "report", "--to", "2026-11-28", "--out", "-"]) == 2
    assert main(["--data-dir", str(tmp_path), "report", "--since", "7d", "--format", "md", "--out", "-"]) == 1
    assert "no Lookout database" in capsys.readouterr().err
