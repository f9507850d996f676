"""Optional webhook delivery of alert notifications: Slack-compatible JSON, off the recorder's thread.

Only built when the user configured ``[alerts] webhook_url``; without it nothing
leaves the machine. The recorder calls :meth:`WebhookSender.send` (never
blocks) and later drains :meth:`WebhookSender.results` to store each delivery's
status on its alert row: the sender never touches the database itself, so the
recorder stays the only writer.

Each notification is POSTed as ``{"text": ...}``, the alert's derived message
and nothing else (no payloads, no headers of the user's calls). Connection
errors, timeouts, 429 and 5xx are retried with exponential backoff (honouring
``Retry-After``); other 4xx fail at once, since retrying a wrong URL only
repeats the failure. Redirects are refused, so the message goes to the
configured URL or nowhere. Errors are stored as Lookout's own short text
(``HTTP 503``, ``timed out``), never the URL, which often embeds a secret token.

>>> sender = WebhookSender("https://hooks.slack.com/services/…")  # doctest: +SKIP
>>> sender.start(); sender.send(42, "Lookout critical: …")         # doctest: +SKIP
>>> sender.results()  # [Delivery(alert_id=42, status='delivered', attempts=1, error=None)]
"""

from __future__ import annotations

import heapq
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from typing import IO, Any

log = logging.getLogger(__name__)

_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_CLOSE = object()


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a notification's delivery stands: ``pending`` (will retry), ``delivered`` or ``failed``."""

    alert_id: int
    status: str
    attempts: int
    error: str | None = None


@dataclass(order=True)
class _Attempt:
    due: float
    alert_id: int = field(compare=False)
    text: str = field(compare=False)
    number: int = field(compare=False, default=1)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Message, newurl: str
    ) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


class WebhookSender:
    """A background thread that POSTs notifications, retrying with exponential backoff."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 10.0,
        attempts: int = 5,
        backoff_s: float = 2.0,
        max_backoff_s: float = 300.0,
    ) -> None:
        self._url = url
        self._timeout_s = timeout_s
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
        self._opener = urllib.request.build_opener(_NoRedirects)
        self._thread = threading.Thread(target=self._run, name="lookout-webhook", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def send(self, alert_id: int, text: str) -> None:
        """Queue a notification. Never blocks."""
        self._inbox.put(_Attempt(time.monotonic(), alert_id, text))

    def results(self) -> list[Delivery]:
        """Delivery updates since the last call, oldest first."""
        found = []
        while True:
            try:
                found.append(self._results.get_nowait())
            except queue.Empty:
                return found

    def close(self, timeout: float = 2.0) -> None:
        """Stop after the attempt in flight; notifications still waiting for a retry are given up."""
        self._inbox.put(_CLOSE)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        waiting: list[_Attempt] = []
        while True:
            timeout = max(0.0, waiting[0].due - time.monotonic()) if waiting else None
            try:
                item = self._inbox.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _CLOSE:
                return
            if item is not None:
                heapq.heappush(waiting, item)
            while waiting and waiting[0].due <= time.monotonic():
                retry = self._attempt(heapq.heappop(waiting))
                if retry is not None:
                    heapq.heappush(waiting, retry)

    def _attempt(self, attempt: _Attempt) -> _Attempt | None:
        error, retryable, retry_after = self._post(attempt.text)
        if error is None:
            self._results.put(Delivery(attempt.alert_id, "delivered", attempt.number))
            return None
        if not retryable or attempt.number >= self._attempts:
            log.warning("alert webhook delivery failed after %d attempt(s): %s", attempt.number, error)
            self._results.put(Delivery(attempt.alert_id, "failed", attempt.number, error))
            return None
        self._results.put(Delivery(attempt.alert_id, "pending", attempt.number, error))
        delay = retry_after if retry_after is not None else self._backoff_s * 2 ** (attempt.number - 1)
        due = time.monotonic() + min(delay, self._max_backoff_s)
        return _Attempt(due, attempt.alert_id, attempt.text, attempt.number + 1)

    def _post(self, text: str) -> tuple[str | None, bool, float | None]:
        """(error or None, whether to retry, Retry-After seconds if the server sent one)."""
        body = json.dumps({"text": text}).encode()
        request = urllib.request.Request(
            self._url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                response.read()
            return None, False, None
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}", exc.code in _RETRYABLE_STATUS, _retry_after(exc.headers)
        except urllib.error.URLError as exc:
            return _network_error(exc.reason), True, None
        except (TimeoutError, OSError) as exc:
            return _network_error(exc), True, None


def _network_error(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return type(reason).__name__ if isinstance(reason, BaseException) else "network error"


def _retry_after(headers: Message | None) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
