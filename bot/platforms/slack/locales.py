"""Each person's language in Slack: their user locale (``users.info`` with
``include_locale``), asked once and kept for a while, so private replies read in it."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.wording import normalise

log = logging.getLogger(__name__)
KEEP_SECONDS = 6 * 3600.0  # people rarely change their Slack language
MAX_PEOPLE = 10_000


class Locales:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._known: OrderedDict[str, tuple[float, str | None]] = OrderedDict()

    async def of(self, user: str) -> str | None:
        """The person's language (``en``/``zh``), or None when Slack does not say."""
        now = time.monotonic()
        kept = self._known.get(user)
        if kept is not None and kept[0] > now:
            return kept[1]
        language: str | None = None
        try:
            info = await self.client.users_info(user=user, include_locale=True)
            found = (info.get("user") or {}).get("locale")
            language = normalise(found if isinstance(found, str) else None)
        except SlackApiError as error:
            # Without the users:read scope every private reply speaks the channel's language.
            log.info("slack: no locale for a user (%s)", error.response.get("error"))
        except Exception:
            log.info("slack: could not ask for a user's locale", exc_info=True)
            return None  # not kept: try again next time
        self._known[user] = (now + KEEP_SECONDS, language)
        self._known.move_to_end(user)
        while len(self._known) > MAX_PEOPLE:
            self._known.popitem(last=False)
        return language
