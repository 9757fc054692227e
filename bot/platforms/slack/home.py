"""The App Home tab: the model at a glance and, for each channel the person is in, the
latest closed round's results (aggregates only, nothing below the threshold)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import phrases
from bot.assembly import Assembly
from bot.metrics import HANDLER_ERRORS
from bot.model import MaturityModel
from bot.platforms.slack.chat import PLATFORM
from bot.platforms.slack.kit import Block
from bot.platforms.slack.markup import escape
from bot.recent import Recent
from bot.replies import AspectScore, RoundSummary
from bot.wording import Moment, speaking, t, tn

log = logging.getLogger(__name__)
MAX_CHANNELS = 10  # Home views hold 100 blocks; two per channel leaves room for the model
CHANNEL_PAGES = 5
FRESH_SECONDS = 30.0  # people flick between tabs; users.conversations is rate-limited
CHANNELS_SECONDS = 600.0  # whose channels we listed: people seldom join or leave
PEOPLE_KEPT = 10_000  # per process; the least recently seen are forgotten first


class HomeTab:
    def __init__(self, bot: Assembly, client: AsyncWebClient) -> None:
        self.bot = bot
        self.client = client
        self._published: Recent[str, bool] = Recent(PEOPLE_KEPT, FRESH_SECONDS)
        self._channels: Recent[str, list[str]] = Recent(PEOPLE_KEPT, CHANNELS_SECONDS)

    async def opened(self, user: str) -> None:
        if self._published.get(user):
            return  # what they see was published moments ago
        self._published.put(user, True)
        try:
            channels = self._channels.get(user)
            if channels is None:
                channels = await self._channels_of(user)
                self._channels.put(user, channels)
            results = await self.bot.digests.latest_results(PLATFORM, channels, MAX_CHANNELS)
            with speaking(None):
                view = home_view(
                    self.bot.services.content.model(),
                    [(place.channel, summary, place.timezone) for place, summary in results],
                )
            await self.client.views_publish(user_id=user, view=view)
        except Exception:
            self._published.pop(user)
            log.exception("could not publish the App Home of %s", user)
            HANDLER_ERRORS.labels(PLATFORM).inc()

    async def _channels_of(self, user: str) -> list[str]:
        """Channels the person is in that the bot can see (public, and private ones it shares)."""
        channels: list[str] = []
        cursor: str | None = None
        for _ in range(CHANNEL_PAGES):
            page = await self.client.users_conversations(
                user=user,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            channels += [c["id"] for c in (page.get("channels") or []) if isinstance(c, dict)]
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return channels


def home_view(model: MaturityModel, results: list[tuple[str, RoundSummary, str]]) -> dict[str, Any]:
    blocks: list[Block] = [
        _header(t("Platform maturity at a glance")),
        _context(
            t(
                "{model}: {aspects} aspects × 4 levels. Ask me about any of them: "
                "`/maturity what is level 3 adoption`.",
                model=escape(model.attribution.model),
                aspects=len(model.aspects),
            )
        ),
    ]
    for aspect in model.aspects:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{escape(aspect.name)}*"},
                "fields": [
                    {
                        "type": "mrkdwn",
                        "text": f"*{level.number} {escape(model.generic(level.number).name)}*\n"
                        f"{escape(level.title)}",
                    }
                    for level in aspect.levels
                ],
            }
        )
    blocks += [{"type": "divider"}, _header(t("Your channels' latest pulse"))]
    if not results:
        blocks.append(
            _section(
                t(
                    "No pulse has closed yet in a channel you're in. An admin can start one "
                    "there with `/maturity pulse start`."
                )
            )
        )
    for channel, summary, timezone in results:
        closed = (
            t("closed {moment}", moment=Moment(summary.closed_at, timezone, zone_shown=True))
            if summary.closed_at
            else t("open")
        )
        title = escape(str(phrases.results_title(summary.title)))
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*<#{channel}>* · {title} · {closed}"},
                # A section holds at most 10 fields: more than enough for the model's aspects.
                "fields": [_score_field(s, summary.min_responses) for s in summary.scores][:10]
                or [{"type": "mrkdwn", "text": str(t("No answers."))}],
            }
        )
        blocks.append(
            _context(tn("{n} person answered.", "{n} people answered.", summary.respondents))
        )
    blocks.append(_context(escape(model.attribution.line)))
    return {"type": "home", "blocks": blocks}


def _header(text: object) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": str(text)[:150]}}


def _section(text: object) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": escape(str(text))}}


def _context(text: object) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": str(text)}]}


def _score_field(score: AspectScore, min_responses: int) -> dict[str, str]:
    name = escape(score.aspect.name)
    if score.hidden:
        detail = phrases.hidden_score(score, min_responses)
    else:
        median = f"{score.median:g}"
        detail = t(
            "median {median} · {responses}",
            median=median,
            responses=phrases.responses(score.responses),
        )
    return {"type": "mrkdwn", "text": f"*{name}*\n{escape(str(detail))}"}
