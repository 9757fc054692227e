"""The conversation directory: how any part of the bot reaches a conversation.

Adapters find or create the stored conversation of an inbound event here, keep how to speak
first in it (Teams' conversation reference), and ask whether an event was handled before.
Handlers and the scheduler ``reach`` a conversation: its ``Place`` and the ``Chat`` that speaks
there. Nothing else keeps conversations or chat ports.
"""

from __future__ import annotations

import time
from dataclasses import replace

from bot.chat import Chat
from bot.context import MessageRef, Place
from bot.services import Services
from storage import conversations, events, rounds
from storage.tables import Conversation

PLACE_SECONDS = 60.0
MAX_CACHED = 10_000  # conversations kept in memory per process; the oldest go first


class Places:
    def __init__(self, services: Services, chats: dict[str, Chat] | None = None) -> None:
        self.services = services
        self.chats: dict[str, Chat] = dict(chats or {})
        self._cache: dict[tuple[str, str, str], tuple[float, Place]] = {}
        self._workspace_of: dict[tuple[str, str], str] = {}  # (platform, channel): the cache's key
        self._key_of: dict[int, tuple[str, str, str]] = {}  # conversation id: the cache's key

    def serve(self, chat: Chat) -> None:
        """Speak on ``chat.platform`` through this port from now on."""
        self.chats[chat.platform] = chat

    def chat(self, platform: str) -> Chat | None:
        """The port that speaks on a platform, None where this process does not serve it."""
        return self.chats.get(platform)

    def place_of(self, conversation: Conversation) -> Place:
        """A stored conversation as the ``Place`` handlers work with."""
        assert conversation.id is not None, "a stored conversation has an id"
        return Place(
            id=conversation.id,
            platform=conversation.platform,
            workspace=conversation.workspace,
            channel=conversation.channel,
            name=conversation.name,
            timezone=conversation.timezone,
            language=conversation.language or self.services.settings.language,
            reference=conversation.reference,
        )

    async def reach(self, conversation_id: int) -> tuple[Place, Chat] | None:
        """A stored conversation and the port to speak there; None when it is gone or its
        platform is not served by this process. Kept like ``place``: a burst reaches every
        conversation for each post it owes."""
        key = self._key_of.get(conversation_id)
        cached = self._cache.get(key) if key is not None else None
        if cached is not None and cached[0] > time.monotonic():
            place = cached[1]
        else:
            found = await self.services.db.read(conversations.get, conversation_id)
            if found is None:
                return None
            place = self.remember(self.place_of(found))
        chat = self.chat(place.platform)
        return (place, chat) if chat is not None else None

    async def place(self, platform: str, workspace: str, channel: str, name: str = "") -> Place:
        """The stored conversation for a platform channel, created on first contact.

        Kept for a minute per process: every event needs it, and it seldom changes (another
        instance's new timezone shows up here within that minute).
        """
        key = (platform, workspace, channel)
        cached = self._cache.get(key)
        if cached and cached[0] > time.monotonic() and (not name or cached[1].name == name):
            return cached[1]
        found = await self.services.db.write(
            conversations.find_or_create, platform, workspace, channel, name, self.services.now()
        )
        return self.remember(self.place_of(found))

    async def find(self, platform: str, channel: str) -> Place | None:
        """A conversation the bot already knows, by the platform's id for it (clicks arrive
        only on the bot's own posts, so their conversation exists)."""
        workspace = self._workspace_of.get((platform, channel))
        if workspace is not None:  # kept as ``place`` keeps it: every click needs it
            cached = self._cache.get((platform, workspace, channel))
            if cached and cached[0] > time.monotonic():
                return cached[1]
        found = await self.services.db.read(conversations.find, platform, channel)
        return self.remember(self.place_of(found)) if found is not None else None

    def remember(self, place: Place) -> Place:
        """Keep a place as it now stands in the database (after this process changed it)."""
        if len(self._cache) >= MAX_CACHED:
            now = time.monotonic()
            for key in [k for k, (expiry, _) in self._cache.items() if expiry <= now]:
                self._drop(key)
            while len(self._cache) >= MAX_CACHED:
                self._drop(next(iter(self._cache)))
        self._cache[(place.platform, place.workspace, place.channel)] = (
            time.monotonic() + PLACE_SECONDS,
            place,
        )
        self._workspace_of[(place.platform, place.channel)] = place.workspace
        self._key_of[place.id] = (place.platform, place.workspace, place.channel)
        return place

    def _drop(self, key: tuple[str, str, str]) -> None:
        place = self._cache.pop(key)[1]
        platform, _, channel = key
        self._workspace_of.pop((platform, channel), None)
        self._key_of.pop(place.id, None)

    def forget(self, place: Place) -> None:
        """Read the conversation again next time (its timezone or language changed)."""
        self._cache.pop((place.platform, place.workspace, place.channel), None)
        self._workspace_of.pop((place.platform, place.channel), None)
        self._key_of.pop(place.id, None)

    async def stored_reference(self, place: Place) -> str | None:
        """How to reach a conversation, as stored now (another instance may have refreshed
        it since ``place`` was read)."""
        found = await self.services.db.read(conversations.get, place.id)
        return found.reference if found else place.reference

    async def reference_of(self, platform: str, channel: str) -> str | None:
        found = await self.services.db.read(conversations.find, platform, channel)
        return found.reference if found else None

    async def remember_reference(self, place: Place, reference: str) -> Place:
        """Keep how to reach this conversation (written only when it changed)."""
        if place.reference != reference:
            await self.services.db.write(conversations.save_reference, place.id, reference)
            place = replace(place, reference=reference)
        return self.remember(place)

    async def remember_conversation(
        self, platform: str, workspace: str, channel: str, name: str, reference: str
    ) -> Place:
        """A conversation the platform opened for us (a 1:1 chat), with its reference."""
        place = await self.place(platform, workspace, channel, name)
        return await self.remember_reference(place, reference)

    async def first_delivery(self, platform: str, event_id: str) -> bool:
        """False when this platform event was handled before (a retry), on any instance."""
        s = self.services
        return await s.db.write(events.first_delivery, f"{platform}:{event_id}", s.now())

    async def pulse_thread(self, platform: str, channel: str, thread_id: str) -> Place | None:
        """The conversation, when ``thread_id`` is its open round's parent post. Reads only:
        most threads are people talking, and those cost no write."""
        found = await self.services.db.read(rounds.open_parent_in, platform, channel)
        if found is None:
            return None
        conversation, parent = found
        ref = MessageRef.loads(parent)
        return self.place_of(conversation) if ref is not None and ref.id == thread_id else None
