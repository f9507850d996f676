"""Stream assembly: every streamed fixture stored as the message its chunks delivered.

Each format's streams are compared with the whole object expected; then the
robustness sweep from test_robustness is repeated for assembly: every
truncation, corrupted and hostile bodies, all of which must give ``None`` or
strict, compact JSON, and never raise.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from lookout.providers.assemble import assemble_stream
from tests.providers import payloads as p
from tests.providers.sample import JSON, NDJSON, SSE, Sample, data, event

Json = dict[str, Any]  # decoded test output, indexed freely
SAMPLE_TYPE = "the sample's own content type"


def assemble(
    sample: Sample, body: bytes | None = None, content_type: str | None = SAMPLE_TYPE
) -> Json | None:
    """The assembled body of ``sample`` (or of ``body``), decoded and checked to be strict JSON."""
    out = assemble_stream(
        path=sample.path,
        response_content_type=sample.content_type if content_type == SAMPLE_TYPE else content_type,
        response_body=sample.body if body is None else body,
    )
    return None if out is None else strict_json(out)


def strict_json(out: bytes) -> Json:
    def reject(constant: str) -> object:
        raise AssertionError(f"not JSON: {constant}")

    value = json.loads(out.decode("utf-8"), parse_constant=reject)
    assert isinstance(value, dict)
    assert out == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return value


def sse(*events: bytes) -> bytes:
    return b"".join(data(payload) for payload in events)


# --- OpenAI chat and legacy completions ---------------------------------------------


def test_chat_stream_becomes_a_chat_completion_with_usage() -> None:
    assert assemble(p.OPENAI_CHAT_STREAM) == {
        "object": "chat.completion",
        "id": "chatcmpl-C1a2",
        "created": 1764000000,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_51db84afab",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hello there!"}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": 11,
            "completion_tokens": 3,
            "total_tokens": 14,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
    }


def test_chat_stream_without_usage_has_no_usage() -> None:
    assembled = assemble(p.OPENAI_CHAT_STREAM_NO_USAGE)
    assert assembled is not None
    assert "usage" not in assembled
    assert assembled["choices"] == [
        {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}
    ]


def test_chat_tool_call_arguments_are_joined() -> None:
    assembled = assemble(p.OPENAI_TOOL_STREAM)
    assert assembled is not None
    assert assembled["choices"] == [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_Qx7",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                    }
                ],
            },
            "finish_reason": "tool_calls",
        }
    ]


def test_parallel_tool_calls_and_choices_are_kept_apart_by_index() -> None:
    first_calls = (
        b'[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{\\"x\\""}},'
        b'{"index":1,"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]'
    )
    body = sse(
        b'{"id":"c","choices":[{"index":1,"delta":{"content":"B"}},'
        b'{"index":0,"delta":{"tool_calls":' + first_calls + b"}}]}",
        b'{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}',
        b'{"choices":[{"index":1,"delta":{"content":"!"},"finish_reason":"stop"}]}',
        b"[DONE]",
    )
    assembled = assemble(p.OPENAI_TOOL_STREAM, body)
    assert assembled is not None
    first, second = assembled["choices"]
    assert [call["function"] for call in first["message"]["tool_calls"]] == [
        {"name": "f", "arguments": '{"x":1}'},
        {"name": "g", "arguments": "{}"},
    ]
    assert [call["id"] for call in first["message"]["tool_calls"]] == ["a", "b"]
    assert second == {"index": 1, "message": {"role": "assistant", "content": "B!"}, "finish_reason": "stop"}


def test_reasoning_and_refusal_deltas_are_joined_under_their_own_names() -> None:
    body = sse(
        b'{"choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Think"}}]}',
        b'{"choices":[{"index":0,"delta":{"reasoning_content":"ing"}}]}',
        b'{"choices":[{"index":0,"delta":{"refusal":"I can\'t"}}]}',
        b'{"choices":[{"index":0,"delta":{"refusal":" help."},"finish_reason":"stop"}]}',
    )
    assembled = assemble(p.OPENAI_CHAT_STREAM, body)
    assert assembled is not None
    assert assembled["choices"][0]["message"] == {
        "role": "assistant",
        "content": None,
        "refusal": "I can't help.",
        "reasoning_content": "Thinking",
    }
    openrouter = assemble(p.OPENROUTER_STREAM)
    assert openrouter is not None
    assert openrouter["choices"][0]["message"] == {
        "role": "assistant",
        "content": "42",
        "reasoning": "Let me think",
    }
    assert openrouter["usage"]["completion_tokens"] == 30


def test_legacy_function_call_is_assembled() -> None:
    body = sse(
        b'{"choices":[{"index":0,"delta":{"role":"assistant","function_call":{"name":"f","arguments":""}}}]}',
        b'{"choices":[{"index":0,"delta":{"function_call":{"arguments":"{}"}},"finish_reason":"function_call"}]}',
    )
    assembled = assemble(p.OPENAI_CHAT_STREAM, body)
    assert assembled is not None
    assert assembled["choices"][0]["message"]["function_call"] == {"name": "f", "arguments": "{}"}


def test_groq_usage_comes_from_its_extension() -> None:
    assembled = assemble(p.GROQ_STREAM)
    assert assembled is not None
    assert assembled["choices"][0]["message"]["content"] == "Yo"
    assert assembled["usage"]["prompt_tokens"] == 40
    assert assembled["usage"]["completion_tokens"] == 2


def test_chat_stream_error_is_kept_with_the_text_before_it() -> None:
    assembled = assemble(p.OPENAI_STREAM_ERROR)
    assert assembled is not None
    assert assembled["choices"][0]["message"]["content"] == "Par"
    assert assembled["choices"][0]["finish_reason"] is None
    assert assembled["error"] == {
        "message": "The server had an error while processing your request.",
        "type": "server_error",
        "param": None,
        "code": None,
    }


def test_flat_vllm_stream_error_is_kept() -> None:
    body = sse(b'{"object":"error","message":"boom","type":"BadRequestError","code":400}')
    assert assemble(p.OPENAI_CHAT_STREAM, body) == {
        "object": "chat.completion",
        "choices": [],
        "error": {"message": "boom", "type": "BadRequestError", "code": 400},
    }


def test_legacy_completion_text_is_joined() -> None:
    assert assemble(p.OPENAI_LEGACY_COMPLETION_STREAM) == {
        "object": "text_completion",
        "id": "cmpl-8",
        "created": 1764000000,
        "model": "gpt-3.5-turbo-instruct",
        "choices": [{"index": 0, "text": " upon", "finish_reason": "length"}],
    }


# --- OpenAI Responses API ------------------------------------------------------------


def test_responses_stream_keeps_the_completed_response_and_fills_its_empty_output() -> None:
    assembled = assemble(p.OPENAI_RESPONSES_STREAM)
    assert assembled is not None
    assert (assembled["id"], assembled["status"]) == ("resp_68a", "completed")
    assert assembled["usage"]["output_tokens"] == 4
    assert assembled["output"] == [
        {
            "id": "msg_1",
            "type": "message",
            "status": "in_progress",
            "content": [{"type": "output_text", "text": "Quiet pond"}],
            "role": "assistant",
        }
    ]


def test_responses_final_output_is_used_as_sent() -> None:
    output = b'[{"type":"message","id":"msg_1","content":[{"type":"output_text","text":"Whole"}]}]'
    body = sse(
        b'{"type":"response.output_text.delta","output_index":0,"content_index":0,"delta":"Wh"}',
        b'{"type":"response.completed","response":{"id":"r","status":"completed","output":' + output + b"}}",
    )
    assert assemble(p.OPENAI_RESPONSES_STREAM, body) == {
        "id": "r",
        "status": "completed",
        "output": json.loads(output),
    }


def test_responses_stream_cut_before_completion_assembles_the_function_call() -> None:
    assembled = assemble(p.OPENAI_RESPONSES_TOOL_STREAM)
    assert assembled is not None
    assert assembled["status"] == "in_progress"
    assert assembled["output"] == [
        {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"city":"Oslo"}',
            "status": "in_progress",
        }
    ]


def test_responses_output_item_done_replaces_the_deltas() -> None:
    done = b'{"type":"message","id":"m","status":"completed","content":[{"type":"output_text","text":"AB"}]}'
    body = sse(
        b'{"type":"response.output_item.added","output_index":0,"item":{"type":"message","id":"m"}}',
        b'{"type":"response.output_text.delta","output_index":0,"content_index":0,"delta":"A"}',
        b'{"type":"response.refusal.delta","output_index":1,"content_index":0,"delta":"No"}',
        b'{"type":"response.output_item.done","output_index":0,"item":' + done + b"}",
    )
    assert assemble(p.OPENAI_RESPONSES_STREAM, body) == {
        "object": "response",
        "output": [
            json.loads(done),
            {"type": "message", "role": "assistant", "content": [{"type": "refusal", "refusal": "No"}]},
        ],
    }


def test_responses_failed_and_incomplete_streams() -> None:
    failed = assemble(p.OPENAI_RESPONSES_FAILED_STREAM)
    assert failed is not None
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "server_error", "message": "The model failed to respond."}
    incomplete = assemble(p.OPENAI_RESPONSES_INCOMPLETE_STREAM)
    assert incomplete is not None
    assert incomplete["incomplete_details"] == {"reason": "max_output_tokens"}
    assert incomplete["output"] == [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Once"}]}
    ]


def test_responses_error_event_is_kept() -> None:
    assert assemble(p.OPENAI_RESPONSES_ERROR_EVENT) == {
        "object": "response",
        "output": [],
        "error": {"code": "rate_limit_exceeded", "message": "Slow down.", "param": None},
    }
    nested = sse(b'{"type":"error","error":{"type":"server_error","message":"x"}}')
    assert assemble(p.OPENAI_RESPONSES_STREAM, nested) == {
        "object": "response",
        "output": [],
        "error": {"type": "server_error", "message": "x"},
    }


# --- Anthropic -----------------------------------------------------------------------

_ANTHROPIC_HEAD = {
    "id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "stop_sequence": None,
}
_START_USAGE = {"input_tokens": 25, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 1500}


def test_anthropic_stream_becomes_a_message() -> None:
    assert assemble(p.ANTHROPIC_STREAM) == {
        **_ANTHROPIC_HEAD,
        "content": [{"type": "text", "text": "Hello!"}],
        "stop_reason": "end_turn",
        "usage": {**_START_USAGE, "output_tokens": 15},
    }


def test_anthropic_tool_input_is_parsed_from_its_fragments() -> None:
    assembled = assemble(p.ANTHROPIC_TOOL_STREAM)
    assert assembled is not None
    assert assembled["content"] == [
        {
            "type": "tool_use",
            "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "name": "get_weather",
            "input": {"location": "Paris"},
        }
    ]
    assert assembled["stop_reason"] == "tool_use"


def test_anthropic_tool_input_cut_short_keeps_the_raw_text() -> None:
    sample = p.ANTHROPIC_TOOL_STREAM
    assembled = assemble(sample, b"".join(sample.parts[:4])[:-40] + b"\n\n")
    assert assembled is not None
    assert assembled["content"][0]["input"] == {}  # the cut delta did not decode
    fragment = (
        b'{"type":"content_block_delta","index":0,'
        b'"delta":{"type":"input_json_delta","partial_json":"{\\"a\\": 1"}}'
    )
    assembled = assemble(sample, b"".join(sample.parts[:2]) + event(b"content_block_delta", fragment))
    assert assembled is not None
    assert assembled["content"][0]["input"] == '{"a": 1'


def test_anthropic_thinking_and_signature() -> None:
    assert assemble(p.ANTHROPIC_THINKING_STREAM) == {
        **_ANTHROPIC_HEAD,
        "content": [
            {
                "type": "thinking",
                "thinking": "First, 27 * 453...",
                "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h",
            }
        ],
        "stop_reason": "end_turn",
        "usage": {**_START_USAGE, "output_tokens": 420, "output_tokens_details": {"thinking_tokens": 380}},
    }


def test_anthropic_blocks_are_ordered_by_index_and_citations_collected() -> None:
    body = b"".join(
        event(name, payload)
        for name, payload in (
            (
                b"content_block_delta",
                b'{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"B"}}',
            ),
            (
                b"content_block_delta",
                b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"A"}}',
            ),
            (
                b"content_block_delta",
                b'{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"n":1}}}',
            ),
            (
                b"message_delta",
                b'{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}',
            ),
        )
    )
    assert assemble(p.ANTHROPIC_STREAM, body) == {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "citations": [{"n": 1}], "text": "A"}, {"type": "text", "text": "B"}],
        "stop_reason": "end_turn",
        "usage": {"output_tokens": 2},
    }


def test_anthropic_error_event_is_kept() -> None:
    assert assemble(p.ANTHROPIC_STREAM_ERROR) == {
        **_ANTHROPIC_HEAD,
        "content": [],
        "stop_reason": None,
        "usage": {**_START_USAGE, "output_tokens": 1},
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert assemble(p.ANTHROPIC_STREAM, b"event: error\ndata: upstream gone\n\n") == {
        "type": "message",
        "role": "assistant",
        "content": [],
        "error": {"message": "upstream gone"},
    }


# --- Gemini --------------------------------------------------------------------------


def test_gemini_sse_stream_merges_text_and_keeps_the_last_usage() -> None:
    assert assemble(p.GEMINI_STREAM_SSE) == {
        "candidates": [
            {"content": {"parts": [{"text": "One, two, three."}], "role": "model"}, "finishReason": "STOP"}
        ],
        "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 6, "totalTokenCount": 14},
        "modelVersion": "gemini-2.0-flash",
        "responseId": "Xw9oaJ",
    }


def test_gemini_json_array_stream_keeps_function_calls() -> None:
    assert assemble(p.GEMINI_STREAM_ARRAY) == {
        "candidates": [
            {
                "content": {
                    "parts": [
                        {"thought": True, "text": ""},
                        {"functionCall": {"name": "lookup", "args": {"q": "café"}}},
                    ],
                    "role": "model",
                },
                "finishReason": "STOP",
            }
        ],
        "modelVersion": "gemini-2.0-flash",
        "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 7, "totalTokenCount": 37},
    }


def test_gemini_thoughts_stay_apart_from_the_answer_and_candidates_by_index() -> None:
    def chunk(parts: str, candidate: str = "") -> bytes:
        return b'{"candidates":[{"content":{"parts":[%s],"role":"model"}%s}]}' % (
            parts.encode(),
            candidate.encode(),
        )

    body = sse(
        chunk('{"text":"Hm","thought":true}', ',"index":0'),
        chunk('{"text":"m","thought":true}'),
        chunk('{"text":"Yes"}'),
        chunk('{"text":"."}', ',"safetyRatings":[{"category":"X"}]'),
        chunk('{"text":"Other"}', ',"index":1,"finishReason":"STOP"'),
        chunk('{"text":"","thoughtSignature":"sig"}', ',"finishReason":"STOP"'),
    )
    assembled = assemble(p.GEMINI_STREAM_SSE, body)
    assert assembled is not None
    first, second = assembled["candidates"]
    assert first["content"]["parts"] == [
        {"text": "Hmm", "thought": True},
        {"text": "Yes.", "thoughtSignature": "sig"},
    ]
    assert (first["finishReason"], first["safetyRatings"]) == ("STOP", [{"category": "X"}])
    assert second == {
        "content": {"parts": [{"text": "Other"}], "role": "model"},
        "index": 1,
        "finishReason": "STOP",
    }


def test_gemini_blocked_stream_has_only_the_prompt_feedback() -> None:
    body = sse(b'{"promptFeedback":{"blockReason":"SAFETY"},"modelVersion":"gemini-2.5-pro"}')
    assert assemble(p.GEMINI_STREAM_SSE, body) == {
        "promptFeedback": {"blockReason": "SAFETY"},
        "modelVersion": "gemini-2.5-pro",
    }


def test_gemini_error_array_keeps_its_error() -> None:
    assert assemble(p.GEMINI_ARRAY_HTTP_ERROR) == {
        "error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}
    }


# --- Ollama --------------------------------------------------------------------------


def test_ollama_chat_stream_becomes_the_final_object_with_all_the_text() -> None:
    assert assemble(p.OLLAMA_CHAT_STREAM) == {
        "model": "llama3.2",
        "created_at": "2025-10-26T17:15:24.166576Z",
        "message": {"role": "assistant", "content": "The sky"},
        "done": True,
        "done_reason": "stop",
        "total_duration": 4883583458,
        "load_duration": 1334875,
        "prompt_eval_count": 26,
        "prompt_eval_duration": 342546000,
        "eval_count": 282,
        "eval_duration": 4535599000,
    }


def test_ollama_generate_stream_joins_response_and_thinking() -> None:
    assert assemble(p.OLLAMA_GENERATE_STREAM) == {
        "model": "gemma3",
        "created_at": "2025-10-26T17:15:24.20Z",
        "response": "Because",
        "done": True,
        "done_reason": "length",
        "context": [1, 2, 3],
        "prompt_eval_count": 15,
        "eval_count": 128,
        "thinking": "Hmm",
    }


def test_ollama_tool_calls_are_collected() -> None:
    assembled = assemble(p.OLLAMA_TOOL_STREAM)
    assert assembled is not None
    assert assembled["message"] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Tokyo"}}}],
    }


def test_ollama_stream_error_is_kept() -> None:
    assert assemble(p.OLLAMA_STREAM_ERROR) == {
        "model": "gemma3",
        "created_at": "2025-10-26T17:21:21.196249Z",
        "response": " Yes",
        "done": False,
        "error": "an error was encountered while running the model",
    }
    only_error = b'{"error":"model crashed"}\n'
    assert assemble(p.OLLAMA_CHAT_STREAM, only_error) == {"error": "model crashed"}


def test_ollama_stream_without_content_type_is_recognised_by_its_first_chunk() -> None:
    assembled = assemble(p.OLLAMA_CHAT_STREAM, content_type=None)
    assert assembled is not None
    assert assembled["message"]["content"] == "The sky"
    assert assemble(p.OLLAMA_CHAT_STREAM, content_type=JSON) is None


# --- What is not a stream ------------------------------------------------------------


@pytest.mark.parametrize(
    "sample",
    [*p.PLAIN, *(sample for sample in p.HTTP_ERRORS if sample is not p.GEMINI_ARRAY_HTTP_ERROR)],
    ids=lambda sample: sample.name,
)
def test_plain_bodies_are_not_assembled(sample: Sample) -> None:
    assert assemble(sample) is None
    assert assemble(sample, content_type=None) is None


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/v1/images/generations", SSE, p.OPENAI_IMAGE_STREAM.body),  # not a message format
        ("/v1/embeddings", SSE, p.OPENAI_CHAT_STREAM.body),
        ("/v2/unknown", SSE, p.OPENAI_CHAT_STREAM.body),
        ("/v1/chat/completions", SSE, b""),
        ("/v1/chat/completions", SSE, sse(b"[DONE]")),
        ("/v1/messages", SSE, b": keep-alive\n\n"),
        ("/v1beta/models/gemini-2.0-flash:generateContent", SSE, p.GEMINI_STREAM_SSE.body),
        ("/v1beta/models/gemini-2.0-flash:streamGenerateContent", JSON, b"[]"),
        ("/api/chat", NDJSON, b"not json\n"),
        ("/api/embed", NDJSON, p.OLLAMA_CHAT_STREAM.body),
    ],
)
def test_bodies_that_are_no_assemblable_stream(path: str, content_type: str, body: bytes) -> None:
    assert assemble_stream(path=path, response_content_type=content_type, response_body=body) is None


def test_sse_is_recognised_without_its_content_type_and_paths_may_end_in_a_slash() -> None:
    out = assemble_stream(
        path="/v1/chat/completions/", response_content_type=None, response_body=p.OPENAI_CHAT_STREAM.body
    )
    assert out is not None
    assert strict_json(out)["choices"][0]["message"]["content"] == "Hello there!"


def test_output_is_compact_utf8() -> None:
    out = assemble_stream(
        path=p.GEMINI_STREAM_ARRAY.path, response_content_type=JSON, response_body=p.GEMINI_STREAM_ARRAY.body
    )
    assert out is not None
    assert "café".encode() in out
    assert b": " not in out and b", " not in out


# --- Robustness ----------------------------------------------------------------------

TEXT_OF: dict[str, Callable[[Json], object]] = {
    p.OPENAI_CHAT_STREAM.name: lambda value: value["choices"][0]["message"]["content"],
    p.OPENAI_LEGACY_COMPLETION_STREAM.name: lambda value: value["choices"][0]["text"],
    p.ANTHROPIC_STREAM.name: lambda value: value["content"][0]["text"],
    p.GEMINI_STREAM_SSE.name: lambda value: value["candidates"][0]["content"]["parts"][0]["text"],
    p.OLLAMA_CHAT_STREAM.name: lambda value: value["message"]["content"],
    p.OLLAMA_GENERATE_STREAM.name: lambda value: value["response"],
}


@pytest.mark.parametrize("sample", p.ALL, ids=lambda sample: sample.name)
def test_every_truncation_assembles_or_gives_none(sample: Sample) -> None:
    for cut in range(len(sample.body) + 1):
        assemble(sample, sample.body[:cut])


@pytest.mark.parametrize("name", sorted(TEXT_OF))
def test_truncated_text_is_a_prefix_of_the_whole_text(name: str) -> None:
    sample = next(sample for sample in p.STREAMS if sample.name == name)
    text_of = TEXT_OF[name]
    whole = assemble(sample)
    assert whole is not None
    full_text = text_of(whole)
    assert isinstance(full_text, str) and full_text
    for cut in range(len(sample.body) + 1):
        assembled = assemble(sample, sample.body[:cut])
        try:
            text = text_of(assembled) if assembled is not None else ""
        except (KeyError, IndexError):
            continue  # cut before the text's container arrived
        assert isinstance(text, str) and full_text.startswith(text)


@pytest.mark.parametrize("sample", p.STREAMS, ids=lambda sample: sample.name)
def test_corrupted_streams_never_raise(sample: Sample) -> None:
    rng = random.Random(sample.name)
    for _ in range(200):
        mutated = bytearray(sample.body)
        for _ in range(rng.randrange(1, 6)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        assemble(sample, bytes(mutated))


HOSTILE_VALUES = [b"1e999", b"NaN", b"-5", b"true", b'"12"', b"3.5", b"null", b"[1]", b"{}", b'"\\ud800"']


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=lambda value: value[:12].decode())
@pytest.mark.parametrize("sample", p.STREAMS, ids=lambda sample: sample.name)
def test_hostile_json_values_in_every_field(sample: Sample, value: bytes) -> None:
    body = sample.body
    start = 0
    while (colon := body.find(b":", start)) != -1:
        end = colon + 1
        while end < len(body) and body[end : end + 1] not in b",}]\n":
            end += 1
        assemble(sample, body[: colon + 1] + value + body[end:])
        start = colon + 1


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20251201)
    alphabet = b'{}[]":,\n\r data:event: \\u00e9\\ud800\xff\xc3' + bytes(range(32, 127))
    paths = sorted({sample.path for sample in p.STREAMS})
    for _ in range(2000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))
        sample = Sample(name="random", path=rng.choice(paths), request=b"{}", parts=(body,))
        assemble(sample, content_type=rng.choice([SSE, JSON, NDJSON, None]))


def test_lone_surrogates_are_stored_as_valid_utf8() -> None:
    body = sse(
        b'{"choices":[{"index":0,"delta":{"content":"a\\ud83d"}}]}',
        b'{"choices":[{"delta":{"content":"b"}}]}',
    )
    assembled = assemble(p.OPENAI_CHAT_STREAM, body)
    assert assembled is not None
    assert assembled["choices"][0]["message"]["content"] == "a?b"


@pytest.mark.parametrize(
    "body",
    [
        b"data: " + b"[" * 200_000 + b"\n\n",
        b'data: {"choices":[{"delta":{"content":"x"}}],"usage":{"a":' + b"[" * 980 + b"]" * 980 + b"}}\n\n",
        b"[" + b'{"a":' * 100_000,
        b"\n" * 100_000,
        b"data:\n" * 50_000,
    ],
    ids=["deep-sse", "near-recursion-limit", "deep-array", "blank-lines", "empty-data-lines"],
)
def test_pathological_bodies(body: bytes) -> None:
    for sample in (p.OPENAI_CHAT_STREAM, p.ANTHROPIC_STREAM, p.GEMINI_STREAM_ARRAY, p.OLLAMA_CHAT_STREAM):
        assemble(sample, body)
