"""Each person's own view of a round's question post, where a platform shows every reader
their own version of a shared post (Teams' user-specific card views): the question, its count,
and the reader's own answer, while the round is open and after it closes.

A request for a view is the client's word: the round must belong to the conversation the
request came from, and the view is always of the person who asked, never of anyone named in
the request.
"""

from __future__ import annotations

from bot import phrases
from bot.context import Person, Place
from bot.handlers.questions import RoundFacts, question_reply
from bot.replies import Notice, OwnView, private
from bot.services import Services
from bot.wording import t
from storage import views


class Views:
    def __init__(self, services: Services, facts: RoundFacts) -> None:
        self.services = services
        self.facts = facts

    async def own(
        self, person: Person, place: Place, round_id: int, question_id: str, saved: bool = False
    ) -> OwnView | None:
        """The person's view of the question; None for a round or question not of ``place``."""
        info = await self.facts.get(round_id)
        asked = info.question(question_id) if info is not None else None
        if info is None or asked is None or info.conversation_id != place.id:
            return None
        found = await self.services.db.read(
            views.question_view, place.id, round_id, question_id, person.id
        )
        if found is None:
            return None
        shared = question_reply(
            self.services, info, asked, responses=found.responses, closed=found.closed
        )
        return OwnView(
            shared,
            found.answered,
            found.level,
            found.comment,
            found.closes_at,
            place.timezone,
            comment_saved=saved,
        )

    async def respondents(self, round_id: int, question_id: str, limit: int) -> list[str]:
        """Who answered the question, the most recent first, at most ``limit`` person ids."""
        return await self.services.db.read(views.recent_respondents, round_id, question_id, limit)


def in_words(view: OwnView) -> Notice:
    """A person's view said in a sentence, for clients that cannot show it on the card."""
    shared = view.question
    if not view.answered:
        return private(
            t(
                "You have not answered question {position} ({aspect}) yet.",
                position=shared.position,
                aspect=shared.aspect.name,
            )
        )
    return private(
        t(
            "Your answer to question {position} ({aspect}): {choice}.",
            position=shared.position,
            aspect=shared.aspect.name,
            choice=phrases.choice(view.level),
        )
    )
