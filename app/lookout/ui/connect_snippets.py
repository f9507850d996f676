"""The Connect view's code snippets, filled in with the proxy's real port. No Qt.

Each Python snippet is a complete program that makes one call, so a user can
paste and run it, and the tests run the OpenAI, Anthropic and Gemini ones
against a real proxy. Keys: the SDKs read their usual environment variable;
with a key stored in Lookout (Settings › API keys) the placeholder ``lookout``
is enough, and the proxy puts the real key on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Snippet:
    title: str
    language: str  # python | typescript | shell
    code: str


def proxy_url(port: int, upstream: str = "") -> str:
    base = f"http://127.0.0.1:{port}"
    return f"{base}/{upstream}" if upstream else base


def snippets(port: int) -> list[Snippet]:
    """Every snippet, in the order the view shows them."""
    url = proxy_url(port)
    return [
        Snippet("OpenAI", "python", _OPENAI.format(url=url)),
        Snippet("Anthropic", "python", _ANTHROPIC.format(url=url)),
        Snippet("Gemini", "python", _GEMINI.format(url=url)),
        Snippet("LangChain", "python", _LANGCHAIN.format(url=url)),
        Snippet("LlamaIndex", "python", _LLAMAINDEX.format(url=url)),
        Snippet("Vercel AI SDK", "typescript", _VERCEL.format(url=url)),
        Snippet("curl", "shell", _CURL.format(url=url)),
        Snippet("Environment variables", "shell", _ENV.format(url=url)),
    ]


_OPENAI = """\
from openai import OpenAI

# The key comes from OPENAI_API_KEY (or pass api_key="lookout" to use the key stored in Lookout).
client = OpenAI(base_url="{url}/openai/v1")
reply = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{{"role": "user", "content": "Say hello"}}],
    extra_headers={{"x-lookout-session": "my-first-session"}},  # optional: groups calls in Traces
)
print(reply.choices[0].message.content)
"""

_ANTHROPIC = """\
from anthropic import Anthropic

# The key comes from ANTHROPIC_API_KEY (or api_key="lookout" to use the key stored in Lookout).
client = Anthropic(base_url="{url}/anthropic")
reply = client.messages.create(
    model="claude-3-5-haiku-latest",
    max_tokens=200,
    messages=[{{"role": "user", "content": "Say hello"}}],
)
print(reply.content[0].text)
"""

_GEMINI = """\
from google import genai
from google.genai import types

# The key comes from GEMINI_API_KEY (or api_key="lookout" to use the key stored in Lookout).
client = genai.Client(http_options=types.HttpOptions(base_url="{url}/gemini"))
reply = client.models.generate_content(model="gemini-2.0-flash", contents="Say hello")
print(reply.text)
"""

_LANGCHAIN = """\
from langchain_anthropic import ChatAnthropic
from langchain_openai import ChatOpenAI

openai_llm = ChatOpenAI(model="gpt-4o-mini", base_url="{url}/openai/v1")
claude_llm = ChatAnthropic(model="claude-3-5-haiku-latest", base_url="{url}/anthropic")
print(openai_llm.invoke("Say hello").content)
"""

_LLAMAINDEX = """\
from llama_index.llms.openai import OpenAI

llm = OpenAI(model="gpt-4o-mini", api_base="{url}/openai/v1")
print(llm.complete("Say hello"))
"""

_VERCEL = """\
import {{ generateText }} from "ai";
import {{ createOpenAI }} from "@ai-sdk/openai";
import {{ createAnthropic }} from "@ai-sdk/anthropic";

const openai = createOpenAI({{ baseURL: "{url}/openai/v1" }});
const anthropic = createAnthropic({{ baseURL: "{url}/anthropic/v1" }});

const {{ text }} = await generateText({{ model: openai("gpt-4o-mini"), prompt: "Say hello" }});
console.log(text);
"""

_CURL = """\
curl {url}/openai/v1/chat/completions \\
  -H "Authorization: Bearer $OPENAI_API_KEY" \\
  -H "Content-Type: application/json" \\
  -H "x-lookout-trace: my-trace-1" \\
  -d '{{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": "Say hello"}}]}}'
"""

_ENV = """\
# Most SDKs read these, so many apps need no code change at all.
export OPENAI_BASE_URL={url}/openai/v1
export ANTHROPIC_BASE_URL={url}/anthropic
export GOOGLE_GEMINI_BASE_URL={url}/gemini
export OLLAMA_HOST={url}/ollama
"""
