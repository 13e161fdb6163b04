"""Rasa's calls to the action server: one pooled client, retried while it restarts.

Rasa's ``EndpointConfig.request`` opens a new HTTP client, and so a new connection, for
every action call. Under load that exhausted the action server ("Cannot write to
closing transport") and each failure became an empty reply. ``PooledActionEndpoint``
keeps one client with keep-alive connections per Rasa process and retries a call that
never reached the action server: refused while the supervisor restarts it after a
crash, or dropped on a pooled connection the server had just closed.

Rasa also checks every action server answer against its JSON schema with
``jsonschema.validate``, which re-checks the schema and builds a validator on every
call: about 45 ms of each action call, half a turn (``bench/startup.py``'s profile).
``validate_action_result`` does the same check with one validator built once.

The help-center channel installs both when the Rasa server starts (``install``).
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any, Dict, Optional

import aiohttp
from aiohttp import ContentTypeError
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

logger = logging.getLogger(__name__)

# Below Sanic's 5 s keep-alive: the client drops an idle connection before the server does.
KEEPALIVE_SECONDS = 2.0
MAX_CONNECTIONS = 64
# About 20 s of retries in all: enough for a killed action server to be restarted.
RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0, 4.0, 6.0, 6.0)
# Raised before the request reached the server (or the server closed the connection
# before answering): safe to send again.
RETRIABLE = (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError,
             aiohttp.ClientOSError)


class PooledActionEndpoint(EndpointConfig):
    """The action server's endpoint, with pooled connections and retries.

    Same constructor and ``request`` contract as Rasa's ``EndpointConfig``.
    """

    _client: Optional[aiohttp.ClientSession] = None

    def _pool(self) -> aiohttp.ClientSession:
        if self._client is None or self._client.closed:
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS,
                                               keepalive_timeout=KEEPALIVE_SECONDS),
                timeout=aiohttp.ClientTimeout(total=300))
        return self._client

    async def request(self, method: str = "post", subpath: Optional[str] = None,
                      content_type: Optional[str] = "application/json",
                      compress: bool = False, **kwargs: Any) -> Optional[Any]:
        """Sends one request; returns the JSON answer (None if the answer is not JSON).

        Raises:
            ClientResponseError: the action server answered 4xx/5xx (not retried).
            aiohttp.ClientError: still unreachable after every retry (about 20 s).
        """
        headers = {"Content-Type": content_type} if content_type else {}
        headers.update(kwargs.pop("headers", None) or {})
        headers.update(self.headers)
        url = concat_url(self.url, subpath)
        params = self.combine_parameters(kwargs)
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                async with self._pool().request(method, url, headers=headers, params=params,
                                                 compress=compress, **kwargs) as response:
                    if response.status >= 400:
                        raise ClientResponseError(response.status, response.reason,
                                                  await response.content.read())
                    try:
                        return await response.json()
                    except ContentTypeError:
                        return None
            except RETRIABLE as error:
                if delay is None:
                    raise
                logger.warning("action server call failed (%s); retry %d in %.2f s",
                               error, attempt + 1, delay)
                await asyncio.sleep(delay)
        return None  # not reached: the last attempt returns or raises

    def copy(self) -> PooledActionEndpoint:
        """A copy with the same settings (Rasa copies endpoints)."""
        return PooledActionEndpoint(self.url, self.params, self.headers, self.basic_auth,
                                    self.token, self.token_name, cafile=self.cafile,
                                    **self.kwargs)


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def validate_action_result(action: Any, result: Dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with a validator built once.

    Raises:
        jsonschema.ValidationError: the answer does not match Rasa's schema (the same
            error, with the same message, as Rasa's own check).
    """
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your "
            "response from the Action endpoint is valid. For more information about the "
            f"format visit {DOCS_BASE_URL}/custom-actions")
        raise


def install(agent: Any) -> None:
    """Makes the agent's processor call the action server through the pooled endpoint.

    Also replaces Rasa's per-call schema compilation with ``validate_action_result``.
    """
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or isinstance(endpoint, PooledActionEndpoint):
        return
    pooled = PooledActionEndpoint(endpoint.url, endpoint.params, endpoint.headers,
                                  endpoint.basic_auth, endpoint.token, endpoint.token_name,
                                  cafile=endpoint.cafile, **endpoint.kwargs)
    agent.action_endpoint = pooled
    if getattr(agent, "processor", None) is not None:
        agent.processor.action_endpoint = pooled
