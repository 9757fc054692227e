"""A fake Bot Connector service on loopback: the Teams side of the Bot Framework REST API.

Its URL is the ``serviceUrl`` of every activity the tests send, so everything the bot says
arrives here: new conversations (channel threads and 1:1 chats), messages, replies, updates,
and member listings. It answers with ids the way Teams does, e.g. a thread started in a
channel gets the conversation id ``<channel>;messageid=<root id>``. An outage can be staged:
every call answers a 5xx, or is carried out but answered only after the client gave up.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Json = dict[str, Any]


@dataclass
class Call:
    """One request the bot made."""

    method: str
    kind: str  # "create", "send", "reply", "update", "members"
    conversation: str
    activity_id: str | None
    body: Any
    answered_id: str | None = None  # the id we gave back

    @property
    def cards(self) -> list[Json]:
        activity = self.body.get("activity", self.body) if isinstance(self.body, dict) else {}
        return [
            a["content"]
            for a in activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def card(self) -> Json:
        (only,) = self.cards
        return only


@dataclass
class Failure:
    method: str
    kind: str
    status: int
    times: int
    retry_after: str | None = None


@dataclass
class FakeConnector:
    members: dict[str, list[Json]] = field(default_factory=dict)  # conversation -> accounts
    page_size: int = 2  # small pages, so the bot must follow continuation tokens
    calls: list[Call] = field(default_factory=list)
    refused_members: set[str] = field(default_factory=set)  # listing these answers 403
    personal: dict[str, str] = field(default_factory=dict)  # 29: id -> 1:1 conversation id
    failures: list[Failure] = field(default_factory=list)
    # An outage: None, an HTTP status (503: nothing done), or "hang_after" (done, answered
    # only after ``hang_seconds``, past the bot's timeout).
    fault: int | str | None = None
    fault_kinds: set[str] | None = None  # "create", "send": the calls the outage hits (all)
    hang_seconds: float = 4.0

    def __post_init__(self) -> None:
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> FakeConnector:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=run, name="fake-connector", daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("the fake connector did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def __enter__(self) -> FakeConnector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self) -> None:
        app = web.Application()
        base = "/v3/conversations"
        app.router.add_post(base, self._create)
        app.router.add_post(base + "/{conversation}/activities", self._send)
        app.router.add_post(base + "/{conversation}/activities/{activity}", self._reply)
        app.router.add_put(base + "/{conversation}/activities/{activity}", self._update)
        app.router.add_get(base + "/{conversation}/pagedmembers", self._paged_members)
        app.router.add_get(base + "/{conversation}/members", self._members)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    # --- what tests use ---------------------------------------------------------------

    def fail(
        self, method: str, kind: str, status: int, times: int = 1, retry_after: str | None = None
    ) -> None:
        """Answer the next ``times`` matching requests with ``status``."""
        with self._lock:
            self.failures.append(Failure(method, kind, status, times, retry_after))

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def mark(self) -> int:
        """A bookmark: ``since(mark)`` gives the calls made after it."""
        with self._lock:
            return len(self.calls)

    def since(self, mark: int) -> list[Call]:
        with self._lock:
            return self.calls[mark:]

    def person_of(self, conversation: str) -> str | None:
        """The ``29:`` id whose 1:1 chat ``conversation`` is, if it is one we opened."""
        with self._lock:
            return next((who for who, c in self.personal.items() if c == conversation), None)

    def wait_for(
        self,
        found: Callable[[list[Call]], Any],
        timeout: float = 15,
        what: str = "",
        after: int = 0,
    ) -> Any:
        """Poll until ``found(calls made after the mark)`` is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = found(self.since(after))
            if result:
                return result
            time.sleep(0.05)
        seen = "\n".join(f"  {c.method} {c.kind} {c.conversation}" for c in self.since(after))
        raise AssertionError(f"timed out waiting for {what or found}; the bot sent:\n{seen}")

    # --- handlers ---------------------------------------------------------------------

    def _new_id(self) -> str:
        return str(next(self._ids))

    def _failure(self, method: str, kind: str) -> web.Response | None:
        if isinstance(self.fault, int) and self._hit(kind):
            return web.json_response(
                {"error": {"code": "ServiceError", "message": "unavailable"}}, status=self.fault
            )
        with self._lock:
            for failure in self.failures:
                if failure.method == method and failure.kind == kind and failure.times > 0:
                    failure.times -= 1
                    headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                    return web.json_response(
                        {"error": {"code": "Throttled", "message": "try later"}},
                        status=failure.status,
                        headers=headers,
                    )
        return None

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    async def _create(self, request: web.Request) -> web.Response:
        failed = self._failure("POST", "create")
        if failed:
            return failed
        body = await request.json()
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
        if channel:  # a new thread in a channel, its first message included
            root = self._new_id()
            conversation = f"{channel};messageid={root}"
            self._record(Call("POST", "create", conversation, None, body, root))
            await self._late("create")
            return web.json_response({"id": conversation, "activityId": root}, status=201)
        members = [m.get("id") for m in body.get("members") or []]
        if len(members) != 1:
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        with self._lock:
            conversation = self.personal.setdefault(members[0], f"a:1on1-{self._new_id()}")
        self._record(Call("POST", "create", conversation, None, body))
        return web.json_response({"id": conversation}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._message(request, "send", None)

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._message(request, "reply", request.match_info["activity"])

    async def _message(self, request: web.Request, kind: str, activity: str | None) -> web.Response:
        failed = self._failure("POST", "send")
        if failed:
            return failed
        body = await request.json()
        new_id = self._new_id()
        conversation = request.match_info["conversation"]
        self._record(Call("POST", kind, conversation, activity, body, new_id))
        await self._late("send")
        return web.json_response({"id": new_id}, status=201)

    def _hit(self, kind: str) -> bool:
        return self.fault_kinds is None or kind in self.fault_kinds

    async def _late(self, kind: str) -> None:
        if self.fault == "hang_after" and self._hit(kind):
            await asyncio.sleep(self.hang_seconds)

    async def _update(self, request: web.Request) -> web.Response:
        failed = self._failure("PUT", "update")
        if failed:
            return failed
        body = await request.json()
        activity = request.match_info["activity"]
        conversation = request.match_info["conversation"]
        self._record(Call("PUT", "update", conversation, activity, body, activity))
        return web.json_response({"id": activity}, status=200)

    async def _paged_members(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        self._record(Call("GET", "members", conversation, None, dict(request.query)))
        if conversation in self.refused_members or conversation not in self.members:
            return web.json_response({"error": {"code": "Forbidden"}}, status=403)
        everyone = self.members[conversation]
        start = int(request.query.get("continuationToken") or 0)
        size = min(int(request.query.get("pageSize") or self.page_size), self.page_size)
        page: Json = {"members": everyone[start : start + size]}
        if start + size < len(everyone):
            page["continuationToken"] = str(start + size)
        return web.json_response(page)

    async def _members(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        self._record(Call("GET", "members", conversation, None, {}))
        if conversation in self.refused_members or conversation not in self.members:
            return web.json_response({"error": {"code": "Forbidden"}}, status=403)
        return web.json_response(self.members[conversation])
