"""Sentry-style parameterization of error messages: variable parts become typed placeholders.

``parameterize("Please try again in 222ms")`` and ``parameterize("Please try again
in 1.5s")`` both give ``"Please try again in <duration>"``, so the two errors get one
fingerprint. The placeholders are:

``<email>`` ``<url>`` ``<key>`` (API keys, masked or not) ``<path>`` ``<uuid>``
``<id>`` (provider ids such as ``org-…``, ``req_…``, ``chatcmpl-…``, ``msg_…``, and
labelled request/trace ids) ``<model>`` ``<date>`` ``<ip>`` ``<time>`` ``<hash>``
``<hex>`` ``<size>`` ``<duration>`` ``<tokens>`` (token counts) ``<num>``.

Order matters: each pattern runs on the output of the ones before it, so the
wider shapes go first (a URL may hold a model name, a model name holds digits, a
date holds numbers). Placeholders contain no digits, so later number patterns
never eat into them. Pure and stateless: the patterns are compiled once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_CHARS = 2000  # messages are already capped by the parsers; this bounds the regex work

_ID_PREFIXES = (
    "req|request|chatcmpl|cmpl|msg|msgbatch|resp|run|thread|asst|file|batch|call|toolu|srvtoolu"
    "|ftjob|step|vs|modr|gen|sess|span|trace|evt|cs|ws"
)
# Model families whose names carry their own separator ("gpt-4o", "claude-…"), then
# families written glued to a version ("llama3.2", "qwen2.5:7b") that must be
# followed by one, so "llama runner" or "Mistral AI" stay words.
_DASHED_FAMILIES = (
    "(?:chat)?gpt-|text-embedding-|text-davinci-|text-moderation-|omni-moderation-|dall-e-|whisper-"
    "|tts-|claude-|gemini-|deepseek-|command-|grok-|kimi-|glm-|yi-|nomic-embed-|mxbai-embed-"
    "|snowflake-arctic-|sonar-|jamba-|nova-|titan-"
)
_GLUED_FAMILIES = (
    "llama|codellama|mistral|mixtral|codestral|ministral|pixtral|magistral|devstral|qwen|qwq"
    "|gemma|phi|granite|falcon|olmo|starcoder|nemotron|llava|smollm|deepseek|davinci|babbage"
)
# A family name may follow a vendor or path prefix: "openai/gpt-4o", "models/gemini-…",
# "meta-llama/Llama-3.1-8B", "default-gpt-3.5-turbo", "amazon.nova-pro-v1:0".
_MODEL_NAME = (
    rf"(?:(?:[\w.:/-]*[-/.])?(?:ft:)?(?:(?:{_DASHED_FAMILIES})[\w.:-]*\w"
    rf"|(?:{_GLUED_FAMILIES})(?=[\d.:-])(?:[\w.:-]*\w)?"
    r"|o[1-9](?:-[\w.:-]*\w)?))(?![\w/])"
)
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_HEX4 = "[0-9a-fA-F]{1,4}"


def _long_id(match: re.Match[str]) -> str:
    """A long token of letters and digits mixed (an opaque id) becomes ``<id>``; a long word stays."""
    token = match.group()
    mixed = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
    return "<id>" if mixed else token


# (replacement, pattern): applied in this order. A replacement may use groups.
_RULES: tuple[tuple[str | Callable[[re.Match[str]], str], re.Pattern[str]], ...] = (
    # Patterns start only where a token starts (a look-behind, not \b), so that a long run
    # of word characters is scanned once rather than once per position.
    ("<email>", re.compile(r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("<url>", re.compile(r"\b(?:https?|wss?|ftp|file)://[^\s'\"`<>()\[\]{}]*[^\s'\"`<>()\[\]{}.,;:!?]")),
    (
        "<key>",
        re.compile(
            r"\b(?:sk|pk|rk)-[A-Za-z0-9_*-]*[A-Za-z0-9*]"
            r"|\b(?:AIza[\w-]{20,}|gsk_\w{10,}|xai-\w{10,}|hf_\w{10,}|nvapi-[\w-]{10,}|pplx-\w{10,})"
        ),
    ),
    (r"\1<key>", re.compile(r"(?i)(\bbearer\s+)[\w.~+/=-]{8,}")),
    ("<path>", re.compile(r"(?<![\w:/.])(?:~|\.{1,2})?(?:/[\w.@~+%-]+){2,}/?|\b[A-Za-z]:\\[^\s'\"`]+")),
    ("<uuid>", re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b")),
    (
        "<id>",
        re.compile(
            r"\b(?:org|proj)[-_][A-Za-z0-9]{3,}\b"
            rf"|\b(?:{_ID_PREFIXES})[-_](?=[A-Za-z]*\d)[A-Za-z0-9]{{8,}}\b"
        ),
    ),
    (
        r"\1<id>",
        re.compile(
            r"(?i)(\b(?:x-)?(?:request|trace|correlation|span)[ _-]?id\b[\"'`]?\s*[:=]?\s*[\"'`]?)"
            r"(?=[\w.:-]*\d)[A-Za-z0-9][\w.:-]{5,}\b"
        ),
    ),
    (r"\1\2<model>\2", re.compile(r"(?i)(\bmodels?\s*[:=]?\s*)([`'\"])[^`'\"\s]{1,120}\2")),
    ("<model>", re.compile(rf"(?i)(?<![\w.:/-]){_MODEL_NAME}")),
    (
        "<date>",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}|\s?UTC)?)?"
            r"(?![\w:])"
            rf"|\b(?:(?:{_DAYS}),\s)?\d{{1,2}}\s(?:{_MONTHS})\s\d{{4}}(?:\s\d{{2}}:\d{{2}}:\d{{2}})?"
            r"(?:\s(?:GMT|UTC|[+-]\d{4}))?"
            r"|\b\d{1,2}/\d{1,2}/\d{4}\b"
        ),
    ),
    (
        "<ip>",
        re.compile(
            r"\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?::\d{1,5})?\b"
            rf"|\[?(?<![\w:])(?:(?:{_HEX4}:){{7}}{_HEX4}|(?:{_HEX4}:){{1,6}}:(?:{_HEX4}(?::{_HEX4})*)?"
            rf"|::{_HEX4}(?::{_HEX4})*)(?![\w:])(?:\]:\d{{1,5}}|\])?"
        ),
    ),
    ("<time>", re.compile(r"\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[AaPp][Mm])?(?:\s?(?:UTC|GMT)|Z)?\b")),
    ("<hash>", re.compile(r"\b(?:[0-9a-fA-F]{128}|[0-9a-fA-F]{64}|[0-9a-fA-F]{40}|[0-9a-fA-F]{32})\b")),
    (
        "<hex>",
        re.compile(r"\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b"),
    ),
    (_long_id, re.compile(r"(?<![\w-])[A-Za-z0-9][\w-]{19,}(?![\w-])")),
    ("<size>", re.compile(r"\b\d+(?:\.\d+)?\s?(?:[kKMGTP]i?B|bytes?)\b")),
    (
        "<duration>",
        re.compile(
            r"\b\d+(?:\.\d+)?(?:ms|us|µs|ns|s|m|h|d)(?:\d+(?:\.\d+)?(?:ms|us|µs|ns|s|m|h))*\b"
            r"|\b\d+(?:\.\d+)?\s*(?:milliseconds?|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|ms|s)\b"
        ),
    ),
    (
        "<tokens>",
        re.compile(
            r"(?i)(?<![\w,.])\d[\d,]*(?:\.\d+)?[kKmM]?"
            r"(?=\s*(?:input |output |prompt |completion |total |context |reasoning )?tokens?\b)"
        ),
    ),
    (r"\1<tokens>", re.compile(r"(?i)(\btokens?\b[\w ]{0,24}?\(\s*)\d[\d,]*(?=\s*\))")),
    (
        r"\1<tokens>",
        re.compile(r"(?i)(\bmax_(?:completion_|output_|new_)?tokens\b[\"'`]?\s*[:=]?\s*)\d[\d,]*"),
    ),
    # A number glued to a word by a dot counts ("messages.3"); a version's parts do not ("v1.5").
    ("<num>", re.compile(r"(?:(?<![\w.])|(?<=[A-Za-z]\.))\d+(?:[.,]\d+)*(?!\w)")),
)
_WHITESPACE = re.compile(r"\s+")


def parameterize(message: str) -> str:
    """``message`` with its variable parts replaced by typed placeholders, whitespace collapsed."""
    text = _WHITESPACE.sub(" ", message[:MAX_CHARS]).strip()
    for replacement, pattern in _RULES:
        text = pattern.sub(replacement, text)
    return text
