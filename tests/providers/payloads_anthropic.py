"""Captured exchanges: Anthropic Messages, plain and streamed."""

from __future__ import annotations

from tests.providers.sample import SSE, Sample, event

ANTHROPIC_MESSAGE = Sample(
    name="anthropic-message",
    path="/v1/messages",
    request=b'{"model":"claude-sonnet-4-5","max_tokens":1024,'
    b'"messages":[{"role":"user","content":"Hello, Claude"}]}',
    parts=(
        b'{"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant",'
        b'"model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hi! How can I'
        b' help?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,'
        b'"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":9,'
        b'"service_tier":"standard"}}',
    ),
)

MESSAGE_START = (
    b'{"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",'
    b'"type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929",'
    b'"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,'
    b'"cache_creation_input_tokens":0,"cache_read_input_tokens":1500,"output_tokens":1}}}'
)

ANTHROPIC_STREAM = Sample(
    name="anthropic-stream",
    path="/v1/messages",
    request=b'{"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,'
    b'"messages":[{"role":"user","content":"Hello"}]}',
    content_type=SSE,
    parts=(
        event(b"message_start", MESSAGE_START),
        event(
            b"content_block_start",
            b'{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
        ),
        event(b"ping", b'{"type": "ping"}'),
        event(
            b"content_block_delta",
            b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}',
        ),
        event(
            b"content_block_delta",
            b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}',
        ),
        event(b"content_block_stop", b'{"type":"content_block_stop","index":0}'),
        event(
            b"message_delta",
            b'{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
            b'"usage":{"output_tokens":15}}',
        ),
        event(b"message_stop", b'{"type":"message_stop"}'),
    ),
    first_content=3,
)

ANTHROPIC_TOOL_STREAM = Sample(
    name="anthropic-stream-tool-use",
    path="/v1/messages",
    request=b'{"model":"claude-opus-4-1","max_tokens":256,"stream":true,"tools":[],"messages":[]}',
    content_type=SSE,
    parts=(
        event(b"message_start", MESSAGE_START),
        event(
            b"content_block_start",
            b'{"type":"content_block_start","index":0,"content_block":{"type":"tool_use",'
            b'"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}',
        ),
        event(
            b"content_block_delta",
            b'{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}',
        ),
        event(
            b"content_block_delta",
            b'{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta",'
            b'"partial_json":"{\\"location\\": \\"Paris\\"}"}}',
        ),
        event(b"content_block_stop", b'{"type":"content_block_stop","index":0}'),
        event(
            b"message_delta",
            b'{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},'
            b'"usage":{"output_tokens":89}}',
        ),
        event(b"message_stop", b'{"type":"message_stop"}'),
    ),
    first_content=1,
)

ANTHROPIC_THINKING_STREAM = Sample(
    name="anthropic-stream-thinking",
    path="/v1/messages",
    request=b'{"model":"claude-sonnet-4-5","max_tokens":20000,"stream":true,'
    b'"thinking":{"type":"enabled","budget_tokens":16000},"messages":[]}',
    content_type=SSE,
    parts=(
        event(b"message_start", MESSAGE_START),
        event(
            b"content_block_start",
            b'{"type":"content_block_start","index":0,"content_block":{"type":"thinking",'
            b'"thinking":"","signature":""}}',
        ),
        event(
            b"content_block_delta",
            b'{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta",'
            b'"thinking":"First, 27 * 453..."}}',
        ),
        event(
            b"content_block_delta",
            b'{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta",'
            b'"signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}}',
        ),
        event(b"content_block_stop", b'{"type":"content_block_stop","index":0}'),
        event(
            b"message_delta",
            b'{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
            b'"usage":{"input_tokens":25,"cache_creation_input_tokens":0,'
            b'"cache_read_input_tokens":1500,"output_tokens":420,'
            b'"output_tokens_details":{"thinking_tokens":380}}}',
        ),
        event(b"message_stop", b'{"type":"message_stop"}'),
    ),
    first_content=2,
)

ANTHROPIC_STREAM_ERROR = Sample(
    name="anthropic-stream-overloaded",
    path="/v1/messages",
    request=b'{"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"messages":[]}',
    content_type=SSE,
    parts=(
        event(b"message_start", MESSAGE_START),
        event(b"ping", b'{"type": "ping"}'),
        event(
            b"error",
            b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},'
            b'"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}',
        ),
    ),
)

ANTHROPIC_COUNT_TOKENS = Sample(
    name="anthropic-count-tokens",
    path="/v1/messages/count_tokens",
    request=b'{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hello"}]}',
    parts=(b'{"input_tokens":14}',),
)
