"""Captured exchanges: OpenAI chat and legacy completions, from OpenAI and compatible servers."""

from __future__ import annotations

from tests.providers.sample import SSE, Sample, data

_CHUNK = b'{"id":"chatcmpl-C1a2","object":"chat.completion.chunk","created":1764000000,'
_MINI = b'"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_51db84afab",'

OPENAI_CHAT = Sample(
    name="openai-chat",
    path="/v1/chat/completions",
    request=b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hi"}]}',
    parts=(
        b'{\n  "id": "chatcmpl-C1a2",\n  "object": "chat.completion",\n  "created": 1764000000,\n'
        b'  "model": "gpt-4o-mini-2024-07-18",\n  "choices": [\n    {\n      "index": 0,\n'
        b'      "message": {"role": "assistant", "content": "Hi!", "refusal": null,'
        b' "annotations": []},\n      "logprobs": null,\n      "finish_reason": "stop"\n'
        b'    }\n  ],\n  "usage": {\n    "prompt_tokens": 9,\n    "completion_tokens": 3,\n'
        b'    "total_tokens": 12,\n    "prompt_tokens_details": {"cached_tokens": 0,'
        b' "audio_tokens": 0},\n    "completion_tokens_details": {"reasoning_tokens": 0,'
        b' "audio_tokens": 0, "accepted_prediction_tokens": 0,'
        b' "rejected_prediction_tokens": 0}\n  },\n  "service_tier": "default",\n'
        b'  "system_fingerprint": "fp_51db84afab"\n}\n',
    ),
)

OPENAI_REASONING_CHAT = Sample(
    name="openai-chat-reasoning-cached",
    path="/v1/chat/completions",
    request=b'{"model":"o4-mini","messages":[{"role":"user","content":"Plan a trip"}]}',
    parts=(
        b'{"id":"chatcmpl-C9","object":"chat.completion","created":1764000100,'
        b'"model":"o4-mini-2025-04-16","choices":[{"index":0,"message":{"role":"assistant",'
        b'"content":"Day 1: ..."},"finish_reason":"length"}],"usage":{"prompt_tokens":2048,'
        b'"completion_tokens":900,"total_tokens":2948,"prompt_tokens_details":'
        b'{"cached_tokens":1920,"cache_write_tokens":64},"completion_tokens_details":'
        b'{"reasoning_tokens":640}}}',
    ),
)

OPENAI_CHAT_STREAM = Sample(
    name="openai-chat-stream-usage",
    path="/v1/chat/completions",
    request=b'{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},'
    b'"messages":[{"role":"user","content":"Say hello"}]}',
    content_type=SSE,
    parts=(
        data(
            _CHUNK + _MINI + b'"choices":[{"index":0,"delta":{"role":"assistant","content":"",'
            b'"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}'
        ),
        data(
            _CHUNK + _MINI + b'"choices":[{"index":0,"delta":{"content":"Hello"},'
            b'"logprobs":null,"finish_reason":null}],"usage":null}'
        ),
        data(
            _CHUNK + _MINI + b'"choices":[{"index":0,"delta":{"content":" there!"},'
            b'"logprobs":null,"finish_reason":null}],"usage":null}'
        ),
        data(
            _CHUNK + _MINI + b'"choices":[{"index":0,"delta":{},"logprobs":null,'
            b'"finish_reason":"stop"}],"usage":null}'
        ),
        data(
            _CHUNK + _MINI + b'"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3,'
            b'"total_tokens":14,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},'
            b'"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,'
            b'"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}'
        ),
        data(b"[DONE]"),
    ),
    first_content=1,
)

OPENAI_CHAT_STREAM_NO_USAGE = Sample(
    name="openai-chat-stream-no-usage",
    path="/v1/chat/completions",
    request=b'{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}',
    content_type=SSE,
    parts=(
        data(
            _CHUNK + _MINI + b'"choices":[{"index":0,"delta":{"role":"assistant","content":""},'
            b'"finish_reason":null}]}'
        ),
        data(_CHUNK + _MINI + b'"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}'),
        data(_CHUNK + _MINI + b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}'),
        data(b"[DONE]"),
    ),
    first_content=1,
)

OPENAI_TOOL_STREAM = Sample(
    name="openai-chat-stream-tool-call",
    path="/v1/chat/completions",
    request=b'{"model":"gpt-4.1","stream":true,"tools":[{"type":"function","function":'
    b'{"name":"get_weather","parameters":{"type":"object"}}}],"messages":[]}',
    content_type=SSE,
    parts=(
        data(
            _CHUNK + b'"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{"role":'
            b'"assistant","content":null},"finish_reason":null}]}'
        ),
        data(
            _CHUNK + b'"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{"tool_calls":'
            b'[{"index":0,"id":"call_Qx7","type":"function","function":{"name":"get_weather",'
            b'"arguments":""}}]},"finish_reason":null}]}'
        ),
        data(
            _CHUNK + b'"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{"tool_calls":'
            b'[{"index":0,"function":{"arguments":"{\\"city\\":\\"Oslo\\"}"}}]},'
            b'"finish_reason":null}]}'
        ),
        data(
            _CHUNK + b'"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{},'
            b'"finish_reason":"tool_calls"}]}'
        ),
        data(b"[DONE]"),
    ),
    first_content=1,
)

# OpenRouter: keep-alive comments, a reasoning delta, usage on the last chunk.
OPENROUTER_STREAM = Sample(
    name="openrouter-stream",
    path="/api/v1/chat/completions",
    request=b'{"model":"deepseek/deepseek-r1","stream":true,"messages":[]}',
    content_type=SSE,
    parts=(
        b": OPENROUTER PROCESSING\n\n",
        data(
            b'{"id":"gen-17","provider":"DeepInfra","model":"deepseek/deepseek-r1",'
            b'"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant",'
            b'"content":"","reasoning":"Let me think"},"finish_reason":null}]}'
        ),
        data(
            b'{"id":"gen-17","model":"deepseek/deepseek-r1","object":"chat.completion.chunk",'
            b'"choices":[{"index":0,"delta":{"content":"42"},"finish_reason":"stop"}],'
            b'"usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42,'
            b'"completion_tokens_details":{"reasoning_tokens":28}}}'
        ),
        data(b"[DONE]"),
    ),
    first_content=1,
)

GROQ_STREAM = Sample(
    name="groq-stream-x-groq-usage",
    path="/openai/v1/chat/completions",
    request=b'{"model":"llama-3.3-70b-versatile","stream":true,"messages":[]}',
    content_type=SSE,
    parts=(
        data(
            b'{"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1764000000,'
            b'"model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{"role":"assistant",'
            b'"content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01"}}'
        ),
        data(
            b'{"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1764000000,'
            b'"model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{"content":"Yo"},'
            b'"logprobs":null,"finish_reason":null}]}'
        ),
        data(
            b'{"id":"chatcmpl-9f","object":"chat.completion.chunk","created":1764000000,'
            b'"model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{},"logprobs":null,'
            b'"finish_reason":"stop"}],"x_groq":{"id":"req_01","usage":{"queue_time":0.02,'
            b'"prompt_tokens":40,"prompt_time":0.002,"completion_tokens":2,'
            b'"completion_time":0.001,"total_tokens":42,"total_time":0.003}}}'
        ),
        data(b"[DONE]"),
    ),
    first_content=1,
)

OPENAI_STREAM_ERROR = Sample(
    name="openai-chat-stream-error",
    path="/v1/chat/completions",
    request=b'{"model":"gpt-4o","stream":true,"messages":[]}',
    content_type=SSE,
    parts=(
        data(
            _CHUNK + b'"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"Par"},'
            b'"finish_reason":null}]}'
        ),
        data(
            b'{"error":{"message":"The server had an error while processing your request.",'
            b'"type":"server_error","param":null,"code":null}}'
        ),
    ),
    first_content=0,
)

OPENAI_LEGACY_COMPLETION_STREAM = Sample(
    name="openai-completion-stream",
    path="/v1/completions",
    request=b'{"model":"gpt-3.5-turbo-instruct","prompt":"Once","stream":true}',
    content_type=SSE,
    parts=(
        data(
            b'{"id":"cmpl-8","object":"text_completion","created":1764000000,"choices":[{"text":"",'
            b'"index":0,"logprobs":null,"finish_reason":null}],"model":"gpt-3.5-turbo-instruct"}'
        ),
        data(
            b'{"id":"cmpl-8","object":"text_completion","created":1764000000,"choices":[{"text":'
            b'" upon","index":0,"logprobs":null,"finish_reason":null}],'
            b'"model":"gpt-3.5-turbo-instruct"}'
        ),
        data(
            b'{"id":"cmpl-8","object":"text_completion","created":1764000000,"choices":[{"text":'
            b'"","index":0,"logprobs":null,"finish_reason":"length"}],'
            b'"model":"gpt-3.5-turbo-instruct"}'
        ),
        data(b"[DONE]"),
    ),
    first_content=1,
)
