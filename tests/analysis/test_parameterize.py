"""The parameterization corpus: real provider error messages in, their stable shape out.

Each case is ``(name, message as the provider sent it, expected parameterized form)``.
Messages come from provider docs and public bug reports (OpenAI, Anthropic,
Gemini, Ollama, vLLM, OpenRouter, Groq, Mistral, DeepSeek, xAI) and from the
proxy's own network-failure texts. Ids, keys and organisation names are made up.
"""

from __future__ import annotations

import pytest

from lookout.analysis.parameterize import MAX_CHARS, parameterize

CORPUS: list[tuple[str, str, str]] = [
    # --- OpenAI ---------------------------------------------------------------------------
    (
        "openai tpm rate limit",
        "Rate limit reached for gpt-4 in organization org-uVqpjtJiKqvVJMVfvpaounIh on tokens per min (TPM): "
        "Limit 10000, Used 8554, Requested 3082. Please try again in 9.816s. "
        "Visit https://platform.openai.com/account/rate-limits to learn more.",
        "Rate limit reached for <model> in organization <id> on tokens per min (TPM): Limit <num>, Used "
        "<num>, "
        "Requested <num>. Please try again in <duration>. Visit <url> to learn more.",
    ),
    (
        "openai rpm rate limit",
        "Rate limit reached for gpt-3.5-turbo in organization org-rxenTzjMkf2Po8dsexe410Mg on requests per "
        "min "
        "(RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit "
        "https://platform.openai.com/account/rate-limits to learn more.",
        "Rate limit reached for <model> in organization <id> on requests per min (RPM): Limit <num>, Used "
        "<num>, "
        "Requested <num>. Please try again in <duration>. Visit <url> to learn more.",
    ),
    (
        "openai rate limit with go duration",
        "Rate limit reached for gpt-4o in organization org-abc on tokens per day (TPD): Limit 2000000, "
        "Used 1999023, Requested 4711. Please try again in 6m0s.",
        "Rate limit reached for <model> in organization <id> on tokens per day (TPD): Limit <num>, Used "
        "<num>, "
        "Requested <num>. Please try again in <duration>.",
    ),
    (
        "openai legacy rate limit per model alias",
        "Rate limit reached for default-gpt-3.5-turbo in organization org-tWLJpza6PfFNRXgGrT00shKI on tokens "
        "per min. Limit: 60000 / min. Please try again in 1ms. Contact us through our help center at "
        "help.openai.com if you continue to have issues.",
        "Rate limit reached for <model> in organization <id> on tokens per min. Limit: <num> / min. Please "
        "try "
        "again in <duration>. Contact us through our help center at help.openai.com if you continue to have "
        "issues.",
    ),
    (
        "openai context length (messages)",
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 "
        "tokens. Please reduce the length of the messages.",
        "This model's maximum context length is <tokens> tokens. However, your messages resulted in <tokens> "
        "tokens. Please reduce the length of the messages.",
    ),
    (
        "openai context length (messages and completion)",
        "This model's maximum context length is 4097 tokens. However, you requested 4203 tokens (3703 in the "
        "messages, 500 in the completion). Please reduce the length of the messages or completion.",
        "This model's maximum context length is <tokens> tokens. However, you requested <tokens> tokens "
        "(<num> in the messages, <num> in the completion). Please reduce the length of the messages or "
        "completion.",
    ),
    (
        "openai incorrect api key (masked)",
        "Incorrect API key provided: sk-proj-********************************************************abcd. "
        "You can find your API key at https://platform.openai.com/account/api-keys.",
        "Incorrect API key provided: <key>. You can find your API key at <url>.",
    ),
    (
        "openai incorrect api key (short)",
        "Incorrect API key provided: sk-demo. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "Incorrect API key provided: <key>. You can find your API key at <url>.",
    ),
    (
        "openai model not found",
        "The model `gpt-5-turbo` does not exist or you do not have access to it.",
        "The model `<model>` does not exist or you do not have access to it.",
    ),
    (
        "openai fine-tuned model not found",
        "The model `ft:gpt-4o-mini-2024-07-18:acme::9xYz12Ab` does not exist or you do not have access to "
        "it.",
        "The model `<model>` does not exist or you do not have access to it.",
    ),
    (
        "openai quota",
        "You exceeded your current quota, please check your plan and billing details. For more information "
        "on "
        "this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        "You exceeded your current quota, please check your plan and billing details. For more information "
        "on "
        "this error, read the docs: <url>.",
    ),
    (
        "openai server error with request id",
        "The server had an error while processing your request. Sorry about that! You can retry your "
        "request, "
        "or contact us through our help center at help.openai.com if the error persists. (Please include the "
        "request ID req_6e3f5b7d2a4c4e1b9f0a8d7c6b5a4f3e in your message.)",
        "The server had an error while processing your request. Sorry about that! You can retry your "
        "request, "
        "or contact us through our help center at help.openai.com if the error persists. (Please include the "
        "request ID <id> in your message.)",
    ),
    (
        "openai overloaded",
        "The engine is currently overloaded, please try again later",
        "The engine is currently overloaded, please try again later",
    ),
    (
        "openai string too long",
        "Invalid 'messages[2].content': string too long. Expected a string with maximum length 10485760, but "
        "got a string with length 10485761 instead.",
        "Invalid 'messages[<num>].content': string too long. Expected a string with maximum length <num>, "
        "but "
        "got a string with length <num> instead.",
    ),
    (
        "openai tool call id",
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
        "'tool_calls'. The tool_call_id call_Xy12Ab34Cd56Ef78 was not found.",
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
        "'tool_calls'. The tool_call_id <id> was not found.",
    ),
    (
        "openai max_tokens too large",
        "max_tokens is too large: 100000. This model supports at most 16384 completion tokens, whereas you "
        "provided 100000.",
        "max_tokens is too large: <num>. This model supports at most <tokens> completion tokens, whereas you "
        "provided <num>.",
    ),
    (
        "openai image size",
        "Invalid image: image size is 26.3 MB, the maximum allowed is 20MB.",
        "Invalid image: image size is <size>, the maximum allowed is <size>.",
    ),
    (
        "openai responses previous response id",
        "Previous response with id 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b' not found.",
        "Previous response with id '<id>' not found.",
    ),
    (
        "openai chat completion id",
        "Stored completion chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT was not found.",
        "Stored completion <id> was not found.",
    ),
    (
        "openai file id",
        "No such File object: file-AbC123dEf456GhI789jKl0",
        "No such File object: <id>",
    ),
    (
        "openai tier restriction with email",
        "Your organization must be verified to use the model `o3`. Please contact "
        "billing@acme-corp.example.com.",
        "Your organization must be verified to use the model `<model>`. Please contact <email>.",
    ),
    # --- Anthropic ------------------------------------------------------------------------
    ("anthropic overloaded", "Overloaded", "Overloaded"),
    (
        "anthropic prompt too long",
        "prompt is too long: 215312 tokens > 200000 maximum",
        "prompt is too long: <tokens> tokens > <num> maximum",
    ),
    (
        "anthropic prompt too long (1M context)",
        "prompt is too long: 1036683 tokens > 1000000 maximum",
        "prompt is too long: <tokens> tokens > <num> maximum",
    ),
    (
        "anthropic org rate limit",
        "This request would exceed the rate limit for your organization "
        "(00000000-0000-4000-8000-000000000000) "
        "of 50,000 input tokens per minute. For details, refer to: "
        "https://docs.claude.com/en/api/rate-limits.",
        "This request would exceed the rate limit for your organization (<uuid>) of <tokens> input tokens "
        "per "
        "minute. For details, refer to: <url>.",
    ),
    (
        "anthropic model not found",
        "model: claude-3-opus-20240229",
        "model: <model>",
    ),
    (
        "anthropic max_tokens over the model limit",
        "max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for "
        "claude-sonnet-4-5-20250929",
        "max_tokens: <tokens> > <num>, which is the maximum allowed number of output tokens for <model>",
    ),
    (
        "anthropic tool_use without tool_result",
        "messages.3: `tool_use` ids were found without `tool_result` blocks immediately after: "
        "toolu_01A09q90qw90lq917835lq9. Each `tool_use` block must have a corresponding `tool_result` block "
        "in the next message.",
        "messages.<num>: `tool_use` ids were found without `tool_result` blocks immediately after: <id>. "
        "Each "
        "`tool_use` block must have a corresponding `tool_result` block in the next message.",
    ),
    (
        "anthropic invalid key",
        "invalid x-api-key",
        "invalid x-api-key",
    ),
    (
        "anthropic credit balance",
        "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade "
        "or purchase credits.",
        "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade "
        "or purchase credits.",
    ),
    (
        "anthropic request too large",
        "Request exceeds the maximum allowed number of bytes.",
        "Request exceeds the maximum allowed number of bytes.",
    ),
    (
        "anthropic usage limit with date",
        "You have reached your specified API usage limits. You will regain access on 2025-12-01 at 00:00 "
        "UTC.",
        "You have reached your specified API usage limits. You will regain access on <date> at <time>.",
    ),
    (
        "anthropic message batch id",
        "Message batch msgbatch_013Zva2CMHLNnXjNJJKqJ2EF is still being processed.",
        "Message batch <id> is still being processed.",
    ),
    # --- Gemini ---------------------------------------------------------------------------
    (
        "gemini quota",
        "You exceeded your current quota, please check your plan and billing details. For more information "
        "on "
        "this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
        "You exceeded your current quota, please check your plan and billing details. For more information "
        "on "
        "this error, head to: <url>.",
    ),
    (
        "gemini quota with retry",
        "You exceeded your current quota. Please retry in 22.385412s.",
        "You exceeded your current quota. Please retry in <duration>.",
    ),
    (
        "gemini input token count",
        "The input token count (1187452) exceeds the maximum number of tokens allowed (1048576).",
        "The input token count (<tokens>) exceeds the maximum number of tokens allowed (<tokens>).",
    ),
    (
        "gemini model not found",
        "models/gemini-1.5-pro-002 is not found for API version v1beta, or is not supported for "
        "generateContent. Call ListModels to see the list of available models and their supported methods.",
        "<model> is not found for API version v1beta, or is not supported for generateContent. Call "
        "ListModels "
        "to see the list of available models and their supported methods.",
    ),
    (
        "gemini resource exhausted",
        "Resource has been exhausted (e.g. check quota).",
        "Resource has been exhausted (e.g. check quota).",
    ),
    (
        "gemini no capacity",
        "No capacity available for model gemini-2.5-flash-lite on the server",
        "No capacity available for model <model> on the server",
    ),
    (
        "gemini overloaded",
        "The model is overloaded. Please try again later.",
        "The model is overloaded. Please try again later.",
    ),
    (
        "gemini suspended consumer",
        "Permission denied: Consumer 'projects/123456789012' has been suspended.",
        "Permission denied: Consumer 'projects/<num>' has been suspended.",
    ),
    (
        "gemini api key invalid",
        "API key not valid. Please pass a valid API key.",
        "API key not valid. Please pass a valid API key.",
    ),
    (
        "gemini deadline",
        "Deadline expired before operation could complete.",
        "Deadline expired before operation could complete.",
    ),
    (
        "vertex resource exhausted",
        "Resource exhausted. Please try again later. Please refer to "
        "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.",
        "Resource exhausted. Please try again later. Please refer to <url> for more details.",
    ),
    # --- Ollama ---------------------------------------------------------------------------
    (
        "ollama model not found",
        'model "llama3.2" not found, try pulling it first',
        'model "<model>" not found, try pulling it first',
    ),
    (
        "ollama model not found (tagged)",
        'model "qwen2.5-coder:32b" not found, try pulling it first',
        'model "<model>" not found, try pulling it first',
    ),
    (
        "ollama out of memory",
        "model requires more system memory (164.8 GiB) than is available (13.4 GiB)",
        "model requires more system memory (<size>) than is available (<size>)",
    ),
    (
        "ollama runner terminated",
        "llama runner process has terminated: exit status 2",
        "llama runner process has terminated: exit status <num>",
    ),
    (
        "ollama busy (double space)",
        "server busy, please try again.  maximum pending requests exceeded",
        "server busy, please try again. maximum pending requests exceeded",
    ),
    (
        "ollama blob path",
        "error loading model /root/.ollama/models/blobs/"
        "sha256-8eeb52dfb3bb9aefdf9d1ef24b3bdbcfbf2a8f2ee1c6e0b1b8e7c2e0e0a1b2c3",
        "error loading model <path>",
    ),
    (
        "ollama stream EOF",
        "an error was encountered while running the model: unexpected EOF",
        "an error was encountered while running the model: unexpected EOF",
    ),
    # --- OpenAI-compatible servers --------------------------------------------------------
    (
        "vllm context length",
        "This model's maximum context length is 8192 tokens. However, you requested 8203 tokens (7691 in the "
        "messages, 512 in the completion). Please reduce the length of the messages or completion.",
        "This model's maximum context length is <tokens> tokens. However, you requested <tokens> tokens "
        "(<num> in the messages, <num> in the completion). Please reduce the length of the messages or "
        "completion.",
    ),
    (
        "vllm input tokens plus max_tokens",
        "This model's maximum context length is 2048 tokens. However, your request has 8 input tokens plus "
        "2045 'max_tokens'. Please reduce one or the other.",
        "This model's maximum context length is <tokens> tokens. However, your request has <tokens> input "
        "tokens plus <num> 'max_tokens'. Please reduce one or the other.",
    ),
    (
        "vllm model does not exist (HF id)",
        "The model `meta-llama/Llama-3.1-8B-Instruct` does not exist.",
        "The model `<model>` does not exist.",
    ),
    (
        "groq rate limit",
        "Rate limit reached for model `llama-3.3-70b-versatile` in organization "
        "`org_01kes94v04f9ramd2n1vj4gjnc` "
        "service tier `on_demand` on tokens per minute (TPM): Limit 12000, Used 4437, Requested 9854. Please "
        "try again in 11.455s. Need more tokens? Upgrade to Dev Tier today at "
        "https://console.groq.com/settings/billing",
        "Rate limit reached for model `<model>` in organization `<id>` service tier `on_demand` on tokens "
        "per "
        "minute (TPM): Limit <num>, Used <num>, Requested <num>. Please try again in <duration>. Need more "
        "tokens? Upgrade to Dev Tier today at <url>",
    ),
    (
        "groq daily limit with minutes",
        "Rate limit reached for model `llama-3.3-70b-versatile` in organization "
        "`org_01kjh7p9n8f1qs6nz2bz77vy6b` "
        "service tier `on_demand` on tokens per day (TPD): Limit 100000, Used 97050, Requested 3619. Please "
        "try again in 9m38.016s.",
        "Rate limit reached for model `<model>` in organization `<id>` service tier `on_demand` on tokens "
        "per "
        "day (TPD): Limit <num>, Used <num>, Requested <num>. Please try again in <duration>.",
    ),
    (
        "groq request too large",
        "Request too large for model `llama-3.1-8b-instant` in organization `org_01j5b4pz9jff492fq686vypsx6` "
        "service tier `on_demand` on tokens per minute (TPM): Limit 6000, Requested 6294, please reduce your "
        "message size and try again.",
        "Request too large for model `<model>` in organization `<id>` service tier `on_demand` on tokens per "
        "minute (TPM): Limit <num>, Requested <num>, please reduce your message size and try again.",
    ),
    (
        "openrouter credits",
        "Insufficient credits. This account never purchased credits. Make sure your key is on the correct "
        "account or org, and if so, purchase more at https://openrouter.ai/settings/credits",
        "Insufficient credits. This account never purchased credits. Make sure your key is on the correct "
        "account or org, and if so, purchase more at <url>",
    ),
    (
        "openrouter no endpoints for model",
        "No endpoints found for nousresearch/hermes-3-llama-3.1-405b:free.",
        "No endpoints found for <model>.",
    ),
    (
        "openrouter no endpoints for tools",
        "No endpoints found that support tool use. To learn more about provider routing, visit: "
        "https://openrouter.ai/docs/guides/routing/provider-selection",
        "No endpoints found that support tool use. To learn more about provider routing, visit: <url>",
    ),
    (
        "mistral capacity",
        "Service tier capacity exceeded for this model.",
        "Service tier capacity exceeded for this model.",
    ),
    ("mistral rate limit", "Requests rate limit exceeded", "Requests rate limit exceeded"),
    ("deepseek balance", "Insufficient Balance", "Insufficient Balance"),
    (
        "deepseek context length",
        "This model's maximum context length is 65536 tokens. However, you requested 72811 tokens (72811 in "
        "the messages, 0 in the completion). Please reduce the length of the messages or completion.",
        "This model's maximum context length is <tokens> tokens. However, you requested <tokens> tokens "
        "(<num> in the messages, <num> in the completion). Please reduce the length of the messages or "
        "completion.",
    ),
    (
        "xai team rate limit",
        "Too many tokens for team e9fe19cb-de96-4c57-9ffb-2f1b9c631ce2 and model grok-4-0709. Your team's "
        "rate "
        "limit is — Tokens per Minute (actual/limit): 65605/16000.",
        "Too many tokens for team <uuid> and model <model>. Your team's rate limit is — Tokens per Minute "
        "(actual/limit): <num>/<num>.",
    ),
    (
        "gateway html page with trace id",
        "502 Bad Gateway. Trace ID: 8e695a03eed4f9fd-SJC at Fri, 22 Nov 2024 13:44:10 GMT",
        "<num> Bad Gateway. Trace ID: <id> at <date>",
    ),
    # --- Network failures (the proxy's own texts) -----------------------------------------
    (
        "connection refused",
        "cannot connect to upstream 'openai' (http://127.0.0.1:54321): Connection refused",
        "cannot connect to upstream 'openai' (<url>): Connection refused",
    ),
    (
        "dns failure",
        "cannot connect to upstream 'mylab' (https://llm.internal.example:8443): Name or service not known",
        "cannot connect to upstream 'mylab' (<url>): Name or service not known",
    ),
    (
        "connect timeout",
        "upstream 'openai' (https://api.openai.com:443): connecting took longer than 10 s",
        "upstream 'openai' (<url>): connecting took longer than <duration>",
    ),
    (
        "read timeout",
        "upstream 'ollama' (http://127.0.0.1:11434): no data from the upstream for 600 s",
        "upstream 'ollama' (<url>): no data from the upstream for <duration>",
    ),
    (
        "tls failure",
        "cannot connect to upstream 'vllm' (https://10.0.0.5:8000): TLS handshake failed: "
        "CERTIFICATE_VERIFY_FAILED",
        "cannot connect to upstream 'vllm' (<url>): TLS handshake failed: CERTIFICATE_VERIFY_FAILED",
    ),
    (
        "aiohttp connect error with ip and errno",
        "Cannot connect to host 192.168.1.3:443 ssl:False [Connect call failed ('192.168.1.3', 443)]",
        "Cannot connect to host <ip> ssl:False [Connect call failed ('<ip>', <num>)]",
    ),
    (
        "errno connection reset",
        "[Errno 104] Connection reset by peer",
        "[Errno <num>] Connection reset by peer",
    ),
    (
        "ipv6 host",
        "cannot reach [2001:db8::1]:8080 after 3 attempts",
        "cannot reach <ip> after <num> attempts",
    ),
    (
        "hex address in panic",
        "panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV: "
        "segmentation violation code=0x1 addr=0x18 pc=0x7f3a2b]",
        "panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV: "
        "segmentation violation code=<hex> addr=<hex> pc=<hex>]",
    ),
    (
        "windows path",
        r"failed to load C:\Users\alice\.ollama\models\manifest",
        "failed to load <path>",
    ),
    (
        "bearer token echoed",
        "invalid authorization header: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def",
        "invalid authorization header: Bearer <key>",
    ),
]

# Messages that differ only in their variable parts: each pair must land together.
MUST_MERGE: list[tuple[str, str]] = [
    ("Please try again in 222ms.", "Please try again in 1.5s."),
    ("your messages resulted in 130512 tokens", "your messages resulted in 250001 tokens"),
    (
        "Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM)",
        "Rate limit reached for gpt-4.1-mini in organization org-XyZ987 on tokens per min (TPM)",
    ),
    (
        'model "llama3.2" not found, try pulling it first',
        'model "mistral:7b" not found, try pulling it first',
    ),
    ("request req_011CS7Vw2x3y4z5a6b7c8d9e failed", "request req_011CTAb1c2d3e4f5g6h7i8j9 failed"),
]

# Different failures that happen to look alike: each pair must stay apart.
MUST_NOT_MERGE: list[tuple[str, str]] = [
    (
        "Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000",
        "Rate limit reached for gpt-4o on requests per min (RPM): Limit 500",
    ),
    ("prompt is too long: 215312 tokens > 200000 maximum", "max_tokens: 100000 > 64000"),
    ("Overloaded", "Rate limited"),
    (
        "The model `gpt-5` does not exist or you do not have access to it.",
        "Your organization must be verified to use the model `gpt-5`.",
    ),
    (
        "cannot connect to upstream 'openai' (http://127.0.0.1:1): Connection refused",
        "cannot connect to upstream 'openai' (http://127.0.0.1:1): Name or service not known",
    ),
    (
        "cannot connect to upstream 'openai' (http://127.0.0.1:1): Connection refused",
        "cannot connect to upstream 'anthropic' (http://127.0.0.1:1): Connection refused",
    ),
    ("You exceeded your current quota", "Insufficient credits"),
    ("Service tier capacity exceeded for this model.", "Requests rate limit exceeded"),
    ("llama runner process has terminated: exit status 2", "model requires more system memory (5 GiB)"),
]


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 60
    assert len({name for name, _, _ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(("name", "message", "expected"), CORPUS, ids=[case[0] for case in CORPUS])
def test_corpus(name: str, message: str, expected: str) -> None:
    assert parameterize(message) == expected


@pytest.mark.parametrize(("first", "second"), MUST_MERGE)
def test_variants_of_one_failure_merge(first: str, second: str) -> None:
    assert parameterize(first) == parameterize(second)


@pytest.mark.parametrize(("first", "second"), MUST_NOT_MERGE)
def test_different_failures_stay_apart(first: str, second: str) -> None:
    assert parameterize(first) != parameterize(second)


def test_parameterizing_is_idempotent() -> None:
    for _, message, expected in CORPUS:
        assert parameterize(expected) == expected, message


def test_huge_or_odd_input_is_bounded_and_never_raises() -> None:
    assert len(parameterize("x" * (MAX_CHARS * 5))) == MAX_CHARS
    assert parameterize("") == ""
    assert parameterize("\n\t  ") == ""
    assert parameterize("1" * 5000) == "<num>"
