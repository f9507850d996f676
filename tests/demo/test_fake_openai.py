"""The official openai SDK, talking straight to the fake, parses every answer as real."""

from __future__ import annotations

import base64
import struct
from collections.abc import AsyncIterator

import openai
import pytest
from openai import AsyncOpenAI

from lookout.demo.fake_server import FakeProvider

USER = [{"role": "user", "content": "Say something about caching."}]


@pytest.fixture
async def client(fake_provider: FakeProvider) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=f"{fake_provider.base_url}/v1", api_key="test", max_retries=0) as sdk:
        yield sdk


async def test_chat_completion_plain(client: AsyncOpenAI) -> None:
    completion = await client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == "gpt-4o-mini-2024-07-18"
    assert completion.system_fingerprint and completion.system_fingerprint.startswith("fp_")
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.content
    assert completion.usage is not None
    assert completion.usage.completion_tokens == len(choice.message.content.split())
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


async def test_chat_completion_is_deterministic_per_request(client: AsyncOpenAI) -> None:
    first = await client.chat.completions.create(model="gpt-4.1", messages=USER)
    again = await client.chat.completions.create(model="gpt-4.1", messages=USER)
    other = await client.chat.completions.create(
        model="gpt-4.1",
        messages=[{"role": "user", "content": "Something else entirely."}],
    )
    assert first.choices[0].message.content == again.choices[0].message.content
    assert first.id != again.id
    assert first.choices[0].message.content != other.choices[0].message.content


async def test_chat_stream_with_usage_chunk(client: AsyncOpenAI) -> None:
    stream = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=USER,
        stream=True,
        stream_options={"include_usage": True},
        extra_headers={"x-fake-chunks": "5"},
    )
    chunks = [chunk async for chunk in stream]
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(deltas) == 5
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.completion_tokens == len("".join(deltas).split())
    assert all(c.usage is None for c in chunks[:-1])


async def test_n_choices_each_with_its_own_reply_and_usage_summed(client: AsyncOpenAI) -> None:
    one = await client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    three = await client.chat.completions.create(model="gpt-4o-mini", messages=USER, n=3)
    assert [choice.index for choice in three.choices] == [0, 1, 2]
    texts = [choice.message.content or "" for choice in three.choices]
    assert len(set(texts)) == 3 and all(texts)
    assert three.usage is not None and one.usage is not None
    assert three.usage.prompt_tokens == one.usage.prompt_tokens
    assert three.usage.completion_tokens == sum(len(text.split()) for text in texts)


async def test_n_choices_streamed_one_after_another(client: AsyncOpenAI) -> None:
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, n=2, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    texts = ["", ""]
    for chunk in chunks:
        for choice in chunk.choices:
            texts[choice.index] += choice.delta.content or ""
    assert all(texts) and texts[0] != texts[1]
    finishes = [(c.choices[0].index, c.choices[0].finish_reason) for c in chunks if c.choices]
    assert [f for f in finishes if f[1]] == [(0, "stop"), (1, "stop")]
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == sum(len(text.split()) for text in texts)


@pytest.mark.parametrize("n", [0, 129])
async def test_n_out_of_range_is_a_bad_request(client: AsyncOpenAI, n: int) -> None:
    with pytest.raises(openai.BadRequestError, match="Invalid 'n'"):
        await client.chat.completions.create(model="gpt-4o-mini", messages=USER, n=n)


async def test_reasoning_model_reports_reasoning_tokens(client: AsyncOpenAI) -> None:
    completion = await client.chat.completions.create(model="o4-mini", messages=USER)
    usage = completion.usage
    assert usage is not None and usage.completion_tokens_details is not None
    reasoning = usage.completion_tokens_details.reasoning_tokens or 0
    assert reasoning > 0
    visible = len((completion.choices[0].message.content or "").split())
    assert usage.completion_tokens == visible + reasoning


async def test_max_tokens_truncates_with_length(client: AsyncOpenAI) -> None:
    completion = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=USER,
        max_completion_tokens=3,
    )
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage is not None and completion.usage.completion_tokens == 3


async def test_tool_call_streams_arguments(client: AsyncOpenAI) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    stream = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=USER,
        tools=[tool],
        stream=True,
    )
    arguments = ""
    finish = None
    async for chunk in stream:
        for call in chunk.choices[0].delta.tool_calls or []:
            arguments += (call.function.arguments or "") if call.function else ""
        finish = chunk.choices[0].finish_reason or finish
    assert finish == "tool_calls"
    assert arguments == '{"city": "Paris"}'


async def test_in_stream_error_raises_api_error(client: AsyncOpenAI) -> None:
    stream = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=USER,
        stream=True,
        extra_headers={"x-fake-stream-error": "1"},
    )
    received = []
    with pytest.raises(openai.APIError, match="server had an error"):
        async for chunk in stream:
            received.append(chunk)
    assert received


async def test_rate_limit_error(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=USER,
            extra_headers={"x-fake-status": "429"},
        )
    assert caught.value.code == "rate_limit_exceeded"
    assert "Rate limit reached for gpt-4o-mini" in caught.value.message
    assert "Please try again in 222ms" in caught.value.message
    assert caught.value.request_id and caught.value.request_id.startswith("req_")


async def test_context_length_error(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=USER,
            extra_headers={"x-fake-status": "400"},
        )
    assert caught.value.code == "context_length_exceeded"


async def test_responses_plain(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-4.1", input="Explain caching.")
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert response.model == "gpt-4.1-2025-04-14"
    assert response.output_text
    assert response.usage is not None
    assert response.usage.output_tokens == len(response.output_text.split())
    assert response.usage.input_tokens_details.cached_tokens == 0
    assert response.usage.output_tokens_details.reasoning_tokens == 0


async def test_responses_stream_event_sequence(client: AsyncOpenAI) -> None:
    stream = await client.responses.create(
        model="gpt-4.1",
        input="Explain caching.",
        stream=True,
        extra_headers={"x-fake-chunks": "3"},
    )
    events = [event async for event in stream]
    kinds = [event.type for event in events]
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    completed = events[-1]
    assert completed.type == "response.completed"
    assert completed.response.usage is not None
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert completed.response.output_text == text


async def test_responses_reasoning_model_and_failure(client: AsyncOpenAI) -> None:
    stream = await client.responses.create(
        model="o4-mini",
        input="Think first.",
        stream=True,
        extra_headers={"x-fake-stream-error": "1"},
    )
    events = [event async for event in stream]
    assert events[2].type == "response.output_item.added"
    assert events[2].item.type == "reasoning"
    failed = events[-1]
    assert failed.type == "response.failed"
    assert failed.response.status == "failed"
    assert failed.response.error is not None and failed.response.error.code == "server_error"
    assert failed.sequence_number == events[-2].sequence_number + 1


async def test_embeddings_float_and_base64(client: AsyncOpenAI) -> None:
    floats = await client.embeddings.create(
        model="text-embedding-3-small", input=["a", "b"], encoding_format="float"
    )
    assert [d.index for d in floats.data] == [0, 1]
    assert len(floats.data[0].embedding) == 1536
    assert floats.usage.prompt_tokens == 2
    raw = await client.with_raw_response.embeddings.create(
        model="text-embedding-3-small", input="a", encoding_format="base64", dimensions=8
    )
    packed = raw.http_response.json()["data"][0]["embedding"]
    decoded = struct.unpack("<8f", base64.b64decode(packed))
    expected = (
        (
            await client.embeddings.create(
                model="text-embedding-3-small", input="a", dimensions=8, encoding_format="float"
            )
        )
        .data[0]
        .embedding
    )
    assert decoded == pytest.approx(expected, abs=1e-6)


async def test_image_generation_returns_png(client: AsyncOpenAI) -> None:
    images = await client.images.generate(model="gpt-image-1", prompt="a lighthouse")
    assert images.data and images.data[0].b64_json
    assert base64.b64decode(images.data[0].b64_json).startswith(b"\x89PNG\r\n\x1a\n")
    assert images.usage is not None and images.usage.input_tokens > 0


async def test_legacy_completions_and_models(client: AsyncOpenAI) -> None:
    completion = await client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Once upon a time", max_tokens=5
    )
    assert completion.object == "text_completion"
    assert completion.choices[0].finish_reason == "length"
    stream = await client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Once", max_tokens=50, stream=True
    )
    pieces = [chunk.choices[0].text async for chunk in stream]
    assert "".join(pieces)
    models = [model.id async for model in client.models.list()]
    assert "gpt-4o-mini" in models
