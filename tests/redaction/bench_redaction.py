"""Redaction speed, measured. Not collected by pytest (the file name does not start with ``test_``). Run:

    python -m tests.redaction.bench_redaction [--bodies 60] [--stock]

Figures:
- uncached KB/s on distinct ~8 KB chat requests (the cache emptied before each);
- KB/s over a 10-turn conversation, request and response of each turn, where
  every request resends the history (with the cache, and without for contrast);
- the recorder's backlog when 20 calls/s of ~8 KB bodies arrive, simulated with
  the measured redaction time of each call, one core;
- stock Presidio (its default pattern recognizers on a blank pipeline, one
  analysis per string value) on the same bodies, for scale.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from typing import Any

from lookout.core.config import RedactionSettings
from lookout.redaction import Redactor
from lookout.redaction.bodies import string_values
from lookout.redaction.cache import RedactionCache

SENTENCES = [
    "The service retries a failed request three times with exponential back-off before giving up.",
    "Our p95 latency rose from 180 ms to 420 ms after the last deploy, mostly in the database layer.",
    "Can you explain why the connection pool runs dry when traffic doubles at noon?",
    "The model should answer in JSON with the fields summary, severity and next_steps.",
    "We cache embeddings for each document chunk, keyed by a hash of its text.",
    "Please rewrite this function so that it streams the response instead of buffering it.",
    "The nightly job reads 2.4 million rows, aggregates them per customer and writes a report.",
    "I think the bug is in the date parsing: it assumes UTC but the logs are in local time.",
    "Summarise the incident timeline in five bullet points for the post-mortem.",
    "The tokenizer splits the identifier into four tokens, which inflates the prompt size.",
    "Add type hints to the module and make mypy pass in strict mode.",
    "Our staging cluster has three nodes with 16 GB of memory each and autoscaling turned off.",
    "The assistant keeps repeating the system prompt when the context window is nearly full.",
    "Write a unit test for the parser that covers empty input, unicode and very long lines.",
    "The webhook fires twice when the upstream times out and the client retries.",
    "Compare the cost of running this workload on the small model against the large one.",
    "The migration adds an index on created_at and backfills the new column in batches of 10000.",
    "Refactor the handler so that validation errors return 422 instead of 500.",
    "I pasted the stack trace below; the error starts in the retry decorator.",
    "Explain the difference between the two caching strategies and when each one wins.",
]
PERSONAL = [
    "You can reach me at {name}@example-mail.com if anything is unclear.",
    "My phone is +1 415 555 01{n:02d}, call me after five.",
    "The customer with card 4111 1111 1111 1111 was charged twice.",
    "Send the report to {name}.ops@example.org as well.",
]
CODE = '''```python
def backoff(attempt: int, base: float = 0.5) -> float:
    """Seconds to wait before the given retry attempt."""
    return min(base * 2 ** attempt, 30.0) * (0.5 + random.random() / 2)
```'''


def paragraph(rng: random.Random, sentences: int) -> str:
    parts = [rng.choice(SENTENCES) for _ in range(sentences)]
    if rng.random() < 0.3:
        template = rng.choice(PERSONAL)
        personal = template.format(name=rng.choice(["ana", "li", "omar"]), n=rng.randrange(100))
        parts.insert(rng.randrange(len(parts) + 1), personal)
    return " ".join(parts)


def chat_request(rng: random.Random, history: list[dict[str, str]], question: str) -> bytes:
    system = "You are a senior engineer who answers precisely. " + paragraph(rng, 4)
    messages = [{"role": "system", "content": system}, *history, {"role": "user", "content": question}]
    body = {"model": "gpt-4o-2024-08-06", "temperature": 0.2, "max_tokens": 1024, "messages": messages}
    return json.dumps(body).encode()


def chat_response(answer: str, index: int) -> bytes:
    body = {
        "id": f"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qM{index:04d}",
        "object": "chat.completion",
        "created": 1741569952 + index,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 2100 + index, "completion_tokens": 310, "total_tokens": 2410 + index},
    }
    return json.dumps(body).encode()


def distinct_requests(count: int, size: int) -> list[bytes]:
    """Chat requests of about ``size`` bytes, each with its own text."""
    bodies = []
    for seed in range(count):
        rng = random.Random(seed)
        history: list[dict[str, str]] = []
        body = chat_request(rng, history, paragraph(rng, 3))
        while len(body) < size:
            history.append({"role": "user", "content": paragraph(rng, 4)})
            answer = paragraph(rng, 6) + ("\n\n" + CODE if seed % 3 else "")
            history.append({"role": "assistant", "content": answer})
            body = chat_request(rng, history, paragraph(rng, 3))
        bodies.append(body)
    return bodies


def conversation(turns: int, seed: int = 7) -> list[bytes]:
    """Request and response of each turn; every request resends the history so far."""
    rng = random.Random(seed)
    history: list[dict[str, str]] = []
    system_rng_state = rng.getstate()
    bodies = []
    for turn in range(turns):
        question = paragraph(rng, 4)
        rng_for_system = random.Random()
        rng_for_system.setstate(system_rng_state)  # the same system prompt every turn
        bodies.append(chat_request(rng_for_system, history, question))
        answer = paragraph(rng, 8) + ("\n\n" + CODE if turn % 2 else "")
        bodies.append(chat_response(answer, turn))
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return bodies


def timed(redactor: Redactor, bodies: list[bytes], cached: bool) -> list[float]:
    seconds = []
    for body in bodies:
        if not cached:
            redactor.cache = RedactionCache()
        start = time.perf_counter()
        result = redactor.redact_body(body, "application/json", deadline=time.monotonic() + 30)
        seconds.append(time.perf_counter() - start)
        assert result.text is not None, result.dropped_reason
    return seconds


def kb_per_s(bodies: list[bytes], seconds: list[float]) -> float:
    return sum(map(len, bodies)) / 1024 / sum(seconds)


def backlog(service_s: list[float], rate_per_s: float) -> tuple[int, float]:
    """Most calls waiting at once, and the mean time from arrival to stored, at ``rate_per_s`` arrivals."""
    gap = 1 / rate_per_s
    free_at = 0.0
    finished: list[float] = []
    waits = []
    most = 0
    for index, service in enumerate(service_s):
        arrival = index * gap
        start = max(arrival, free_at)
        free_at = start + service
        finished.append(free_at)
        waits.append(free_at - arrival)
        most = max(most, sum(1 for done in finished if done > arrival))
    return most, statistics.fmean(waits)


def stock_presidio_kb_per_s(bodies: list[bytes]) -> float:
    """Presidio's defaults on a blank pipeline, one analysis and anonymisation per string value."""
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_anonymizer import AnonymizerEngine

    from lookout.redaction.offline import OfflineNlpEngine, offline_tld_extractor

    tldextract.extract = offline_tld_extractor()  # the stock e-mail check would go to the network
    analyzer = AnalyzerEngine(nlp_engine=OfflineNlpEngine(spacy.blank("en")))
    anonymizer = AnonymizerEngine()
    start = time.perf_counter()
    for body in bodies:
        for value, _ in string_values(json.loads(body)):
            anonymizer.anonymize(value, analyzer.analyze(value, language="en", score_threshold=0.3))
    return sum(map(len, bodies)) / 1024 / (time.perf_counter() - start)


def report(args: argparse.Namespace) -> dict[str, Any]:
    start = time.perf_counter()
    redactor = Redactor(RedactionSettings())
    build_s = time.perf_counter() - start
    requests = distinct_requests(args.bodies, args.size)
    timed(redactor, requests[:3], cached=False)  # warm-up
    uncached = timed(redactor, requests, cached=False)
    talk = conversation(args.turns)
    redactor.cache = RedactionCache()
    talk_cached = timed(redactor, talk, cached=True)
    talk_uncached = timed(redactor, talk, cached=False)
    # 20 calls/s: each call is one distinct ~8 KB request and its ~1 KB response.
    responses = [chat_response(paragraph(random.Random(i), 8), i) for i in range(len(requests))]
    per_call = [a + b for a, b in zip(uncached, timed(redactor, responses, cached=False), strict=True)]
    most, mean_wait = backlog(per_call, args.rate)
    figures = {
        "build_s": build_s,
        "body_kb": statistics.fmean(map(len, requests)) / 1024,
        "uncached_kb_s": kb_per_s(requests, uncached),
        "uncached_ms_p50": statistics.median(uncached) * 1000,
        "uncached_ms_max": max(uncached) * 1000,
        "conversation_kb": sum(map(len, talk)) / 1024,
        "conversation_cached_kb_s": kb_per_s(talk, talk_cached),
        "conversation_uncached_kb_s": kb_per_s(talk, talk_uncached),
        "calls_per_s": args.rate,
        "recorder_busy_share": sum(per_call) / (len(per_call) / args.rate),
        "backlog_max_calls": most,
        "arrival_to_stored_ms": mean_wait * 1000,
    }
    if args.stock:
        figures["stock_presidio_kb_s"] = stock_presidio_kb_per_s(requests[:10])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bodies", type=int, default=60, help="distinct request bodies (default 60)")
    parser.add_argument(
        "--size", type=int, default=8 * 1024, help="request body size in bytes (default 8192)"
    )
    parser.add_argument("--turns", type=int, default=10, help="turns of the conversation (default 10)")
    parser.add_argument(
        "--rate", type=float, default=20.0, help="calls per second for the backlog (default 20)"
    )
    parser.add_argument("--stock", action="store_true", help="also time stock Presidio on the same bodies")
    figures = report(parser.parse_args())
    for name, value in figures.items():
        print(f"{name:28} {value:10.2f}")


if __name__ == "__main__":
    main()
