"""`lookout drift` on a real database: the table, JSON, filters, pinned baselines, and where the
figures come from (the recorder's hourly snapshot, or computed now)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lookout import drift_cli
from lookout.cli import main
from lookout.core import clock
from lookout.core.drift_config import DriftSettings
from lookout.recorder.drifting import drift_run
from lookout.store.db import database_path, open_reader, open_writer
from tests.store.factories import bulk_insert, unit_calls

DAY = 86_400.0


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A week and a day of two models; gpt-4o-mini got 60% slower in the last day."""
    data = tmp_path / "data"
    open_writer(data).close()
    end = time.time()
    for seed, model, slower in ((1, "gpt-4o-mini", 1.6), (2, "gpt-4.1", 1.0)):
        start, step = end - 8 * DAY + 60, (7 * DAY - 120) / 1400  # clear of the windows' edges
        baseline = unit_calls(1400, start=start, step_s=step, seed=seed, model=model)
        bulk_insert(str(database_path(data)), baseline)
        current = unit_calls(
            400, start=end - DAY + 60, step_s=(DAY - 120) / 400, seed=seed + 10, model=model, slower=slower
        )
        bulk_insert(str(database_path(data)), current)
    return data


def drift(
    capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str, config: str = ""
) -> tuple[int, str, str]:
    config_file = data_dir.parent / "config.toml"
    config_file.write_text(config)
    code = main(["drift", *args, "--data-dir", str(data_dir), "--config", str(config_file)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_shows_each_unit_its_windows_and_a_verdict_per_metric(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, out, _ = drift(capsys, data_dir, config="[drift]\nmax_samples = 1000\n")
    assert code == 0
    units = {section.split("\n", 1)[0]: section for section in out.split("\n\n")}
    mini, other = units["openai · gpt-4o-mini · chat"], units["openai · gpt-4.1 · chat"]
    assert mini.startswith("openai · gpt-4o-mini · chat\n  baseline 7d: ")
    assert "1,400 calls, sampled" in mini and "400 calls\n" in mini  # the baseline was sampled, the day not
    header = next(line for line in mini.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "baseline", "current", "change", "test", "score", "PSI", "verdict"]
    latency = next(line for line in mini.splitlines() if line.startswith("latency"))
    assert " ms / " in latency and "KS" in latency and ("MAJOR: median +" in latency or "MODERATE" in latency)
    assert "no drift" in next(line for line in mini.splitlines() if line.startswith("input tokens"))
    assert "MAJOR" not in other.split("response model")[0]


def test_json_output_and_the_model_filter(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = drift(capsys, data_dir, "--model", "gpt-4o-mini", "--format", "json")
    assert code == 0
    (unit,) = json.loads(out)
    assert (unit["upstream"], unit["model"], unit["operation"]) == ("openai", "gpt-4o-mini", "chat")
    assert unit["baseline"]["name"] == "7d" and unit["current"]["calls"] == 400
    latency = next(m for m in unit["metrics"] if m["metric"] == "latency_ms")
    assert latency["severity"] in ("moderate", "major") and latency["test"] == "ks"
    assert latency["current"]["median"] > latency["baseline"]["median"] and latency["psi"] > 0.1
    assert latency["p_adjusted"] >= latency["p_value"] and latency["score"] == latency["p_adjusted"]
    assert next(m for m in unit["metrics"] if m["metric"] == "response_model")["model_swap"] is False


def test_a_short_current_window_and_a_filter_matching_nothing(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, out, _ = drift(capsys, data_dir, "--since", "1h", "--model", "gpt-4.1")
    assert code == 0 and "not enough data" in out  # ~16 calls in the last hour
    code, out, _ = drift(capsys, data_dir, "--upstream", "anthropic")
    source, _, message = out.split("\n", 2)
    assert code == 0 and source.startswith("computed now (") and "no recent recorder snapshot" in source
    assert message.startswith("no calls in the current window for that model or upstream")


def test_pin_compare_list_and_unpin_a_baseline(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = drift(
        capsys, data_dir, "pin", "first-days", "--from", "8d", "--to", "6d", "--note", "launch"
    )
    assert code == 0 and out.startswith("pinned baseline first-days: ")
    code, out, _ = drift(capsys, data_dir, "baselines")
    assert code == 0 and "first-days" in out and "launch" in out
    code, out, _ = drift(capsys, data_dir, "--baseline", "first-days", "--format", "json")
    units = json.loads(out)
    assert {u["baseline"]["name"] for u in units} == {"first-days"}
    assert all(350 <= u["baseline"]["calls"] <= 450 for u in units)  # two of the seven days
    code, out, _ = drift(capsys, data_dir, "baselines", "--format", "json")
    assert [b["name"] for b in json.loads(out)] == ["first-days"]
    code, out, _ = drift(capsys, data_dir, "unpin", "first-days")
    assert code == 0 and out == "unpinned baseline first-days\n"
    code, _, err = drift(capsys, data_dir, "unpin", "first-days")
    assert code == 1 and "no pinned baseline named 'first-days'" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--baseline", "nope"), "unknown baseline 'nope'"),
        (("pin", "x1"), "needs --from"),
        (("pin",), "needs the baseline's NAME"),
        (("pin", "x1", "--from", "yesterday-ish"), "invalid time 'yesterday-ish'"),
        (("pin", "x1", "--from", "1d", "--to", "2d"), "must start before it ends"),
        (("stray",), "invalid choice"),
        (("show", "nope"), "did you mean `lookout drift --baseline nope`"),
    ],
)
def test_bad_input_gets_a_clear_error(
    capsys: pytest.CaptureFixture[str], data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    try:
        code, _, err = drift(capsys, data_dir, *args)
    except SystemExit as exit_:  # argparse rejects an unknown action itself
        code, err = int(exit_.code or 0), capsys.readouterr().err
    assert code == 2 and message in err


def test_no_database_yet_says_what_to_do(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = drift(capsys, tmp_path / "empty")
    assert code == 1 and "lookout serve" in err


# --- the hourly snapshot or computed now ---------------------------------------------------

HOUR = 3600.0
# Runs `lookout drift` and reports on stderr whether scipy.stats was imported.
SCIPY_PROBE = """
import sys
from lookout.cli import main
code = main(sys.argv[1:])
print("scipy.stats imported" if "scipy.stats" in sys.modules else "no scipy.stats", file=sys.stderr)
sys.exit(code)
"""


def store_run(data_dir: Path, at: float, settings: DriftSettings | None = None) -> None:
    """The recorder's hourly drift job, run to the end at ``at``."""
    writer, reader = open_writer(data_dir), open_reader(data_dir)
    try:
        for _ in drift_run(writer, reader, settings or DriftSettings(), now=at):
            pass
    finally:
        writer.close()
        reader.close()


def test_a_recent_snapshot_answers_without_importing_scipy(data_dir: Path) -> None:
    store_run(data_dir, time.time())
    config = data_dir.parent / "empty.toml"
    config.write_text("")
    command = [sys.executable, "-c", SCIPY_PROBE, "drift", "--data-dir", str(data_dir)]
    command += ["--config", str(config)]
    shown = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert shown.stderr.strip() == "no scipy.stats"
    first, blank, unit = shown.stdout.split("\n")[:3]
    assert first.startswith("as of ") and first.endswith("hourly snapshot — `--fresh` recomputes now")
    assert blank == "" and unit == "openai · gpt-4.1 · chat"  # as busy as gpt-4o-mini: by name
    assert "MAJOR: median +" in shown.stdout or "MODERATE: median +" in shown.stdout
    fresh = subprocess.run([*command, "--fresh"], capture_output=True, text=True, timeout=60, check=True)
    assert fresh.stderr.strip() == "scipy.stats imported" and fresh.stdout.startswith("computed now (")
    assert "--fresh" in drift_cli.EPILOG


def test_the_snapshot_prints_what_computing_now_prints(
    capsys: pytest.CaptureFixture[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = time.time()
    monkeypatch.setattr(clock, "now", lambda: at)  # the same windows for both
    sampled = "[drift]\nmax_samples = 1000\n"
    store_run(data_dir, at, DriftSettings(max_samples=1000))
    for args in ((), ("--model", "gpt-4.1"), ("--upstream", "openai", "--model", "gpt-4o-mini")):
        _, stored, _ = drift(capsys, data_dir, *args, "--format", "json", config=sampled)
        _, fresh, _ = drift(capsys, data_dir, *args, "--format", "json", "--fresh", config=sampled)
        stored_units, fresh_units = json.loads(stored), json.loads(fresh)
        assert {unit["source"] for unit in stored_units} == {"snapshot"}
        assert {unit["source"] for unit in fresh_units} == {"computed"}
        for unit in (*stored_units, *fresh_units):
            del unit["source"]
        assert stored_units == fresh_units and len(stored_units) == (1 if args else 2)
    assert stored_units[0]["baseline"]["sampled"] and not stored_units[0]["current"]["sampled"]
    assert stored_units[0]["computed_at"] == clock.iso_utc(at)

    _, stored, _ = drift(capsys, data_dir, config=sampled)
    _, fresh, _ = drift(capsys, data_dir, "--fresh", config=sampled)
    assert stored.startswith("as of ") and fresh.startswith("computed now (")
    assert stored.split("\n", 1)[1] == fresh.split("\n", 1)[1]
    assert "1,400 calls, sampled" in stored


def test_an_old_snapshot_or_other_windows_are_computed_now(
    capsys: pytest.CaptureFixture[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = time.time()
    monkeypatch.setattr(clock, "now", lambda: at)
    store_run(data_dir, at - 2 * HOUR)  # the recorder stopped two hours ago
    _, out, _ = drift(capsys, data_dir, "--format", "json")
    assert {unit["source"] for unit in json.loads(out)} == {"computed"}

    store_run(data_dir, at - 0.5 * HOUR)
    _, out, _ = drift(capsys, data_dir, "--format", "json")
    stamps = {(unit["source"], unit["computed_at"]) for unit in json.loads(out)}
    assert stamps == {("snapshot", clock.iso_utc(at - 0.5 * HOUR))}
    for other in (("--since", "6h"), ("--baseline", "3d")):
        _, out, _ = drift(capsys, data_dir, *other)
        first = out.split("\n", 1)[0]
        assert first.startswith("computed now (") and first.endswith(
            "no recent recorder snapshot compares these windows"
        )
    drift(capsys, data_dir, "pin", "launch", "--from", "8d", "--to", "2d")
    _, out, _ = drift(capsys, data_dir, "--baseline", "launch", "--format", "json")
    assert {unit["source"] for unit in json.loads(out)} == {"computed"}
