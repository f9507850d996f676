"""`lookout drift` on a real database: the table, JSON, filters, and pinned baselines."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lookout.cli import main
from lookout.store.db import database_path, open_writer
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
    assert code == 0 and out.startswith("no calls in the current window for that model or upstream")


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
