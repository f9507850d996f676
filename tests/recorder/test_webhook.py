"""Webhook delivery against a real aiohttp server on loopback: retries, backoff, recorded failures."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from lookout.recorder.webhook import Delivery, WebhookSender

SECRET_PATH = "/services/T000/B000/s3cr3tT0ken"


@dataclass
class Hook:
    """A Slack-like endpoint answering a script of statuses (then 200), recording what it got."""

    url: str
    script: list[int]
    bodies: list[bytes] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    redirected: int = 0


@asynccontextmanager
async def hook_server(*script: int, retry_after: str | None = None) -> AsyncIterator[Hook]:
    hook = Hook("", list(script))

    async def receive(request: web.Request) -> web.Response:
        hook.bodies.append(await request.read())
        hook.content_types.append(request.content_type)
        status = hook.script.pop(0) if hook.script else 200
        if status == 302:
            raise web.HTTPFound("/elsewhere")
        headers = {"Retry-After": retry_after} if retry_after and status == 429 else None
        return web.Response(status=status, text="ok" if status == 200 else "no", headers=headers)

    async def elsewhere(request: web.Request) -> web.Response:
        hook.redirected += 1
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(SECRET_PATH, receive)
    app.router.add_route("*", "/elsewhere", elsewhere)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    hook.url = f"http://127.0.0.1:{port}{SECRET_PATH}"
    try:
        yield hook
    finally:
        await runner.cleanup()


async def deliver(sender: WebhookSender, alert_id: int, within_s: float = 10.0) -> list[Delivery]:
    """Send one notification and collect its updates until a final status."""
    sender.start()
    sender.send(
        alert_id, "Lookout critical alert (model_unavailable): openai · gpt-4o · chat looks unavailable"
    )
    updates: list[Delivery] = []
    deadline = asyncio.get_running_loop().time() + within_s
    while not updates or updates[-1].status == "pending":
        assert asyncio.get_running_loop().time() < deadline, updates
        await asyncio.sleep(0.01)
        updates += sender.results()
    sender.close()
    return updates


async def test_retries_with_backoff_until_delivered() -> None:
    async with hook_server(503, 500) as hook:
        updates = await deliver(WebhookSender(hook.url, backoff_s=0.01), alert_id=7)
    assert updates == [
        Delivery(7, "pending", 1, "HTTP 503"),
        Delivery(7, "pending", 2, "HTTP 500"),
        Delivery(7, "delivered", 3),
    ]
    assert len(hook.bodies) == 3 and set(hook.content_types) == {"application/json"}
    assert json.loads(hook.bodies[0]) == {
        "text": "Lookout critical alert (model_unavailable): openai · gpt-4o · chat looks unavailable"
    }


async def test_gives_up_after_the_configured_attempts() -> None:
    async with hook_server(500, 502, 504, 500) as hook:
        updates = await deliver(WebhookSender(hook.url, attempts=3, backoff_s=0.01), alert_id=1)
    assert updates[-1] == Delivery(1, "failed", 3, "HTTP 504")
    assert len(hook.bodies) == 3


async def test_a_client_error_is_not_retried() -> None:
    async with hook_server(404) as hook:
        updates = await deliver(WebhookSender(hook.url, backoff_s=0.01), alert_id=2)
    assert updates == [Delivery(2, "failed", 1, "HTTP 404")]


async def test_rate_limited_delivery_honours_retry_after() -> None:
    async with hook_server(429, retry_after="0") as hook:
        # A one-hour backoff would never finish here: Retry-After: 0 is what lets it through.
        updates = await deliver(WebhookSender(hook.url, backoff_s=3600), alert_id=3)
    assert [u.status for u in updates] == ["pending", "delivered"]


async def test_redirects_are_refused() -> None:
    async with hook_server(302) as hook:
        updates = await deliver(WebhookSender(hook.url, backoff_s=0.01), alert_id=4)
    assert updates == [Delivery(4, "failed", 1, "HTTP 302")]
    assert hook.redirected == 0


async def test_an_unreachable_hook_is_recorded_without_its_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    url = f"http://127.0.0.1:{port}{SECRET_PATH}"
    updates = await deliver(WebhookSender(url, attempts=2, backoff_s=0.01), alert_id=5)
    final = updates[-1]
    assert (final.status, final.attempts) == ("failed", 2)
    assert final.error and "refused" in final.error
    assert all("s3cr3t" not in (u.error or "") and str(port) not in (u.error or "") for u in updates)
