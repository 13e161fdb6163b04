"""Rasa's calls to the action server: one pooled client, retried while it restarts.

Rasa's ``EndpointConfig.request`` opens a new HTTP client, and so a new connection, for
every action call. Under load that exhausted the action server ("Cannot write to
closing transport") and each failure became an empty reply. ``PooledActionEndpoint``
keeps one client with keep-alive connections per Rasa process and retries a call that
never reached the action server: refused while the supervisor restarts it after a
crash, or dropped on a pooled connection the server had just closed.

The help-center channel installs it when the Rasa server starts (``install``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

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


def install(agent: Any) -> None:
    """Makes the agent's processor call the action server through the pooled endpoint."""
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or isinstance(endpoint, PooledActionEndpoint):
        return
    pooled = PooledActionEndpoint(endpoint.url, endpoint.params, endpoint.headers,
                                  endpoint.basic_auth, endpoint.token, endpoint.token_name,
                                  cafile=endpoint.cafile, **endpoint.kwargs)
    agent.action_endpoint = pooled
    if getattr(agent, "processor", None) is not None:
        agent.processor.action_endpoint = pooled
