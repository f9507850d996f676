"""Canaries and realistic payloads shared by the redaction tests and benchmarks.

Every canary is fake but has the exact shape of the real thing (checksums
included), so that a recognizer that finds it would find a real one.
"""

from __future__ import annotations

import json
from typing import Any

_PEM_BODY = "\n".join(
    [
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
        "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
        "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo",
    ]
)
PEM_KEY = f"-----BEGIN RSA PRIVATE KEY-----\n{_PEM_BODY}\n-----END RSA PRIVATE KEY-----"

# entity type -> canary values (each must disappear from anything stored)
CANARIES: dict[str, list[str]] = {
    "EMAIL_ADDRESS": ["zelda.quinlan@example-mail.com"],
    "PHONE_NUMBER": ["+1 415 555 0133", "(212) 555-0147"],
    "CREDIT_CARD": ["4111 1111 1111 1111", "5500005555555559"],
    "IBAN_CODE": ["DE89370400440532013000"],
    "IP_ADDRESS": ["203.0.113.77"],
    "URL": ["https://zelda-quinlan.example.org/profile"],
    "US_SSN": ["536-22-8765"],
    "CRYPTO": ["1BoatSLRHtKNngkdXEeobR76b53LETtpyT"],
    "MAC_ADDRESS": ["00:1B:44:11:3A:B7"],
    "API_KEY": [
        "sk-proj-Zq8RvT3kLm9NpQ2sXw4YbC6dFh1JgK5eUa7ViO0tHr2Ws8Ex",
        "sk-ant-api03-Xy7Qw2Er4Ty6Ui8Op0As1Df3Gh5Jk7Lz9Xc2Vb4Nm6QaWsEdRfTgYhUj-KlZx9Cv8Bn7MqAA",
        "AIzaSyD4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ012",
        "gsk_Tb3Ny7Qp2Wx5Rz8Lk1Mv4Jc6Hd9Fs0Ga3Ue7Yi2Oo5Pe8Aa1Sq4Zw6",
        "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",
        "xai-Qm3Rt7Yu1Io5Pa9Sd2Fg6Hj0Kl4Zx8Cv3Bn7Mq1We5Rt9Yu2Io6Pa0Sd4Fg8Hj3Kl",
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    ],
    "SECRET": ["Qm8vT2xR7pL4nK9sW3zY6bH1cJ5dF0gA"],  # a Mistral-style key: no prefix
    "AWS_ACCESS_KEY": ["AKIAQ3EGUCANARY7XYZW"],
    "GITHUB_TOKEN": [
        "ghp_R4nD0mT0k3nV4lu3F0rT3st1ngPurp0s3sXY",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abc",
    ],
    "SLACK_TOKEN": ["xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"],
    "STRIPE_KEY": ["sk_live_51HcAnArY0123456789abcdEFGH", "rk_live_51HcAnArYzyxwvu9876543210"],
    "JWT": [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ6ZWxkYSIsIm5hbWUiOiJaZWxkYSBRdWlubGFuIn0."
        "Nk3vQ8xYp2Lr7Tz1Wm5Ks9Jd4Hf6Gb0Ca3Ve8Ux2Iy5Oz1"
    ],
    "BEARER_TOKEN": ["4f3c9a1e7b2d8c6a0e5b9d3f1a7c2e8b"],
    "PRIVATE_KEY": [_PEM_BODY.split("\n")[1]],
    "URL_PASSWORD": ["Hunter2Canary"],
}

# Sentences that carry the canaries, as a user would write them in a prompt.
CANARY_TEXT = (
    "Hi, I'm writing from zelda.quinlan@example-mail.com. Call me on +1 415 555 0133 or at the office on "
    "(212) 555-0147. My card is 4111 1111 1111 1111 and the backup card 5500005555555559; "
    "IBAN DE89370400440532013000, SSN 536-22-8765. My server is 203.0.113.77 (MAC 00:1B:44:11:3A:B7) "
    "and my page https://zelda-quinlan.example.org/profile. Tips go to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT.\n"
    "Keys: OPENAI=sk-proj-Zq8RvT3kLm9NpQ2sXw4YbC6dFh1JgK5eUa7ViO0tHr2Ws8Ex "
    "anthropic sk-ant-api03-Xy7Qw2Er4Ty6Ui8Op0As1Df3Gh5Jk7Lz9Xc2Vb4Nm6QaWsEdRfTgYhUj-KlZx9Cv8Bn7MqAA, "
    "google AIzaSyD4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ012, "
    "groq gsk_Tb3Ny7Qp2Wx5Rz8Lk1Mv4Jc6Hd9Fs0Ga3Ue7Yi2Oo5Pe8Aa1Sq4Zw6, "
    "openrouter 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, "
    "xai xai-Qm3Rt7Yu1Io5Pa9Sd2Fg6Hj0Kl4Zx8Cv3Bn7Mq1We5Rt9Yu2Io6Pa0Sd4Fg8Hj3Kl, "
    "hf hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789, mistral Qm8vT2xR7pL4nK9sW3zY6bH1cJ5dF0gA.\n"
    "AWS AKIAQ3EGUCANARY7XYZW, GitHub ghp_R4nD0mT0k3nV4lu3F0rT3st1ngPurp0s3sXY and "
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abc, "
    "Slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx, "
    "Stripe sk_live_51HcAnArY0123456789abcdEFGH "
    "and rk_live_51HcAnArYzyxwvu9876543210.\n"
    "Session: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ6ZWxkYSIsIm5hbWUiOiJaZWxkYSBRdWlubGFuIn0."
    "Nk3vQ8xYp2Lr7Tz1Wm5Ks9Jd4Hf6Gb0Ca3Ve8Ux2Iy5Oz1\n"
    "curl -H 'Authorization: Bearer 4f3c9a1e7b2d8c6a0e5b9d3f1a7c2e8b' "
    "postgres://admin:Hunter2Canary@db.internal.example.com:5432/app\n"
    f"{PEM_KEY}\n"
)


def all_canaries() -> list[str]:
    return [value for values in CANARIES.values() for value in values]


def canary_leaks(stored: str) -> list[str]:
    """The canaries still present in ``stored`` (an empty list is the only good answer)."""
    return [value for value in all_canaries() if value in stored]


def openai_chat_request(user_text: str, history: list[dict[str, Any]] | None = None) -> bytes:
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        *(history or []),
        {"role": "user", "content": user_text},
    ]
    body = {"model": "gpt-4o-2024-08-06", "temperature": 0.7, "max_tokens": 512, "messages": messages}
    return json.dumps(body).encode()


def openai_chat_response(text: str) -> bytes:
    body = {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 812, "completion_tokens": 96, "total_tokens": 908},
    }
    return json.dumps(body).encode()
