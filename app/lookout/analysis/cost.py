"""Pricing calls: the bundled price table, user overrides, model-name matching and cost.

Prices are USD per 1M tokens. The bundled table (``resources/prices.json``,
shipped as ``lookout.resources``) carries a ``version``; overrides from the
user's config replace or add models and change the version to
``<version>+user.<digest>``, so every stored cost says which prices made it
and history can be re-priced when the table changes.

A model the table does not know costs ``None`` (unpriced), never 0.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from lookout.core.models import Usage

PRICES_FILE = "prices.json"
PER_TOKENS = 1_000_000
_RATE_KEYS = ("input", "output", "cached_input", "cache_write")
_ENTRY_KEYS = frozenset({*_RATE_KEYS, "aliases", "tiers"})
_TIER_KEYS = frozenset({*_RATE_KEYS, "above_input_tokens"})

# Everything up to the last slash is a router or API prefix, not the model:
# "openai/gpt-4o" (OpenRouter), "models/gemini-2.5-pro" (Gemini), "meta-llama/..." (Groq).
_PREFIX = re.compile(r"^.*/")
# Suffixes that name a snapshot of a model rather than a different model. They
# are stripped one at a time, so "gpt-4o-mini-2024-07-18" becomes "gpt-4o-mini"
# and can never fall through to "gpt-4o": there is no generic prefix matching.
_VERSION_SUFFIXES = (
    re.compile(r"@[\w.-]+$"),  # Vertex AI: claude-sonnet-4-5@20250929
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),  # OpenAI: gpt-4o-2024-08-06
    re.compile(r"-\d{8}$"),  # Anthropic: claude-sonnet-4-5-20250929
    re.compile(r"-latest$"),  # claude-3-5-haiku-latest
    re.compile(r"-preview(?:-[\w.-]+)?$"),  # Gemini: gemini-2.5-flash-preview-05-20
    re.compile(r"-\d{3}$"),  # Gemini: gemini-2.0-flash-001
)


class PriceTableError(ValueError):
    """A price table or a user override is malformed."""


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per 1M tokens. ``output`` is ``None`` for models that emit no tokens (embeddings).

    ``cached_input`` and ``cache_write`` fall back to ``input`` when ``None``.
    """

    input: float
    output: float | None
    cached_input: float | None = None
    cache_write: float | None = None


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """A model's rates, plus higher rates that apply once the prompt exceeds a size."""

    rates: Rates
    tiers: tuple[tuple[int, Rates], ...] = ()  # (above_input_tokens, rates), ascending

    def rates_for(self, input_tokens: int) -> Rates:
        """The rates for a prompt of ``input_tokens`` (the whole prompt, cache included)."""
        chosen = self.rates
        for threshold, rates in self.tiers:
            if input_tokens > threshold:
                chosen = rates
        return chosen


def cost_usd(price: ModelPrice, usage: Usage) -> float | None:
    """What ``usage`` cost at ``price``; ``None`` when the token counts needed are unknown.

    Unknown output tokens give ``None`` rather than the input share alone: a
    partial cost would look like a real, too-low one.
    """
    if usage.input_tokens is None:
        return None
    rates = price.rates_for(usage.input_tokens)
    if rates.output is not None and usage.output_tokens is None:
        return None
    cached = usage.cached_tokens or 0
    written = usage.cache_write_tokens or 0
    # input_tokens includes the cache parts; clamp in case a provider reports
    # inconsistent counts, rather than credit the user a negative amount.
    uncached = max(usage.input_tokens - cached - written, 0)
    total = (
        uncached * rates.input
        + cached * _or(rates.cached_input, rates.input)
        + written * _or(rates.cache_write, rates.input)
    )
    if rates.output is not None and usage.output_tokens is not None:
        total += usage.output_tokens * rates.output
    return total / PER_TOKENS


def model_candidates(model: str) -> Iterator[str]:
    """Names to try for ``model``, most specific first: as given, lowercased, then
    without its router prefix and with snapshot suffixes stripped one by one."""
    yield model
    name = model.strip().lower()
    yield name
    name = _PREFIX.sub("", name)
    yield name
    stripped = True
    while stripped:
        stripped = False
        for suffix in _VERSION_SUFFIXES:
            shorter = suffix.sub("", name)
            if shorter != name and shorter:
                name, stripped = shorter, True
                yield name
                break


class PriceTable:
    """Bundled prices plus user overrides; prices calls by model name and usage.

    >>> table = PriceTable.bundled().with_overrides({"my-model": {"input": 1, "output": 2}})
    >>> table.price("my-model", Usage(input_tokens=1000, output_tokens=500))
    0.002
    """

    def __init__(
        self,
        *,
        version: str,
        prices: Mapping[str, ModelPrice],
        user_prices: Mapping[str, ModelPrice] | None = None,
    ) -> None:
        self.version = version
        self._prices = dict(prices)
        self._user_prices = dict(user_prices or {})
        # The recorder prices every call; a handful of model names repeat endlessly.
        self._lookups: dict[str, ModelPrice | None] = {}

    @classmethod
    def bundled(cls) -> PriceTable:
        """The price table shipped with Lookout."""
        return cls.from_document(json.loads(_bundled_text()))

    @classmethod
    def load(cls, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> PriceTable:
        """The bundled table with the user's overrides (the config's ``[prices]``) applied."""
        return cls.bundled().with_overrides(overrides or {})

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> PriceTable:
        """Build a table from a parsed price file (format described in resources/README.md)."""
        version = document.get("version")
        if not isinstance(version, str) or not version:
            raise PriceTableError("price table has no 'version' string")
        if document.get("currency", "USD") != "USD":
            raise PriceTableError("price table currency must be USD")
        models = document.get("models")
        if not isinstance(models, Mapping):
            raise PriceTableError("price table has no 'models' object")
        return cls(version=version, prices=_entries(models))

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> PriceTable:
        """A copy where ``overrides`` (model -> {input, output, cached_input, cache_write})
        take precedence, for local models too. An empty mapping changes nothing."""
        if not overrides:
            return self
        user_prices = {**self._user_prices, **_entries(overrides)}
        digest = hashlib.sha256(json.dumps(overrides, sort_keys=True, default=str).encode()).hexdigest()[:8]
        base = self.version.split("+user", 1)[0]
        return PriceTable(version=f"{base}+user.{digest}", prices=self._prices, user_prices=user_prices)

    def user_only(self) -> PriceTable:
        """This table without the bundled prices, for models served on the user's own
        machine (ollama, lmstudio, vllm): only prices the user configured apply there."""
        return PriceTable(version=self.version, prices={}, user_prices=self._user_prices)

    def lookup(self, model: str | None) -> ModelPrice | None:
        """The price for ``model``: user overrides first, then the bundled table."""
        if not model:
            return None
        if model not in self._lookups:
            if len(self._lookups) > 4096:
                self._lookups.clear()
            self._lookups[model] = self._find(model)
        return self._lookups[model]

    def _find(self, model: str) -> ModelPrice | None:
        for table in (self._user_prices, self._prices):
            for name in model_candidates(model):
                if name in table:
                    return table[name]
        return None

    def price(self, model: str | None, usage: Usage) -> float | None:
        """Cost in USD of one call, or ``None`` if the model or the token counts are unknown."""
        price = self.lookup(model)
        return None if price is None else cost_usd(price, usage)


def _entries(models: Mapping[str, Any]) -> dict[str, ModelPrice]:
    """Parse model entries, indexing each under its name and its aliases."""
    parsed: dict[str, ModelPrice] = {}
    for name, entry in models.items():
        if not isinstance(entry, Mapping):
            raise PriceTableError(f"price for {name!r} must be an object")
        _reject_unknown_keys(name, entry, _ENTRY_KEYS)
        price = ModelPrice(rates=_rates(name, entry), tiers=_tiers(name, entry.get("tiers", [])))
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise PriceTableError(f"aliases of {name!r} must be a list of names")
        for key in (name, *aliases):
            parsed[key.strip().lower()] = price
    return parsed


def _tiers(name: str, tiers: Any) -> tuple[tuple[int, Rates], ...]:
    if not isinstance(tiers, list):
        raise PriceTableError(f"tiers of {name!r} must be a list")
    parsed = []
    for tier in tiers:
        if not isinstance(tier, Mapping):
            raise PriceTableError(f"each tier of {name!r} must be an object")
        _reject_unknown_keys(name, tier, _TIER_KEYS)
        threshold = tier.get("above_input_tokens")
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
            raise PriceTableError(f"tier of {name!r} needs a whole 'above_input_tokens'")
        parsed.append((threshold, _rates(name, tier)))
    return tuple(sorted(parsed, key=lambda t: t[0]))


def _rates(name: str, entry: Mapping[str, Any]) -> Rates:
    if "input" not in entry or "output" not in entry:
        raise PriceTableError(
            f"price for {name!r} needs 'input' and 'output' (output may be null for embeddings)"
        )
    values = {key: _rate(name, key, entry.get(key)) for key in _RATE_KEYS}
    input_rate = values["input"]
    if input_rate is None:
        raise PriceTableError(f"price for {name!r} needs a number for 'input'")
    return Rates(
        input=input_rate,
        output=values["output"],
        cached_input=values["cached_input"],
        cache_write=values["cache_write"],
    )


def _rate(name: str, key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise PriceTableError(f"{key!r} of {name!r} must be a non-negative number, got {value!r}")
    return float(value)


def _reject_unknown_keys(name: str, entry: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise PriceTableError(
            f"unknown key(s) {', '.join(unknown)} in price for {name!r}; "
            f"expected {', '.join(sorted(allowed))}"
        )


def _or(value: float | None, fallback: float) -> float:
    return fallback if value is None else value


def _bundled_text() -> str:
    return resources.files("lookout.resources").joinpath(PRICES_FILE).read_text("utf-8")
