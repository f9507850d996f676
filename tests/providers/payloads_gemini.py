"""Captured exchanges: Gemini generate, stream (SSE and JSON array), embed and count tokens."""

from __future__ import annotations

from tests.providers.sample import Sample

_GEMINI_USAGE = (
    b'"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":5,"totalTokenCount":33,'
    b'"cachedContentTokenCount":4,"thoughtsTokenCount":20,"promptTokensDetails":'
    b'[{"modality":"TEXT","tokenCount":8}]}'
)

GEMINI_GENERATE = Sample(
    name="gemini-generate",
    path="/v1beta/models/gemini-2.5-flash:generateContent",
    request=b'{"contents":[{"role":"user","parts":[{"text":"Say hi"}]}]}',
    parts=(
        b'{\n  "candidates": [\n    {\n      "content": {\n        "parts": [\n          {\n'
        b'            "text": "Hi there!"\n          }\n        ],\n        "role": "model"\n'
        b'      },\n      "finishReason": "STOP",\n      "index": 0\n    }\n  ],\n  '
        + _GEMINI_USAGE
        + b',\n  "modelVersion": "gemini-2.5-flash",\n  "responseId": "mM9oaKjUB7eanvgP"\n}\n',
    ),
)


def _gemini_chunk(parts: bytes, tail: bytes = b"") -> bytes:
    return (
        b'{"candidates": [{"content": {"parts": ['
        + parts
        + b'],"role": "model"}'
        + tail
        + b'}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},'
        b'"modelVersion": "gemini-2.0-flash","responseId": "Xw9oaJ"}'
    )


GEMINI_STREAM_SSE = Sample(
    name="gemini-stream-sse",
    path="/v1beta/models/gemini-2.0-flash:streamGenerateContent",
    request=b'{"contents":[{"role":"user","parts":[{"text":"Count to three"}]}]}',
    content_type="text/event-stream",
    parts=(
        b"data: " + _gemini_chunk(b'{"text": "One"}') + b"\r\n\r\n",
        b"data: " + _gemini_chunk(b'{"text": ", two"}') + b"\r\n\r\n",
        b"data: " + b'{"candidates": [{"content": {"parts": [{"text": ", three."}],"role": "model"},'
        b'"finishReason": "STOP"}],"usageMetadata": {"promptTokenCount": 8,'
        b'"candidatesTokenCount": 6,"totalTokenCount": 14},"modelVersion": "gemini-2.0-flash",'
        b'"responseId": "Xw9oaJ"}' + b"\r\n\r\n",
    ),
    first_content=0,
)

GEMINI_STREAM_ARRAY = Sample(
    name="gemini-stream-json-array",
    path="/v1/models/gemini-2.0-flash:streamGenerateContent",
    request=b'{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}',
    parts=(
        b"[",
        b'{\n  "candidates": [\n    {\n      "content": {\n        "parts": [\n          {\n'
        b'            "thought": true,\n            "text": ""\n          }\n        ],\n'
        b'        "role": "model"\n      }\n    }\n  ],\n  "modelVersion": "gemini-2.0-flash"\n}',
        b'\n,\r\n{\n  "candidates": [{"content": {"parts": [{"functionCall": {"name": "lookup",'
        b' "args": {"q": "caf\xc3\xa9"}}}], "role": "model"}, "finishReason": "STOP"}],\n'
        b'  "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 7,'
        b' "totalTokenCount": 37},\n  "modelVersion": "gemini-2.0-flash"\n}',
        b"\n]",
    ),
    first_content=2,
)

GEMINI_BLOCKED = Sample(
    name="gemini-prompt-blocked",
    path="/v1beta/models/gemini-2.5-pro:generateContent",
    request=b'{"contents":[{"parts":[{"text":"..."}]}]}',
    parts=(
        b'{"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata":'
        b' {"promptTokenCount": 12,"totalTokenCount": 12},"modelVersion": "gemini-2.5-pro"}',
    ),
)

GEMINI_EMBED = Sample(
    name="gemini-embed",
    path="/v1beta/models/gemini-embedding-001:embedContent",
    request=b'{"content":{"parts":[{"text":"What is the meaning of life?"}]}}',
    parts=(b'{"embedding": {"values": [-0.0223, 0.0076, 0.0143]}}',),
)

GEMINI_BATCH_EMBED = Sample(
    name="gemini-batch-embed",
    path="/v1beta/models/text-embedding-004:batchEmbedContents",
    request=b'{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"a"}]}}]}',
    parts=(b'{"embeddings": [{"values": [0.1, 0.2]}]}',),
)

GEMINI_COUNT_TOKENS = Sample(
    name="gemini-count-tokens",
    path="/v1beta/models/gemini-2.0-flash:countTokens",
    request=b'{"contents":[{"parts":[{"text":"The quick brown fox"}]}]}',
    parts=(b'{"totalTokens": 5,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 5}]}',),
)
