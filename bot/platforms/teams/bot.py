"""The Teams activity handler: inbound activities to the core, replies back as cards.

- messages (channel @mentions, group and personal chats) go to ``core.on_text``;
- ``adaptiveCard/action`` invokes (``Action.Execute``) answer the clicker alone, in the card;
- ``Action.Submit`` fallbacks arrive as messages with a ``value`` and get a private reply;
- every activity, installation and conversation updates included, refreshes the stored
  conversation reference so the bot can speak first later.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes, AdaptiveCardInvokeResponse

from bot.assembly import Assembly
from bot.context import Click, Place, Turn
from bot.handlers.answers import unknown_question
from bot.handlers.views import Views, in_words
from bot.metrics import HANDLER_ERRORS, POSTS
from bot.platforms.teams import actions, cards, views
from bot.platforms.teams.backoff import CREATE_RETRY_STATUSES, with_backoff
from bot.platforms.teams.chat import PLATFORM, TeamsChat, message
from bot.platforms.teams.inbound import Inbound, read
from bot.platforms.teams.kit import CONTENT_TYPE, Card
from bot.platforms.teams.markup import plain
from bot.platforms.teams.pulse_cards import comment_saved, own_view, recorded_said
from bot.platforms.teams.references import CHANNEL, PERSONAL
from bot.replies import AnswerRecorded, Notice, Reply, is_private, language_of, private
from bot.wording import speaking, t

log = logging.getLogger(__name__)
CARD_ACTION = "adaptiveCard/action"
ERROR_TYPE = "application/vnd.microsoft.error"
UNNAMED_CHANNEL = t("your team's channel")
GENERAL_CHANNEL = t("#General")  # Teams' own name for a team's first channel
TURN_KEY = "maturitybot.turn"
SORRY = t("Sorry, something went wrong on my side. Please try again in a moment.")


class MaturityBot(TeamsActivityHandler):  # type: ignore[misc]  # botbuilder is untyped
    def __init__(self, bot: Assembly, chat: TeamsChat) -> None:
        super().__init__()
        self.bot = bot
        self.chat = chat
        self.views = Views(bot.services, bot.answers.facts)
        chat.views = self.views  # question posts list who answered, for their own views

    # --- every activity ---------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        try:
            inbound = read(turn_context.activity)
            if inbound is not None:
                self.chat.remember(
                    inbound.person.id, inbound.account.teams_id, inbound.person.locale
                )
                turn_context.turn_state[TURN_KEY] = (inbound, await self._place(inbound))
            await super().on_turn(turn_context)
        except Exception:
            # Errors stop here, not in CloudAdapter.on_turn_error: that hook also runs for
            # proactive turns and would swallow the errors their callers need to see.
            log.exception("teams: could not handle a %s activity", turn_context.activity.type)
            HANDLER_ERRORS.labels(PLATFORM).inc()
            if turn_context.activity.type == ActivityTypes.message:
                await _try_send(turn_context, message(_sorry()))

    async def _place(self, inbound: Inbound) -> Place:
        """The stored conversation, with its reference refreshed when Teams changed it."""
        origin = inbound.origin
        places = self.bot.places
        place = await places.place(PLATFORM, origin.workspace, origin.channel, origin.name)
        if not place.name and origin.kind == CHANNEL:
            with speaking(place.language):
                unnamed = str(GENERAL_CHANNEL if origin.general else UNNAMED_CHANNEL)
            place = await places.place(PLATFORM, origin.workspace, origin.channel, unnamed)
        return await places.remember_reference(place, origin.reference.dumps())

    def _turn(self, turn_context: TurnContext) -> tuple[Inbound, Place] | None:
        turn: tuple[Inbound, Place] | None = turn_context.turn_state.get(TURN_KEY)
        return turn

    # --- messages ---------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        turn = self._turn(turn_context)
        if turn is None:
            return
        inbound, place = turn
        activity = turn_context.activity
        if activity.value is not None:
            if isinstance(activity.value, dict) and activity.value.get(actions.KEY) == views.VERB:
                await self._submitted_view(turn_context, inbound, place, activity.value)
                return
            action = actions.parse(activity.value)
            if action is not None:
                await self._submitted(turn_context, inbound, place, action)
            return
        text = plain(_without_bot_mention(activity))
        replies = await self.bot.core.on_text(
            Turn(inbound.person, place, text, inbound.origin.thread)
        )
        await self._deliver(turn_context, inbound, place, replies)

    async def _submitted(
        self,
        turn_context: TurnContext,
        inbound: Inbound,
        place: Place,
        action: actions.CardAction,
    ) -> None:
        """An ``Action.Submit`` fallback: older clients cannot replace the card in place."""
        reply = await self._act(inbound, place, action)
        await self._deliver(turn_context, inbound, place, [reply], point=False)

    async def _submitted_view(
        self, turn_context: TurnContext, inbound: Inbound, place: Place, value: object
    ) -> None:
        """The "Show my answer" of a client without Universal Actions: said privately."""
        request = views.submitted_view(value)
        own = None
        if request is not None:
            own = await self.views.own(inbound.person, place, request.round_id, request.question_id)
        reply = in_words(own) if own is not None else unknown_question()
        await self._deliver(turn_context, inbound, place, [reply], point=False)

    async def _deliver(
        self,
        turn_context: TurnContext,
        inbound: Inbound,
        place: Place,
        replies: list[Reply],
        point: bool = True,
    ) -> None:
        """Public replies where the person spoke; private ones in their 1:1 chat, with a
        pointer in the shared conversation for typed messages (a button press needs none)."""
        for reply in replies:
            if not is_private(reply) or inbound.origin.kind == PERSONAL:
                POSTS.labels(PLATFORM, "reply").inc()
                personal = inbound.origin.kind == PERSONAL
                readers = (inbound.person.locale or place.language) if personal else None
                # After the acknowledgement nobody waits on this: a throttled reply waits its
                # turn rather than failing.
                await self._reply(turn_context, message(reply, readers or place.language))
                continue
            reached = await self.chat.direct(place, inbound.person.id, reply)
            if point or not reached:
                await self.chat.point_to_private(place, inbound.origin.thread, reached)

    async def _reply(self, turn_context: TurnContext, said: Activity) -> None:
        async def send() -> object:
            return await turn_context.send_activity(said)

        await with_backoff(send, "reply", retry_on=CREATE_RETRY_STATUSES)

    async def _act(self, inbound: Inbound, place: Place, action: actions.CardAction) -> Reply:
        """A card's button: the conversation is the one the activity came from, whatever
        the card's data says (a round of another conversation is unknown here)."""
        core, person = self.bot.core, inbound.person
        match action:
            case actions.CardAnswer(round_id, question_id, level, comment):
                at = inbound.sent_at(self.bot.services.now())
                click = Click(person, place, round_id, question_id, level, at, comment)
                return await core.on_click(click)
            case actions.CardComment(round_id, question_id, text):
                return await core.on_comment(person, place, round_id, question_id, text)
            case actions.CardAsk(text, language):
                return core.knowledge(text, language)
        raise AssertionError(f"unhandled card action {action!r}")  # pragma: no cover

    # --- Universal Actions --------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name != CARD_ACTION:
            return await super().on_invoke_activity(turn_context)
        turn = self._turn(turn_context)
        value = turn_context.activity.value
        if views.is_view(value):
            return await self._view(turn, value)
        pressed = value.get("action") if isinstance(value, dict) else None
        if turn is None or not isinstance(pressed, dict) or pressed.get("type") != "Action.Execute":
            return _invoke_error(HTTPStatus.BAD_REQUEST, "BadRequest", "Not an Action.Execute.")
        action = actions.parse(pressed.get("data"), pressed.get("verb"))
        if action is None:
            return _invoke_error(HTTPStatus.BAD_REQUEST, "BadRequest", "Not a maturity-bot card.")
        inbound, place = turn
        readers = inbound.person.locale or place.language  # the card changes for the clicker
        try:
            reply = await self._act(inbound, place, action)
        except Exception:
            log.exception("teams: a card action failed")
            HANDLER_ERRORS.labels(PLATFORM).inc()
            with speaking(readers):
                return _invoke_card(cards.render(_sorry()))
        if isinstance(action, actions.CardAnswer | actions.CardComment):
            own = await self._own_after(inbound, place, action, reply)
            if own is not None:
                return own
        with speaking(language_of(reply, readers)):
            return _invoke_card(cards.render(reply))

    async def _own_after(
        self,
        inbound: Inbound,
        place: Place,
        action: actions.CardAnswer | actions.CardComment,
        reply: Reply,
    ) -> InvokeResponse | None:
        """After a click or a comment the question card stays: the person's own view of it,
        with what just happened (or why not). None where the round is not of this place."""
        own = await self.views.own(inbound.person, place, action.round_id, action.question_id)
        if own is None:
            return None
        said = warning = None
        if isinstance(reply, AnswerRecorded):
            said = recorded_said(reply)
        elif (
            isinstance(action, actions.CardComment)
            and own.answered
            and own.comment
            and (own.comment == action.text.strip()[: actions.MAX_COMMENT])
        ):
            said = comment_saved()
        elif isinstance(reply, Notice):
            warning = reply.text
        with speaking(inbound.person.locale or place.language):
            return _invoke_card(own_view(own, inbound.account.teams_id, said, warning))

    async def _view(self, turn: tuple[Inbound, Place] | None, value: object) -> InvokeResponse:
        """Teams asks for a person's own view of a question card (``refresh``, automatic for
        the people listed on it, or "Show my answer"). Checked in ``views.parse_view`` (the
        request's shape) and ``Views.own`` (the round is this conversation's); the view is
        always the invoker's."""
        request = views.parse_view(value)
        if turn is None or request is None:
            return _invoke_error(HTTPStatus.BAD_REQUEST, "BadRequest", "Not a card view request.")
        inbound, place = turn
        own = await self.views.own(inbound.person, place, request.round_id, request.question_id)
        if own is None:
            return _invoke_error(
                HTTPStatus.BAD_REQUEST, "BadRequest", "Not a question of this conversation."
            )
        with speaking(inbound.person.locale or place.language):
            return _invoke_card(own_view(own, inbound.account.teams_id))

    # --- installation -------------------------------------------------------------------

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Members joining or leaving need nothing from us (on_turn already stored the
        reference). The inherited handler would fetch every added member from the roster,
        one connector call each, for nothing."""

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """Say hello where the app was added (not on upgrades); the reference is stored."""
        if turn_context.activity.action == "add":
            await turn_context.send_activity(message(self.bot.core.knowledge("help")))


def _without_bot_mention(activity: Activity) -> str:
    """The text without the bot's own @mention (the core strips any other ``<at>`` markup).

    Done by hand: ``TurnContext.remove_recipient_mention`` uses the display name as a regular
    expression, which breaks on names such as "maturity-bot (dev)".
    """
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        if (getattr(entity, "type", "") or "").lower() != "mention":
            continue
        props: dict[str, Any] = getattr(entity, "additional_properties", {}) or {}
        mentioned = props.get("mentioned") or {}
        if isinstance(mentioned, dict) and mentioned.get("id") == bot_id:
            said = props.get("text")
            if isinstance(said, str) and said:
                text = text.replace(said, " ")
    return text.strip()


def _sorry() -> Reply:
    return private(SORRY)


def _invoke_card(card: Card) -> InvokeResponse:
    # The body must stay a model: CloudAdapter serialises it, and a dict fails there
    # ("'dict' object has no attribute 'is_xml_model'"), which is also why the stock
    # on_adaptive_card_invoke path (it pre-serialises) cannot be used with CloudAdapter.
    return InvokeResponse(
        status=int(HTTPStatus.OK),
        body=AdaptiveCardInvokeResponse(
            status_code=int(HTTPStatus.OK), type=CONTENT_TYPE, value=card
        ),
    )


def _invoke_error(status: HTTPStatus, code: str, text: str) -> InvokeResponse:
    return InvokeResponse(
        status=int(status),
        body=AdaptiveCardInvokeResponse(
            status_code=int(status), type=ERROR_TYPE, value={"code": code, "message": text}
        ),
    )


async def _try_send(turn_context: TurnContext, activity: Activity) -> None:
    try:
        await turn_context.send_activity(activity)
    except Exception:
        log.warning("teams: could not send the error notice either", exc_info=True)
