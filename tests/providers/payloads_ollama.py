"""Captured exchanges: Ollama native chat, generate and embeddings."""

from __future__ import annotations

from tests.providers.sample import NDJSON, Sample

OLLAMA_CHAT_STREAM = Sample(
    name="ollama-chat-stream",
    path="/api/chat",
    request=b'{"model":"llama3.2","messages":[{"role":"user","content":"why is the sky blue?"}]}',
    content_type=NDJSON,
    parts=(
        b'{"model":"llama3.2","created_at":"2025-10-26T17:15:24.097767Z","message":'
        b'{"role":"assistant","content":""},"done":false}\n',
        b'{"model":"llama3.2","created_at":"2025-10-26T17:15:24.109172Z","message":'
        b'{"role":"assistant","content":"The"},"done":false}\n',
        b'{"model":"llama3.2","created_at":"2025-10-26T17:15:24.121485Z","message":'
        b'{"role":"assistant","content":" sky"},"done":false}\n',
        b'{"model":"llama3.2","created_at":"2025-10-26T17:15:24.166576Z","message":'
        b'{"role":"assistant","content":""},"done":true,"done_reason":"stop",'
        b'"total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,'
        b'"prompt_eval_duration":342546000,"eval_count":282,"eval_duration":4535599000}\n',
    ),
    first_content=1,
)

OLLAMA_CHAT = Sample(
    name="ollama-chat",
    path="/api/chat",
    request=b'{"model":"qwen3","stream":false,"think":true,"messages":[]}',
    parts=(
        b'{"model":"qwen3","created_at":"2025-10-26T17:15:24Z","message":{"role":"assistant",'
        b'"content":"Rayleigh scattering.","thinking":"Short answer."},"done_reason":"stop",'
        b'"done":true,"total_duration":5191566416,"prompt_eval_count":26,"eval_count":298}',
    ),
)

OLLAMA_GENERATE_STREAM = Sample(
    name="ollama-generate-stream",
    path="/api/generate",
    request=b'{"model":"gemma3","prompt":"Why is the sky blue?"}',
    content_type=NDJSON,
    parts=(
        b'{"model":"gemma3","created_at":"2025-10-26T17:15:24.09Z","response":"","thinking":'
        b'"Hmm","done":false}\n',
        b'{"model":"gemma3","created_at":"2025-10-26T17:15:24.10Z","response":"Because","done":false}\n',
        b'{"model":"gemma3","created_at":"2025-10-26T17:15:24.20Z","response":"","done":true,'
        b'"done_reason":"length","context":[1,2,3],"prompt_eval_count":15,"eval_count":128}\n',
    ),
    first_content=0,
)

OLLAMA_TOOL_STREAM = Sample(
    name="ollama-chat-stream-tool-call",
    path="/api/chat",
    request=b'{"model":"llama3.1","tools":[],"messages":[]}',
    content_type=NDJSON,
    parts=(
        b'{"model":"llama3.1","created_at":"2025-10-26T17:15:24Z","message":{"role":"assistant",'
        b'"content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":'
        b'"Tokyo"}}}]},"done":false}\n',
        b'{"model":"llama3.1","created_at":"2025-10-26T17:15:25Z","message":{"role":"assistant",'
        b'"content":""},"done":true,"done_reason":"stop","prompt_eval_count":90,"eval_count":22}\n',
    ),
    first_content=0,
)

OLLAMA_STREAM_ERROR = Sample(
    name="ollama-stream-error",
    path="/api/generate",
    request=b'{"model":"gemma3","prompt":"Write a long story"}',
    content_type=NDJSON,
    parts=(
        b'{"model":"gemma3","created_at":"2025-10-26T17:21:21.196249Z","response":" Yes","done":false}\n',
        b'{"error":"an error was encountered while running the model"}\n',
    ),
    first_content=0,
)

OLLAMA_EMBED = Sample(
    name="ollama-embed",
    path="/api/embed",
    request=b'{"model":"all-minilm","input":["Why is the sky blue?"]}',
    parts=(
        b'{"model":"all-minilm","embeddings":[[0.010071029,-0.0017594862,0.05007221]],'
        b'"total_duration":14143917,"load_duration":1019500,"prompt_eval_count":8}',
    ),
)

OLLAMA_LEGACY_EMBEDDINGS = Sample(
    name="ollama-legacy-embeddings",
    path="/api/embeddings",
    request=b'{"model":"all-minilm","prompt":"Here is an article about llamas..."}',
    parts=(b'{"embedding":[0.5670403838157654,0.009260174818336964]}',),
)
