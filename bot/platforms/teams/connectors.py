"""Connector clients reused across turns.

botbuilder's CloudAdapter asks for a new ``ConnectorClient`` on every activity, and building
one builds an msrest configuration whose retry policy alone costs about 15 ms of CPU (a list
of 999 status codes checked against another of 500). Measured under load that capped one
instance at about 60 clicks a second. A client holds no per-turn state, so one per app id,
service URL and audience is kept and reused; credentials refresh their own tokens.

Each client's calls are bounded by PLATFORM_TIMEOUT (msrest's default is 100 s per read).
"""

from __future__ import annotations

from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

Key = tuple[str, str, str]
# A service URL that does not answer must not hold a turn (msrest's default: 100 s, and three
# retries with backoff on a refused connection, about 5 s more): a connection that fails,
# fails at once; statuses keep msrest's retries and backoff.py's.
TIMEOUT_SECONDS = 5


class ReusingConnectorFactory(ConnectorFactory):  # type: ignore[misc]  # botbuilder is untyped
    def __init__(
        self,
        inner: ConnectorFactory,
        clients: dict[Key, ConnectorClient],
        app: str,
        timeout: float | None = None,
    ):
        self._inner, self._clients, self._app = inner, clients, app
        self._timeout = timeout

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app, service_url, audience or "")
        client = self._clients.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            # requests' timeout: connecting, and each read
            client.config.connection.timeout = self._timeout or TIMEOUT_SECONDS
            client.config.retry_policy.policy.connect = 0
            self._clients[key] = client
        return client


class ReusingAuthentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]  # botbuilder is untyped
    """``ConfigurationBotFrameworkAuthentication`` whose connector factories reuse clients."""

    def __init__(self, configuration: Any, timeout: float | None = None) -> None:
        super().__init__(configuration)
        self._timeout = timeout
        self._clients: dict[Key, ConnectorClient] = {}
        self._token_clients: dict[str, UserTokenClient] = {}

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        """The OAuth token client botbuilder puts in every turn; as costly to build, as reusable."""
        app = _app_of(claims_identity)
        client = self._token_clients.get(app)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients[app] = client
        return client

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = self._reusing(
                result.connector_factory, result.claims_identity
            )
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = super().create_connector_factory(claims_identity)
        return self._reusing(inner, claims_identity)

    def _reusing(self, inner: ConnectorFactory, claims: ClaimsIdentity | None) -> ConnectorFactory:
        return ReusingConnectorFactory(inner, self._clients, _app_of(claims), self._timeout)


def _app_of(claims: ClaimsIdentity | None) -> str:
    found = (claims.claims if claims and claims.claims else {}) or {}
    return str(found.get("appid") or found.get("azp") or found.get("aud") or "")
