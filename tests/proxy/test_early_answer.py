"""A small answer that arrives whole is written to the client from the upstream's parser callback.

The engine runs on in-memory transports here (``bench_hotpath``'s wiring), so each
test can see exactly when a write happens relative to the event loop's turns.
"""

from __future__ import annotations

import asyncio

from lookout.core.models import Exchange
from tests.proxy.bench_hotpath import ANSWER, REQUEST, RESPONSE, MemoryTransport, wire_engine


async def turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_an_answer_that_arrives_whole_is_written_before_the_calls_task_wakes() -> None:
    got: list[bytes] = []
    records: list[Exchange] = []
    client, upstream = wire_engine(lambda _: None, got.append, records.append)
    for call in range(2):  # the connections are reused: keep-alive holds on both sides
        client.data_received(REQUEST)
        await turns()  # the call's task now waits for the head
        upstream.data_received(RESPONSE)
        assert len(got) == call + 1, "the answer was not written from the parser callback"
        assert got[-1].startswith(b"HTTP/1.1 200 OK\r\n") and got[-1].endswith(b"\r\n\r\n" + ANSWER)
        await turns()
        assert len(records) == call + 1
    for record in records:
        assert record.outcome == "ok" and record.status_code == 200
        assert record.response_body == ANSWER and record.response_bytes == len(ANSWER)
        assert record.latency_ms is not None and record.latency_ms > 0
        assert dict(record.response_headers)["x-request-id"] == "req_123"


async def test_an_answer_whose_head_comes_first_is_relayed_by_the_task_once() -> None:
    got: list[bytes] = []
    records: list[Exchange] = []
    client, upstream = wire_engine(lambda _: None, got.append, records.append)
    head, body = RESPONSE.split(b"\r\n\r\n", 1)
    client.data_received(REQUEST)
    await turns()
    upstream.data_received(head + b"\r\n\r\n")
    await turns()  # the task wakes for the head and reads the body itself from here
    assert got == []
    upstream.data_received(body)
    await turns()
    sent = b"".join(got)
    assert sent.count(b"HTTP/1.1 200 OK") == 1 and sent.endswith(b"\r\n\r\n" + ANSWER)
    [record] = records
    assert record.outcome == "ok" and record.response_body == ANSWER


class LeavingClient(MemoryTransport):
    """A client transport that can be closing before its connection_lost has run."""

    leaving = False

    def is_closing(self) -> bool:
        return self.leaving

    def close(self) -> None:
        self.leaving = True


async def test_an_answer_that_arrives_whole_after_the_client_left_is_recorded_as_aborted() -> None:
    got: list[bytes] = []
    records: list[Exchange] = []
    transport = LeavingClient(got.append)
    client, upstream = wire_engine(lambda _: None, got.append, records.append, transport)
    client.data_received(REQUEST)
    await turns()
    transport.leaving = True
    upstream.data_received(RESPONSE)
    await turns()
    assert got == []
    [record] = records
    assert record.outcome == "client_aborted" and record.status_code == 200
