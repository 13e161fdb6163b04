"""Rasa's calls to the action server survive load and a restarting action server."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
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


# Rasa's own check, kept before any test installs the fast one (install patches the class).
RASAS_CHECK = RemoteAction._validate_action_result


@pytest.fixture(autouse=True)
def rasas_check_restored():
    yield
    RemoteAction._validate_action_result = RASAS_CHECK


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


@pytest.mark.parametrize(("result", "valid"), [
    ({"events": [{"event": "slot", "name": "language", "value": "nb"}],
      "responses": [{"text": "Hei!"}]}, True),
    ({"events": [], "responses": []}, True),
    ({"events": [{"event": "slot", "name": "language", "value": "fr"}]}, True),
    ({"events": [{"name": "language"}], "responses": []}, False),
    ({"events": "not a list", "responses": []}, False),
], ids=["slot and text", "empty", "no responses", "event without type", "events not a list"])
def test_the_fast_check_agrees_with_rasas_own(result, valid):
    from jsonschema import ValidationError

    from bot.channels.action_endpoint import validate_action_result

    rasa_says = ours_say = True
    try:
        RASAS_CHECK(RemoteAction("action_x", None), result)
    except ValidationError:
        rasa_says = False
    try:
        validate_action_result(None, result)
    except ValidationError as error:
        ours_say = False
        assert "Failed to validate Action server response" in error.message
    assert rasa_says == ours_say == valid


def test_install_uses_the_fast_check_for_every_remote_action():
    class Agent:
        action_endpoint = None

    install(Agent())
    assert RemoteAction._validate_action_result is action_endpoint.validate_action_result
