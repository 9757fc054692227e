"""The outbound port: how the bot speaks in a conversation without knowing the platform.

Every platform adapter implements ``Chat``. Threads belong to the adapter: handlers say
"post in the thread of this message"; Slack turns that into ``thread_ts``, Teams into a
``;messageid=`` conversation id, the console into indentation. The adapter also renders each
reply in the reader's language: the conversation's for what everyone sees, the person's for
what only they see.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from bot.context import MessageRef, Place
from bot.replies import Reply

# The owed post being delivered (its outbox id as text), for an adapter that can mark what it
# posts so that a post whose outcome was unknown can be found again (Slack's metadata).
delivering: ContextVar[str | None] = ContextVar("delivering", default=None)

Failure = Literal["retry", "uncertain", "permanent"]


class Chat(Protocol):
    """What handlers need from a chat platform."""

    platform: str
    # How often a question's response count may be refreshed, in seconds (the platform's
    # edit limits decide).
    count_interval: float
    # How wide, in pixels, the platform shows a digest's chart: it is drawn at that width so
    # its type stays readable (a file upload shows the wide chart, a Teams card a narrow one).
    chart_width: int

    async def post(self, place: Place, reply: Reply) -> MessageRef | None:
        """Post to the conversation itself (a channel message, not a thread reply)."""

    async def post_in_thread(
        self, place: Place, parent: MessageRef, reply: Reply, broadcast: bool = False
    ) -> MessageRef | None:
        """Reply in the thread of ``parent``; ``broadcast`` also shows it in the channel."""

    async def update(self, place: Place, message: MessageRef, reply: Reply) -> None:
        """Replace a message the bot posted earlier."""

    async def tell(
        self, place: Place, person_id: str, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        """Show something to one person only, in this conversation."""

    async def direct(self, place: Place, person_id: str, reply: Reply) -> bool:
        """Send a direct message; False where the platform cannot reach the person."""

    async def members(self, place: Place) -> list[str] | None:
        """The people in the conversation, or None where the platform cannot list them."""


@runtime_checkable
class Receipts(Protocol):
    """What a platform can tell the deliverer about a post that failed (bot/delivery/)."""

    # Whether ``find_delivered`` can look (Slack: message metadata; Teams has no way to
    # read the bot's own channel posts back without Graph permissions).
    finds_delivered: bool

    def failure(self, error: BaseException) -> Failure:
        """``retry``: not delivered, try again; ``uncertain``: it may have arrived (a
        timeout after the request went out); ``permanent``: it never will (not in channel)."""

    async def find_delivered(
        self, place: Place, thread: MessageRef | None, mark: str, since: datetime
    ) -> MessageRef | None:
        """The message posted for ``mark`` since ``since`` (in ``thread``, if given), if any.
        Raises when the platform cannot be asked now."""
