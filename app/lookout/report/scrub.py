"""The report's second line of defence: every text it prints goes through the redactor again.

Stored text is already redacted; a report re-redacts it anyway, with the real
:class:`~lookout.redaction.Redactor` and the user's redaction settings, because
a report is made to leave the machine. Failing closed: a text that cannot be
re-redacted (the redactor raised or ran out of time) is replaced by
:data:`WITHHELD`, never printed as it was.

Host names of the user's own upstreams (``[upstreams]`` in the config, e.g. a
lab server) are replaced by ``<host of upstream NAME>`` unless the user asks
for hosts, since error texts such as "cannot connect to upstream 'lab'
(http://gpu-box.corp:8000)" name them.

Distinct strings are redacted in batches as one JSON array (the redactor keeps
JSON structure and runs Presidio once per ~16 KB), and remembered, so a report
over a million calls redacts each distinct model name or error text once.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import Field, fields, is_dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

from lookout.core.config import RedactionSettings
from lookout.redaction import RedactionFailed, Redactor

T = TypeVar("T")

WITHHELD = "[withheld: could not re-redact]"
# Strings per redactor batch, and characters: a failure then costs one batch, not the report.
BATCH_ITEMS = 2000
BATCH_CHARS = 64 * 1024
MEMO_LIMIT = 200_000

_redactors: dict[tuple[Any, ...], tuple[Redactor, threading.Lock]] = {}
_redactors_lock = threading.Lock()


def shared_redactor(settings: RedactionSettings) -> tuple[Redactor, threading.Lock]:
    """One Redactor per distinct settings per process (building Presidio takes seconds), with its lock."""
    key = (
        settings.ner_model,
        settings.default_operator,
        tuple(sorted(settings.operators.items())),
        settings.time_budget_s,
    )
    with _redactors_lock:
        if key not in _redactors:
            _redactors[key] = (Redactor(settings), threading.Lock())
        return _redactors[key]


def private_hosts(upstreams: Mapping[str, str]) -> dict[str, str]:
    """Host name -> placeholder for the user's own upstreams (their URLs come from the config)."""
    hosts: dict[str, str] = {}
    for name, url in upstreams.items():
        host = urlsplit(url).hostname
        if host:
            hosts[host] = f"<host of upstream {name}>"
    return hosts


class Scrubber:
    """Re-redacts texts for a report. Thread-safe: calls share the redactor under its lock."""

    def __init__(self, settings: RedactionSettings, hosts: Mapping[str, str] | None = None) -> None:
        self._settings = settings
        self._redactor, self._lock = shared_redactor(settings)
        self._hosts = _host_pattern(hosts or {})
        self._host_names = {host.lower(): label for host, label in (hosts or {}).items()}
        self._memo: dict[str, str] = {}

    @property
    def mode(self) -> str:
        """The redactor's detection mode, as a sentence for the report header."""
        return self._redactor.mode

    def texts(self, values: Sequence[str]) -> list[str]:
        """Each value re-redacted (or :data:`WITHHELD`), in order."""
        if len(self._memo) > MEMO_LIMIT:  # many distinct ids: forget rather than grow without bound
            self._memo.clear()
        new = [value for value in dict.fromkeys(values) if value not in self._memo]
        for chunk in _chunks(new):
            self._memo.update(zip(chunk, self._redacted(chunk), strict=True))
        return [self._memo[value] for value in values]

    def text(self, value: str) -> str:
        return self.texts([value])[0]

    def body(self, body: str) -> tuple[str | None, str | None]:
        """A stored body re-redacted keeping its JSON structure: ``(text, None)`` or ``(None, why)``."""
        content_type = "application/json" if body.lstrip()[:1] in ("{", "[") else "text/plain"
        with self._lock:
            result = self._redactor.redact_body(
                self._without_hosts(body).encode("utf-8", "replace"),
                content_type,
                deadline=self._deadline(body),
            )
        if result.text is None:
            return None, f"body withheld: {result.dropped_reason or 'could not re-redact'}"
        return result.text, None

    def scrubbed(self, value: T) -> T:
        """``value`` (dataclasses, lists, tuples, dicts, strings) with every string re-redacted.

        Dataclass fields marked ``metadata={"internal": True}`` (never rendered) or
        ``{"verbatim": True}`` (asked for by the user, e.g. ``--show-hosts``) are left alone.
        """
        strings = list(dict.fromkeys(_strings(value)))
        mapping = dict(zip(strings, self.texts(strings), strict=True))
        rebuilt: T = _rebuilt(value, mapping)
        return rebuilt

    def _redacted(self, chunk: list[str]) -> list[str]:
        prepared = [self._without_hosts(value) for value in chunk]
        document = json.dumps(prepared, ensure_ascii=False).encode("utf-8", "replace")
        with self._lock:
            result = self._redactor.redact_body(
                document, "application/json", deadline=self._deadline(*prepared)
            )
        batch = _decoded_list(result.text, len(chunk))
        if batch is not None:
            return batch
        # A "drop" operator or a failure withholds the whole batch: redact one by one instead.
        return [self._one(value) for value in prepared]

    def _one(self, value: str) -> str:
        try:
            with self._lock:
                return self._redactor.redact_text(value, deadline=self._deadline(value)).text
        except RedactionFailed:
            return WITHHELD

    def _deadline(self, *texts: str) -> float:
        # The configured budget is per call (~16 KB of text); a batch gets one per 16 KB.
        size = sum(len(text) for text in texts)
        return time.monotonic() + self._settings.time_budget_s * (1 + size // (16 * 1024))

    def _without_hosts(self, value: str) -> str:
        if self._hosts is None:
            return value
        return self._hosts.sub(lambda match: self._host_names[match.group(0).lower()], value)


def _host_pattern(hosts: Mapping[str, str]) -> re.Pattern[str] | None:
    if not hosts:
        return None
    names = sorted(hosts, key=len, reverse=True)
    return re.compile("|".join(re.escape(name) for name in names), re.IGNORECASE)


def _chunks(values: list[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    size = 0
    for value in values:
        if chunk and (len(chunk) >= BATCH_ITEMS or size + len(value) > BATCH_CHARS):
            yield chunk
            chunk, size = [], 0
        chunk.append(value)
        size += len(value)
    if chunk:
        yield chunk


def _decoded_list(text: str | None, length: int) -> list[str] | None:
    if text is None:
        return None
    try:
        decoded = json.loads(text)
    except ValueError:
        return None
    if (
        not isinstance(decoded, list)
        or len(decoded) != length
        or not all(isinstance(v, str) for v in decoded)
    ):
        return None
    return decoded


def _skipped(item: Field[Any]) -> bool:
    return bool(item.metadata.get("internal") or item.metadata.get("verbatim"))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            if not _skipped(item):
                yield from _strings(getattr(value, item.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)


def _rebuilt(value: Any, mapping: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return mapping[value]
    if is_dataclass(value) and not isinstance(value, type):
        changes = {
            item.name: _rebuilt(getattr(value, item.name), mapping)
            for item in fields(value)
            if not _skipped(item)
        }
        return replace(value, **changes)
    if isinstance(value, list):
        return [_rebuilt(item, mapping) for item in value]
    if isinstance(value, tuple):
        return tuple(_rebuilt(item, mapping) for item in value)
    if isinstance(value, dict):
        return {_rebuilt(key, mapping): _rebuilt(item, mapping) for key, item in value.items()}
    return value
