"""``lookout bench`` end to end, kept short: it runs, reports every figure, and shows its progress.

Its figures are not checked against the budgets here: performance is judged by
running the benchmark itself, not by timed tests on a shared machine.
"""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_reports_every_figure_and_says_what_it_is_doing() -> None:
    command = [sys.executable, "-c", "import sys; from lookout.cli import main; sys.exit(main())"]
    command += ["bench", "--requests", "20", "--seconds", "1", "--format", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # stdout is the report alone: progress goes to stderr
    assert report["direct_rps"] > 0 and report["proxy_rps"] > 0 and report["rps_ratio"] > 0
    assert report["direct_p50_ms"] > 0 and report["proxy_p50_ms"] > 0
    assert report["recorded_calls"] > 0 and report["engine_rss_mb"] > 0
    assert report["forwarded_calls"] >= report["recorded_calls"] and report["dropped_records"] == 0
    steps = [line for line in result.stderr.splitlines() if line.startswith("lookout bench: ")]
    assert [step.split(":")[1].split()[0] for step in steps] == [
        "starting",
        "latency",
        "throughput",
        "streaming",
        "stopping;",
    ]
    assert "1 s each way" in steps[2]
