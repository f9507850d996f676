"""Captured exchanges: HTTP error bodies from every provider, and from a gateway."""

from __future__ import annotations

from tests.providers.sample import Sample

OPENAI_HTTP_ERROR = Sample(
    name="openai-429",
    path="/v1/chat/completions",
    request=b'{"model":"gpt-4o","stream":true,"messages":[]}',
    status=429,
    parts=(
        b'{\n    "error": {\n        "message": "Rate limit reached for gpt-4o in organization'
        b' org-abc on tokens per min (TPM): Limit 30000, Used 30000.",\n'
        b'        "type": "tokens",\n        "param": null,\n'
        b'        "code": "rate_limit_exceeded"\n    }\n}\n',
    ),
)

ANTHROPIC_HTTP_ERROR = Sample(
    name="anthropic-529",
    path="/v1/messages",
    request=b'{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]}',
    status=529,
    parts=(
        b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},'
        b'"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}',
    ),
)

GEMINI_HTTP_ERROR = Sample(
    name="gemini-429",
    path="/v1beta/models/gemini-2.5-pro:generateContent",
    request=b'{"contents":[]}',
    status=429,
    parts=(
        b'{\n  "error": {\n    "code": 429,\n    "message": "You exceeded your current quota.",\n'
        b'    "status": "RESOURCE_EXHAUSTED",\n    "details": [{"@type":'
        b' "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}]\n  }\n}\n',
    ),
)

GEMINI_ARRAY_HTTP_ERROR = Sample(
    name="gemini-400-array",
    path="/v1beta/models/gemini-2.0-flash:streamGenerateContent",
    request=b'{"contents":[]}',
    status=400,
    parts=(
        b'[{\n  "error": {\n    "code": 400,\n    "message": "API key not valid.",\n'
        b'    "status": "INVALID_ARGUMENT"\n  }\n}\n]',
    ),
)

OLLAMA_HTTP_ERROR = Sample(
    name="ollama-404",
    path="/api/chat",
    request=b'{"model":"llama9","messages":[]}',
    status=404,
    parts=(b'{"error":"model \'llama9\' not found"}',),
)

VLLM_HTTP_ERROR = Sample(
    name="vllm-400-flat",
    path="/v1/chat/completions",
    request=b'{"model":"meta-llama/Llama-3.1-8B-Instruct","messages":[]}',
    status=400,
    parts=(
        b'{"object":"error","message":"This model\'s maximum context length is 8192 tokens.",'
        b'"type":"BadRequestError","param":null,"code":400}',
    ),
)

GATEWAY_HTML_ERROR = Sample(
    name="gateway-502-html",
    path="/v1/chat/completions",
    request=b'{"model":"gpt-4o","messages":[]}',
    status=502,
    content_type="text/html",
    parts=(
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
    ),
)
