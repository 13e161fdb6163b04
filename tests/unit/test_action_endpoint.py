"""Rasa's calls to the action server survive load and a restarting action server."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.channels import action_endpoint
from bot.channels.action_endpoint import PooledActionEndpoint, install
from tests.conftest import free_port


class ActionServer:
    """A stand-in action server that counts requests and TCP connections."""

    def __init__(self, status=200):
        self.status, self.requests, self.peers = status, 0, set()

    async def webhook(self, request):
        self.requests += 1
        self.peers.add(request.transport.get_extra_info("peername"))
        await asyncio.sleep(0.01)
        if self.status != 200:
            return web.json_response({"error": "boom"}, status=self.status)
        return web.json_response({"events": [], "responses": [{"text": "ok"}]})

    async def start(self, port):
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(action_endpoint, "RETRY_DELAYS", (0.05, 0.1, 0.2, 0.4, 0.8))


def test_a_call_waits_for_an_action_server_that_is_restarting():
    async def scenario():
        port, server = free_port(), ActionServer()
        endpoint = PooledActionEndpoint(f"http://127.0.0.1:{port}/webhook")
        call = asyncio.create_task(endpoint.request(json={"next_action": "x"}))
        await asyncio.sleep(0.3)  # refused meanwhile: the server is not up yet
        runner = await server.start(port)
        try:
            return await call, server.requests
        finally:
            await endpoint._pool().close()
            await runner.cleanup()

    answer, requests = asyncio.run(scenario())
    assert answer["responses"] == [{"text": "ok"}] and requests == 1


def test_concurrent_calls_share_a_bounded_pool_and_all_succeed():
    async def scenario():
        port, server = free_port(), ActionServer()
        runner = await server.start(port)
        endpoint = PooledActionEndpoint(f"http://127.0.0.1:{port}/webhook")
        try:
            answers = await asyncio.gather(*(endpoint.request(json={"n": n})
                                             for n in range(200)))
            return answers, server
        finally:
            await endpoint._pool().close()
            await runner.cleanup()

    answers, server = asyncio.run(scenario())
    assert all(a["responses"] == [{"text": "ok"}] for a in answers)
    assert server.requests == 200
    assert len(server.peers) <= action_endpoint.MAX_CONNECTIONS


def test_an_error_answer_is_not_sent_twice():
    async def scenario():
        port, server = free_port(), ActionServer(status=500)
        runner = await server.start(port)
        endpoint = PooledActionEndpoint(f"http://127.0.0.1:{port}/webhook")
        try:
            with pytest.raises(ClientResponseError):
                await endpoint.request(json={})
            return server.requests
        finally:
            await endpoint._pool().close()
            await runner.cleanup()

    assert asyncio.run(scenario()) == 1


def test_an_action_server_that_never_comes_back_is_an_error_not_a_hang():
    async def scenario():
        endpoint = PooledActionEndpoint(f"http://127.0.0.1:{free_port()}/webhook")
        try:
            await endpoint.request(json={})
        finally:
            await endpoint._pool().close()

    with pytest.raises(Exception, match="Cannot connect|Connect call failed"):
        asyncio.run(scenario())


def test_install_swaps_the_agents_endpoint_once():
    class Agent:
        action_endpoint = EndpointConfig("http://127.0.0.1:5055/webhook", token="t")
        processor = type("P", (), {"action_endpoint": None})()

    agent = Agent()
    install(agent)
    first = agent.action_endpoint
    install(agent)
    assert isinstance(first, PooledActionEndpoint) and agent.action_endpoint is first
    assert agent.processor.action_endpoint is first and first.token == "t"
