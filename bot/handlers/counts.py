"""Live response counts on a round's question posts.

After an answer, the question's shared post is edited to show how many answered (never who
or what), at most once per the platform's interval (a second on Slack, longer on Teams, whose
per-thread limits are tighter). Edits are not owed: a newer one supersedes an older one, so a
burst of answers costs one edit, and a failed edit is simply left to the next.
"""

from __future__ import annotations

import asyncio
import logging

from bot.chat import Chat
from bot.context import MessageRef, Place
from bot.handlers.questions import question_reply
from bot.services import Services
from storage import rounds
from storage.rounds import AskedQuestion, RoundInfo

log = logging.getLogger(__name__)
Key = tuple[int, str]


class Counts:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._pending: dict[Key, asyncio.Task[None]] = {}
        self._stale: set[Key] = set()

    def refresh(self, info: RoundInfo, place: Place, question: AskedQuestion, chat: Chat) -> None:
        """Show the new count on the question's post, soon, merged with other answers."""
        ref = MessageRef.loads(question.message_ref)
        if ref is None:
            return
        key = (info.round_id, question.question_id)
        if key in self._pending:
            self._stale.add(key)  # the update under way runs once more when it is done
            return
        self._pending[key] = asyncio.get_running_loop().create_task(
            self._update(info, place, question, ref, chat, key)
        )

    async def _update(
        self,
        info: RoundInfo,
        place: Place,
        question: AskedQuestion,
        ref: MessageRef,
        chat: Chat,
        key: Key,
    ) -> None:
        try:
            while True:
                await asyncio.sleep(chat.count_interval)
                self._stale.discard(key)
                count, closed = await self.services.db.read(
                    rounds.question_state, info.round_id, question.question_id
                )
                # Closed meanwhile (perhaps by another instance): show the closed card, never
                # bring the buttons back.
                reply = question_reply(
                    self.services, info, question, responses=count, closed=closed
                )
                await chat.update(place, ref, reply)
                if key not in self._stale:
                    return
        except Exception:
            log.exception("could not update the response count of a question")
        finally:
            del self._pending[key]
            self._stale.discard(key)

    def cancel(self, round_id: int) -> None:
        """The round closed: its closed cards carry the final counts."""
        for key, task in list(self._pending.items()):
            if key[0] == round_id:
                task.cancel()

    async def flush(self) -> None:
        """Wait for pending count updates (used at shutdown and in tests)."""
        while self._pending:
            await asyncio.gather(*self._pending.values(), return_exceptions=True)
