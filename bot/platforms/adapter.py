"""What every chat platform adapter offers the server: a ``Chat`` port and a lifecycle."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from bot.chat import Chat


class PlatformAdapter(Protocol):
    name: str  # "slack", "teams": the platform column of stored conversations

    @property
    def chat(self) -> Chat:  # read-only, so an adapter may hold a SlackChat or a TeamsChat
        """The outbound port: what the scheduler and the handlers speak through."""

    async def start(self, app: web.Application, events: bool = True) -> None:
        """Get ready to speak; with ``events``, also take the platform's events: add routes
        to the shared server, or (Socket Mode) open the connection at ``sign_in``."""

    async def sign_in(self) -> None:
        """After the server listens: check the credentials once (a refusal raises
        ``ConfigError``); when the platform does not answer, keep trying in the background."""

    async def stop(self) -> None:
        """Close connections and wait for work in flight."""

    def health(self) -> dict[str, object]:
        """What /healthz reports for this platform, e.g. ``{"mode": "http", "live": True}``."""
