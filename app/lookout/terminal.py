"""Plain-text tables for the terminal commands (``lookout stats`` and friends).

Unknown values print as ``-`` (never as 0), so "unpriced" never reads as "free".
"""

from __future__ import annotations

from collections.abc import Sequence

from lookout.store.queries import ModelStats

STATS_HEADERS = (
    "upstream",
    "model",
    "calls",
    "errors",
    "p50 ms",
    "p95 ms",
    "ttft p50",
    "tokens in/out",
    "cost $",
)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-align the first two columns, right-align the rest."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def stats_table(stats: Sequence[ModelStats], window: str) -> str:
    if not stats:
        return f"no calls in the last {window}. Point an SDK at `lookout serve`, or try `lookout demo`."
    rows = [
        (
            s.upstream,
            s.model or "(unknown)",
            str(s.calls),
            f"{s.errors} ({s.error_rate:.0%})",
            _ms(s.latency_p50_ms),
            _ms(s.latency_p95_ms),
            _ms(s.ttft_p50_ms),
            f"{_int(s.input_tokens)}/{_int(s.output_tokens)}",
            _cost(s.cost_usd, s.unpriced_calls),
        )
        for s in stats
    ]
    total_calls = sum(s.calls for s in stats)
    spend = sum(s.cost_usd or 0.0 for s in stats)
    footer = f"\n{total_calls} calls in the last {window}; priced spend ${spend:.4f}"
    return format_table(STATS_HEADERS, rows) + footer


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _int(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _cost(cost: float | None, unpriced: int) -> str:
    if cost is None:
        return "unpriced"
    # Tiny amounts keep significant digits: "0.0000" would read as free.
    text = f"{cost:.4f}" if cost >= 0.01 or cost == 0 else f"{cost:.6f}"
    return f"{text} ({unpriced} unpriced)" if unpriced else text
