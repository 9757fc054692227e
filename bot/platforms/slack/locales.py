"""Each person's language in Slack: their user locale, so private replies read in it.

The whole workspace is learned from ``users.list`` (up to 200 people a call) when the bot
signs in and again every few hours, and a ``user_change`` event updates one person at once.
Asking ``users.info`` for every new clicker instead would cost a Web API call per person and
per click burst: it is a Tier 4 method (100+ calls a minute per workspace), so a pulse that a
few thousand people answer in the same minute would wait on 429s. ``users.info`` is kept
for the few the directory does not know yet (someone who joined since the last pass).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.wording import normalise

log = logging.getLogger(__name__)
KEEP_SECONDS = 6 * 3600.0  # people rarely change their Slack language
RETRY_SECONDS = 600.0  # a pass that failed (Slack down, scope missing) is tried again
PAGE_SIZE = 200  # Slack's advice for paginated methods
MAX_PEOPLE = 100_000  # about 20 MB at most; beyond it the least recent are asked again


class Locales:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._known: OrderedDict[str, tuple[float, str | None]] = OrderedDict()
        self._asking: dict[str, asyncio.Future[str | None]] = {}  # users.info under way

    async def of(self, user: str) -> str | None:
        """The person's language (``en``/``zh``), or None when Slack does not say."""
        kept = self._known.get(user)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        # One question at a time per person: someone answering five pulse questions in a
        # few seconds would otherwise ask Slack five times.
        asking = self._asking.get(user)
        if asking is None:
            asking = asyncio.ensure_future(self._ask(user))
            self._asking[user] = asking
            asking.add_done_callback(lambda _: self._asking.pop(user, None))
        return await asyncio.shield(asking)

    async def _ask(self, user: str) -> str | None:
        try:
            info = await self.client.users_info(user=user, include_locale=True)
        except SlackApiError as error:
            # Without the users:read scope every private reply speaks the channel's language.
            log.info("slack: no locale for a user (%s)", error.response.get("error"))
            self._keep(user, None)
            return None
        except Exception:
            log.info("slack: could not ask for a user's locale", exc_info=True)
            return None  # not kept: try again next time
        return self.learn(info.get("user"))

    def learn(self, user: Any) -> str | None:
        """Keep one person's language from a user object (users.list, users.info, or a
        ``user_change`` event); anything that is not one is ignored."""
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            return None
        found = user.get("locale")
        language = normalise(found if isinstance(found, str) else None)
        self._keep(user["id"], language)
        return language

    def _keep(self, user: str, language: str | None) -> None:
        self._known[user] = (time.monotonic() + KEEP_SECONDS, language)
        self._known.move_to_end(user)
        while len(self._known) > MAX_PEOPLE:
            self._known.popitem(last=False)

    async def learn_workspace(self) -> bool:
        """One pass over ``users.list``; False when Slack refused or did not answer (what was
        learned so far is kept)."""
        cursor: str | None = None
        learned = 0
        try:
            while True:
                page = await self.client.users_list(
                    include_locale=True, limit=PAGE_SIZE, cursor=cursor
                )
                for member in page.get("members") or []:
                    self.learn(member)
                    learned += 1
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not isinstance(cursor, str) or learned >= MAX_PEOPLE:
                    break
        except SlackApiError as error:
            log.info("slack: could not list the workspace's people (%s); asking one by one",
                     error.response.get("error"))  # fmt: skip
            return False
        except Exception:
            log.info("slack: could not list the workspace's people", exc_info=True)
            return False
        log.info("slack: learned the language of %d people", learned)
        return True

    async def keep_learning(self) -> None:
        """Learn the workspace now and again every KEEP_SECONDS, for as long as the bot runs."""
        while True:
            learned = await self.learn_workspace()
            await asyncio.sleep(KEEP_SECONDS if learned else RETRY_SECONDS)
