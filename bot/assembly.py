"""Builds the running bot once — settings → storage → handlers → router — for
``maturitybot run``, ``maturitybot chat`` and the tests alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.chat import Chat
from bot.config import Settings
from bot.core import Core
from bot.delivery import Delivery
from bot.handlers.admin import Admin
from bot.handlers.answers import Answers
from bot.handlers.counts import Counts
from bot.handlers.digest import Digests
from bot.handlers.questions import RoundFacts
from bot.handlers.rounds import Rounds
from bot.model import Content
from bot.places import Places
from bot.services import Services, default_instance, utc_now
from storage.engine import Database


@dataclass
class Assembly:
    """The parts of one running bot, wired together."""

    services: Services
    places: Places
    counts: Counts
    rounds: Rounds
    answers: Answers
    digests: Digests
    admin: Admin
    core: Core
    delivery: Delivery

    def serve(self, chat: Chat) -> None:
        """Speak on ``chat``'s platform through it (an adapter registers its port here)."""
        self.places.serve(chat)

    async def stop(self) -> None:
        """Let the last count edits go out while the platforms are still up."""
        await self.delivery.stop()
        await self.counts.flush()


def assemble(
    settings: Settings,
    content: Content,
    db: Database,
    clock: Callable[[], datetime] = utc_now,
    instance: str | None = None,
) -> Assembly:
    services = Services(settings, content, db, clock=clock, instance=instance or default_instance())
    places = Places(services)
    facts = RoundFacts(services)
    counts = Counts(services)
    digests = Digests(services, places)
    delivery = Delivery(services, places, digests, facts)
    rounds = Rounds(services, places, digests, counts, facts, delivery)
    answers = Answers(services, places, counts, facts)
    admin = Admin(services)
    core = Core(services, places, rounds, answers, digests, admin)
    return Assembly(services, places, counts, rounds, answers, digests, admin, core, delivery)
