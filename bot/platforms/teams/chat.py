"""The ``Chat`` port in Microsoft Teams, through botbuilder's ``CloudAdapter``.

Everything goes through the stored conversation reference, so the bot can speak first after a
restart. Threads are Teams', not the core's business: a channel post opens a new thread
(``create_conversation`` into the channel) whose conversation id is
``<channel>;messageid=<root id>``, and replies in it go to that conversation id (a
``replyToId`` alone does not thread in Teams). Group and personal chats have no threads.

Private messages go to the person's 1:1 chat with the bot: the stored one when they have
talked to the bot there, else a new one through ``create_conversation`` with their ``29:`` id,
which Teams allows where the app is installed for them or in a team they belong to.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

import requests
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationParameters,
)

from bot.chat import Failure
from bot.context import MessageRef, Place
from bot.handlers import chart
from bot.handlers.views import Views
from bot.metrics import POSTS
from bot.places import Places
from bot.platforms.teams import cards, pulse_cards, views
from bot.platforms.teams.backoff import (
    CREATE_RETRY_STATUSES,
    RETRY_STATUSES,
    status_of,
    with_backoff,
)
from bot.platforms.teams.inbound import personal_key
from bot.platforms.teams.kit import CONTENT_TYPE, Card
from bot.platforms.teams.markup import escape as card_text
from bot.platforms.teams.people import account_of
from bot.platforms.teams.references import (
    CHANNEL_ID,
    PERSONAL,
    StoredReference,
    thread_conversation,
    thread_root,
)
from bot.replies import Notice, PulseParent, Reply, SurveyQuestion, language_of
from bot.wording import escaping, speaking, t

log = logging.getLogger(__name__)
PLATFORM = "teams"
MEMBER_PAGE_SIZE = 500
MAX_PEOPLE = 20_000
PRIVATE_ELSEWHERE = t("I've answered you in our private chat.")
PRIVATE_UNREACHABLE = t(
    "I couldn't reply to you privately. Open a chat with me (Apps → maturity-bot) and ask "
    "again there."
)


def message(reply: Reply, language: str | None = None, card: Card | None = None) -> Activity:
    """A reply as a Teams message: one Adaptive Card (``card``, else the reply's own), with a
    one-line summary, in ``language`` (None: the language in force)."""
    with speaking(language_of(reply, language)):
        with escaping(str):  # the summary is plain text: shown as typed
            summary = cards.summary_of(reply)
        with escaping(card_text):  # markdown: what people typed is escaped
            content = card or cards.render(reply)
    return Activity(
        type=ActivityTypes.message,
        summary=summary,
        attachments=[Attachment(content_type=CONTENT_TYPE, content=content)],
    )


class TeamsChat:
    platform = PLATFORM
    # Teams allows a bot about 60 operations per 30 s in one thread, and all of a round's
    # questions share its thread: counts are refreshed at most every 10 s per question.
    count_interval = 10.0
    chart_width = chart.CARD  # inside the digest's card
    views: Views | None = None  # who answered a question, for their own card views (bot.py)
    # The Bot Connector has no idempotency key, and a bot cannot read its own channel posts
    # back without Graph permissions: a send that timed out is not repeated blindly (the
    # deliverer gives it up and tells the admins to check).
    finds_delivered = False

    def __init__(self, adapter: CloudAdapter, app_id: str, places: Places) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.places = places
        # person id -> (29: id, language), learnt from inbound activities and member lists:
        # the 29: id opens a 1:1 chat with someone whose person id is their AAD object id,
        # and what they are told privately is in their language. Bounded: the oldest go.
        self._people: OrderedDict[str, tuple[str, str | None]] = OrderedDict()

    def remember(self, person_id: str, teams_id: str, locale: str | None = None) -> None:
        known = self._people.pop(person_id, None)
        self._people[person_id] = (teams_id, locale or (known[1] if known else None))
        while len(self._people) > MAX_PEOPLE:
            self._people.popitem(last=False)

    def language_of_person(self, person_id: str) -> str | None:
        known = self._people.get(person_id)
        return known[1] if known else None

    # --- the Chat port ----------------------------------------------------------------

    async def post(self, place: Place, reply: Reply) -> MessageRef | None:
        reference = await self._reference(place)
        if reference is None:
            return None
        if reference.is_channel:
            return await self._new_thread(reference, await self._message(reply, place.language))
        if isinstance(reply, PulseParent):  # a chat has no threads: the questions come below
            reply = replace(reply, threaded=False)
        sent = await self._send(
            reference, reference.conversation_id, await self._message(reply, place.language)
        )
        return MessageRef(reference.conversation_id, sent) if sent else None

    async def post_in_thread(
        self, place: Place, parent: MessageRef, reply: Reply, broadcast: bool = False
    ) -> MessageRef | None:
        # ``broadcast`` needs nothing in Teams: a thread reply already shows in the channel.
        reference = await self._reference(place)
        if reference is None:
            return None
        conversation = reference.conversation_id
        if reference.is_channel and thread_root(parent.conversation):
            conversation = parent.conversation
        sent = await self._send(reference, conversation, await self._message(reply, place.language))
        return MessageRef(conversation, sent) if sent else None

    async def update(self, place: Place, message_ref: MessageRef, reply: Reply) -> None:
        reference = await self._reference(place)
        if reference is None:
            return
        replacement = await self._message(reply, place.language)
        replacement.id = message_ref.id
        POSTS.labels(PLATFORM, "update").inc()

        async def replace(context: TurnContext) -> None:
            await context.update_activity(replacement)

        await self._continue(reference, message_ref.conversation, replace, "update a message")

    async def tell(
        self, place: Place, person_id: str, reply: Reply, thread: MessageRef | None = None
    ) -> None:
        """Teams has no message only one person sees in a shared conversation: use the 1:1."""
        reached = await self.direct(place, person_id, reply)
        await self.point_to_private(place, thread, reached)

    async def point_to_private(
        self, place: Place, thread: MessageRef | None, reached: bool
    ) -> None:
        """Say in the shared conversation where the answer went: no mention, no content."""
        reference = await self._reference(place)
        if reference is None or reference.kind == PERSONAL:
            return
        note = Notice(PRIVATE_ELSEWHERE if reached else PRIVATE_UNREACHABLE)
        if thread is not None:
            await self.post_in_thread(place, thread, note)
        elif not reference.is_channel:  # a new channel thread for this would be noise
            await self.post(place, note)

    async def direct(self, place: Place, person_id: str, reply: Reply) -> bool:
        try:
            said = message(reply, self.language_of_person(person_id) or place.language)
            stored = await self.places.reference_of(PLATFORM, personal_key(person_id))
            personal = StoredReference.loads(stored)
            if personal is not None:
                await self._send(personal, personal.conversation_id, said)
                return True
            reference = await self._reference(place)
            known = self._people.get(person_id)
            teams_id = known[0] if known else (person_id if person_id.startswith("29:") else None)
            if reference is None or teams_id is None:
                return False
            await self._open_personal(reference, person_id, teams_id, said)
            return True
        except Exception:
            log.warning("teams: could not message a person privately", exc_info=True)
            return False

    async def members(self, place: Place) -> list[str] | None:
        reference = await self._reference(place)
        if reference is None:
            return None
        found: list[object] = []

        async def collect(context: TurnContext) -> None:
            found.clear()  # a retried listing starts again
            token = None
            while True:
                page = await TeamsInfo.get_paged_members(context, token, MEMBER_PAGE_SIZE)
                found.extend(page.members or [])
                token = page.continuation_token
                if not token:
                    return

        try:
            await self._continue(reference, reference.conversation_id, collect, "list members")
        except Exception:
            log.warning("teams: could not list the members of %s", place.label, exc_info=True)
            return None
        people: list[str] = []
        for member in found:
            account = account_of(member)
            if account is None or account.teams_id == reference.bot_id:
                continue
            if account.teams_id.startswith("28:"):  # other bots
                continue
            person_id = account.person_id
            self.remember(person_id, account.teams_id)
            people.append(person_id)
        return people

    # --- user-specific card views -------------------------------------------------------

    async def _message(self, reply: Reply, language: str) -> Activity:
        """A question's card lists who answered (``refresh.userIds``), so that each of them
        sees their own answer on it, open or closed; other replies are as rendered."""
        if not isinstance(reply, SurveyQuestion) or self.views is None:
            return message(reply, language)
        user_ids, everyone = await self._listed(reply.round_id, reply.question.id)
        with speaking(language_of(reply, language)):
            card = pulse_cards.shared_question(reply, user_ids, everyone)
        return message(reply, language, card)

    async def _listed(self, round_id: int, question_id: str) -> tuple[list[str], bool]:
        """The Teams ids of the most recent respondents, at most Teams' limit, and whether
        that is everyone who answered (if not, the card offers "Show my answer")."""
        assert self.views is not None
        limit = views.MAX_USER_IDS
        people = await self.views.respondents(round_id, question_id, limit + 1)
        user_ids = [teams_id for person in people[:limit] if (teams_id := self.teams_id_of(person))]
        return user_ids, len(people) <= limit and len(user_ids) == len(people)

    def teams_id_of(self, person_id: str) -> str | None:
        """The ``29:`` id Teams lists people by; known from their activities (this process
        only: the refresh of someone not known here falls back to "Show my answer")."""
        known = self._people.get(person_id)
        if known is not None:
            return known[0]
        return person_id if person_id.startswith("29:") else None

    # --- Receipts: what the deliverer (bot/delivery/) asks after a failure -------------

    def failure(self, error: BaseException) -> Failure:
        inner = getattr(error, "inner_exception", None) or error.__cause__ or error
        if isinstance(inner, requests.exceptions.ConnectTimeout):
            return "retry"  # never connected: nothing was sent
        if isinstance(inner, requests.exceptions.Timeout | TimeoutError):
            return "uncertain"  # sent, and no answer: Teams may have posted it
        status = status_of(error)
        if status in (401, 403, 404):
            return "permanent"  # removed from the team, or the conversation is gone
        # Refused connections, and 5xx, which Microsoft asks bots to retry.
        return "retry"

    async def find_delivered(
        self, place: Place, thread: MessageRef | None, mark: str, since: datetime
    ) -> MessageRef | None:
        raise NotImplementedError("Teams cannot look its own posts up (finds_delivered)")

    # --- Bot Framework plumbing ------------------------------------------------------

    async def _reference(self, place: Place) -> StoredReference | None:
        """The freshest stored reference: places cached in rounds may predate a move."""
        reference = StoredReference.loads(await self.places.stored_reference(place))
        if reference is None:
            log.warning(
                "teams: no conversation reference for %s yet; the bot must receive a message "
                "or be installed there before it can post",
                place.label,
            )
        return reference

    async def _continue(
        self,
        reference: StoredReference,
        conversation_id: str,
        work: Callable[[TurnContext], Awaitable[None]],
        what: str,
        retry_on: frozenset[int] = RETRY_STATUSES,
    ) -> None:
        """Run ``work`` in a proactive turn in the conversation (or thread) given."""

        async def logic(context: TurnContext) -> None:
            # A continuation activity carries no channel data; TeamsInfo reads team and tenant
            # from it, so give it what the stored reference knows.
            context.activity.channel_data = reference.channel_data()
            # Nor does it answer any message: without this, sends become replies to its
            # made-up id. Teams threads by conversation id, so a plain send is the honest call.
            context.activity.id = None
            await work(context)

        conversation_reference = reference.conversation_reference(conversation_id)
        await with_backoff(
            lambda: self.adapter.continue_conversation(conversation_reference, logic, self.app_id),
            what,
            retry_on=retry_on,
        )

    async def _send(
        self, reference: StoredReference, conversation_id: str, activity: Activity
    ) -> str | None:
        POSTS.labels(PLATFORM, "direct" if reference.kind == PERSONAL else "message").inc()
        sent: list[str | None] = []

        async def send(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            sent.append(response.id if response else None)

        await self._continue(
            reference, conversation_id, send, "send a message", CREATE_RETRY_STATUSES
        )
        return sent[-1] if sent else None

    async def _new_thread(self, reference: StoredReference, activity: Activity) -> MessageRef:
        """A new post in the channel, which Teams makes the root of a new thread."""
        POSTS.labels(PLATFORM, "thread").inc()
        created: dict[str, str | None] = {}
        parameters = ConversationParameters(
            is_group=True,
            bot=ChannelAccount(id=reference.bot_id, name=reference.bot_name),
            channel_data=reference.channel_data(),
            activity=activity,
            tenant_id=reference.tenant_id,
        )

        async def remember(context: TurnContext) -> None:
            created["conversation"] = context.activity.conversation.id
            created["id"] = context.activity.id

        await with_backoff(
            lambda: self.adapter.create_conversation(
                self.app_id, remember, parameters, CHANNEL_ID, reference.service_url, None
            ),
            "start a thread",
            retry_on=CREATE_RETRY_STATUSES,
        )
        conversation = created.get("conversation") or reference.conversation_id
        root = thread_root(conversation) or created.get("id") or ""
        if not thread_root(conversation):
            conversation = thread_conversation(conversation, root)
        return MessageRef(conversation, root)

    async def _open_personal(
        self, reference: StoredReference, person_id: str, teams_id: str, activity: Activity
    ) -> None:
        """Open (or find: Teams returns the existing one) the 1:1 chat, send, and store it."""
        POSTS.labels(PLATFORM, "direct").inc()
        opened: dict[str, str] = {}
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=reference.bot_id, name=reference.bot_name),
            members=[ChannelAccount(id=teams_id)],
            tenant_id=reference.tenant_id,
            channel_data={"tenant": {"id": reference.tenant_id}} if reference.tenant_id else None,
        )

        async def send(context: TurnContext) -> None:
            opened["conversation"] = context.activity.conversation.id
            context.activity.id = None  # a first message, not a reply (see _continue)
            await context.send_activity(activity)

        await with_backoff(
            lambda: self.adapter.create_conversation(
                self.app_id, send, parameters, CHANNEL_ID, reference.service_url, None
            ),
            "open a personal chat",
            retry_on=CREATE_RETRY_STATUSES,
        )
        personal = StoredReference(
            service_url=reference.service_url,
            conversation_id=opened["conversation"],
            kind=PERSONAL,
            bot_id=reference.bot_id,
            bot_name=reference.bot_name,
            tenant_id=reference.tenant_id,
        )
        await self.places.remember_conversation(
            PLATFORM, reference.tenant_id or "", personal_key(person_id), "personal chat",
            personal.dumps(),
        )  # fmt: skip
