"""Pricing: the bundled table, name matching, the cost formula, overrides and re-pricing."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from lookout.analysis.cost import PriceTable, PriceTableError, model_candidates
from lookout.core.models import Usage

# A small table with round numbers, so expected costs are easy to check by hand.
TABLE_DOC: dict[str, Any] = {
    "version": "2026-01-01",
    "currency": "USD",
    "models": {
        "gpt-4o": {"input": 2.0, "cached_input": 1.0, "output": 10.0},
        "gpt-4o-mini": {"input": 0.1, "output": 0.5},
        "claude-x": {"input": 3.0, "cached_input": 0.3, "cache_write": 3.75, "output": 15.0},
        "embed": {"input": 0.02, "output": None},
        "tiered": {
            "input": 1.0,
            "output": 10.0,
            "tiers": [{"above_input_tokens": 200_000, "input": 2.0, "output": 15.0}],
        },
        "family": {"input": 1.0, "output": 1.0, "aliases": ["family-0"]},
    },
}
NEWER_DOC: dict[str, Any] = {
    "version": "2026-06-01",
    "models": {"gpt-4o": {"input": 1.0, "cached_input": 0.5, "output": 5.0}},
}
M = 1_000_000


@pytest.fixture
def table() -> PriceTable:
    return PriceTable.from_document(TABLE_DOC)


@pytest.mark.parametrize(
    ("model", "usage", "expected"),
    [
        ("gpt-4o", Usage(input_tokens=M, output_tokens=M), 12.0),
        # cached tokens are part of input_tokens and priced at the cache rate
        ("gpt-4o", Usage(input_tokens=M, output_tokens=0, cached_tokens=M // 2), 1.5),
        # no cache price: cached tokens fall back to the input price
        ("gpt-4o-mini", Usage(input_tokens=M, output_tokens=0, cached_tokens=M), 0.1),
        # Anthropic-style: reads, writes and the rest
        (
            "claude-x",
            Usage(input_tokens=3 * M, output_tokens=M, cached_tokens=M, cache_write_tokens=M),
            3.0 + 0.3 + 3.75 + 15.0,
        ),
        # embeddings have no output price and need no output count
        ("embed", Usage(input_tokens=M), 0.02),
        # the tier applies to the whole request once the prompt exceeds it
        ("tiered", Usage(input_tokens=200_000, output_tokens=0), 0.2),
        ("tiered", Usage(input_tokens=200_001, output_tokens=100_000), 0.400002 + 1.5),
        # zero tokens on a priced model is a real zero
        ("gpt-4o", Usage(input_tokens=0, output_tokens=0), 0.0),
        # inconsistent counts never produce a negative uncached share
        ("gpt-4o", Usage(input_tokens=10, output_tokens=0, cached_tokens=20), 20 / M),
    ],
)
def test_cost_formula(table: PriceTable, model: str, usage: Usage, expected: float) -> None:
    assert table.price(model, usage) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("model", "usage"),
    [
        ("no-such-model", Usage(input_tokens=100, output_tokens=10)),
        (None, Usage(input_tokens=100, output_tokens=10)),
        ("", Usage(input_tokens=100, output_tokens=10)),
        ("gpt-4o", Usage(input_tokens=100, output_tokens=None)),
        ("gpt-4o", Usage(input_tokens=None, output_tokens=10)),
        ("gpt-4o", Usage()),
    ],
)
def test_unknown_model_or_counts_is_unpriced(table: PriceTable, model: str | None, usage: Usage) -> None:
    assert table.price(model, usage) is None


@pytest.mark.parametrize(
    ("reported", "priced_as"),
    [
        ("gpt-4o", "gpt-4o"),
        ("GPT-4o", "gpt-4o"),
        ("openai/gpt-4o", "gpt-4o"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("claude-x-20250929", "claude-x"),
        ("claude-x-latest", "claude-x"),
        ("claude-x@20250929", "claude-x"),
        ("models/tiered-001", "tiered"),
        ("tiered-preview-05-20", "tiered"),
        ("family-0", "family"),
        ("family-0-latest", "family"),
    ],
)
def test_name_matching(table: PriceTable, reported: str, priced_as: str) -> None:
    assert table.lookup(reported) is table.lookup(priced_as) is not None


@pytest.mark.parametrize(
    "reported",
    ["gpt-4o-audio-preview", "gpt-4o-mini-search", "gpt-4", "gpt-4o-2", "xgpt-4o", "gpt-4omini"],
)
def test_no_loose_prefix_matching(table: PriceTable, reported: str) -> None:
    assert table.lookup(reported) is None


def test_candidates_strip_one_suffix_at_a_time() -> None:
    assert list(model_candidates("OpenAI/GPT-4o-Mini-2024-07-18")) == [
        "OpenAI/GPT-4o-Mini-2024-07-18",
        "openai/gpt-4o-mini-2024-07-18",
        "gpt-4o-mini-2024-07-18",
        "gpt-4o-mini",
    ]


def test_user_only_table_keeps_just_the_overrides(table: PriceTable) -> None:
    usage = Usage(input_tokens=M, output_tokens=M)
    assert table.user_only().price("gpt-4o", usage) is None
    custom = table.with_overrides({"gpt-4o": {"input": 0.0, "output": 0.5}})
    local = custom.user_only()
    assert local.price("gpt-4o", usage) == pytest.approx(0.5)
    assert local.price("gpt-4o-mini", usage) is None
    assert local.version == custom.version


def test_load_applies_config_overrides() -> None:
    assert PriceTable.load().version == PriceTable.bundled().version
    table = PriceTable.load({"my-finetune": {"input": 1.0, "output": 2.0}})
    assert "+user." in table.version
    assert table.price("my-finetune", Usage(input_tokens=M, output_tokens=M)) == pytest.approx(3.0)


def test_overrides_take_precedence_and_mark_the_version(table: PriceTable) -> None:
    usage = Usage(input_tokens=M, output_tokens=M)
    overrides: dict[str, dict[str, float | None]] = {
        "gpt-4o": {"input": 1, "output": 1},
        "my-model": {"input": 2, "output": None},
    }
    custom = table.with_overrides(overrides)
    assert custom.price("gpt-4o-2024-08-06", usage) == pytest.approx(2.0)
    assert custom.price("my-model", usage) == pytest.approx(2.0)
    assert custom.price("gpt-4o-mini", usage) == pytest.approx(0.6), "others unchanged"
    assert custom.version.startswith("2026-01-01+user.")
    assert table.version == "2026-01-01", "the original table is unchanged"
    again = table.with_overrides({"gpt-4o": {"input": 1, "output": 1}})
    assert again.version != custom.version, "different overrides, different version"
    assert table.with_overrides({}) is table


def test_repricing_with_a_newer_table(table: PriceTable) -> None:
    usage = Usage(input_tokens=2 * M, output_tokens=M, cached_tokens=M)
    newer = PriceTable.from_document(NEWER_DOC)
    assert table.version == "2026-01-01"
    assert table.price("gpt-4o", usage) == pytest.approx(13.0)
    assert newer.version == "2026-06-01"
    assert newer.price("gpt-4o", usage) == pytest.approx(6.5)
    assert newer.price("gpt-4o-mini", usage) is None, "dropped models become unpriced"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"input": 1.0}, "needs 'input' and 'output'"),
        ({"output": 1.0}, "needs 'input' and 'output'"),
        ({"input": None, "output": 1.0}, "needs a number for 'input'"),
        ({"input": -1.0, "output": 1.0}, "non-negative"),
        ({"input": "1.0", "output": 1.0}, "non-negative"),
        ({"input": True, "output": 1.0}, "non-negative"),
        ({"input": float("nan"), "output": 1.0}, "non-negative"),
        ({"input": 1.0, "ouput": 1.0, "output": 1.0}, "unknown key"),
        ({"input": 1.0, "output": 1.0, "tiers": [{"input": 2.0, "output": 2.0}]}, "above_input"),
        ({"input": 1.0, "output": 1.0, "aliases": "x"}, "aliases"),
        ("cheap", "must be an object"),
    ],
)
def test_malformed_prices_are_refused(table: PriceTable, entry: Any, message: str) -> None:
    with pytest.raises(PriceTableError, match=message):
        table.with_overrides({"m": entry})


@pytest.mark.parametrize(
    "document",
    [
        {"models": {}},
        {"version": "v", "models": []},
        {"version": "v", "currency": "EUR", "models": {}},
    ],
)
def test_malformed_documents_are_refused(document: dict[str, Any]) -> None:
    with pytest.raises(PriceTableError):
        PriceTable.from_document(document)


# --- the bundled table --------------------------------------------------------

BUNDLED_MODELS = [
    "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3", "o4-mini",
    "gpt-5", "gpt-5-mini", "gpt-5-nano", "text-embedding-3-small", "text-embedding-3-large",
    "claude-opus-4-1", "claude-opus-4-5", "claude-sonnet-4-5", "claude-sonnet-4",
    "claude-haiku-4-5", "claude-3-5-haiku", "gemini-2.5-pro", "gemini-2.5-flash",
    "gemini-2.5-flash-lite", "gemini-2.0-flash", "mistral-large-2411", "deepseek-chat",
    "deepseek-reasoner", "llama-3.3-70b-versatile", "llama-3.1-8b-instant",
]  # fmt: skip


def bundled_document() -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "resources" / "prices.json"
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


def test_bundled_table_loads_with_version_and_sources() -> None:
    document = bundled_document()
    assert document["currency"] == "USD"
    assert document["source"]
    assert PriceTable.bundled().version == document["version"]


def test_bundled_names_are_lowercase_and_unique() -> None:
    names = [n for n, e in bundled_document()["models"].items() for n in (n, *e.get("aliases", []))]
    assert all(name == name.lower().strip() for name in names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("model", BUNDLED_MODELS)
def test_bundled_table_prices_the_common_models(model: str) -> None:
    cost = PriceTable.bundled().price(model, Usage(input_tokens=1000, output_tokens=1000))
    assert cost is not None and cost > 0


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        # 100k in + 100k out at the published per-1M list prices
        ("gpt-4o-mini-2024-07-18", 0.15 + 0.6),
        ("claude-sonnet-4-5-20250929", 3.0 + 15.0),
        ("models/gemini-2.5-flash", 0.3 + 2.5),
        ("deepseek-chat", 0.28 + 0.42),
    ],
)
def test_bundled_prices_spot_checks(reported: str, expected: float) -> None:
    usage = Usage(input_tokens=M // 10, output_tokens=M // 10)
    assert PriceTable.bundled().price(reported, usage) == pytest.approx(expected / 10)


def test_bundled_claude_long_context_tier() -> None:
    usage = Usage(input_tokens=M, output_tokens=M)
    assert PriceTable.bundled().price("claude-sonnet-4-5", usage) == pytest.approx(6.0 + 22.5)


def test_bundled_gemini_pro_long_prompt_tier() -> None:
    table = PriceTable.bundled()
    short = table.price("gemini-2.5-pro", Usage(input_tokens=200_000, output_tokens=0))
    long = table.price("gemini-2.5-pro", Usage(input_tokens=400_000, output_tokens=0))
    assert short == pytest.approx(0.25)
    assert long == pytest.approx(1.0)


def test_bundled_local_models_are_unpriced() -> None:
    table = PriceTable.bundled()
    usage = Usage(input_tokens=1000, output_tokens=1000)
    assert table.price("llama3.2:3b", usage) is None
    assert table.user_only().price("llama-3.3-70b-versatile", usage) is None


def test_resources_package_ships_the_price_file() -> None:
    text = resources.files("lookout.resources").joinpath("prices.json").read_text("utf-8")
    assert json.loads(text) == bundled_document()
