"""A fake Slack on loopback: the Web API, upload URLs, response URLs and a Socket Mode
WebSocket, in one aiohttp server on its own thread.

The pattern is slack-bolt's own tests (an HTTP server, the client's base URL pointed at it):
the bot under test talks real HTTP to it through ``SLACK_API_URL``. Every call is recorded;
canned JSON answers; a method can be made to answer 429 with ``Retry-After`` a few times.
Outages can be staged: 503s, ``ok: false`` errors, refused connections, and calls that hang
past the client's timeout before (or after) Slack took them in. Posted messages are kept, with
their metadata, for conversations.history and conversations.replies.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web
from block_kit import problems

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"


@dataclass
class Call:
    """One request the bot made to the fake Slack."""

    method: str  # "chat.postMessage", or "upload" / "response" for non-API URLs
    params: dict[str, Any]
    token: str | None
    status: int = 200
    at: float = field(default_factory=time.monotonic)
    body: bytes = b""
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ts(self) -> str:
        """The posted message's ts (chat.update names it; chat.postMessage is told it)."""
        return self.params.get("ts") or self.response["ts"]

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")

    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks


class FakeSlack:
    def __init__(self, port: int = 0) -> None:
        self.calls: list[Call] = []
        # Answered calls counted as they come, by method and by (method, channel): a
        # benchmark polls the counts, and copying every call each time costs the fake's CPU.
        self._answered: collections.Counter[tuple[str, str | None]] = collections.Counter()
        self.members: dict[str, list[str]] = {}  # channel -> member ids (bot included)
        self.user_channels: dict[str, list[str]] = {}  # user -> channels (users.conversations)
        self.page_limit = 1000  # the most items a paginated method returns at once
        self.outside: set[str] = set()  # channels the bot is not a member of
        self.locales: dict[str, str] = {}  # user -> Slack locale (users.info, users.list)
        self.people: list[str] = []  # the workspace's people, besides members and locales
        self.socket_received: list[dict[str, Any]] = []  # what the bot sent on the socket
        # Block Kit problems in what the bot sent (block_kit.py); stop() fails the test on any.
        self.nonconforming: list[str] = []
        self.check_blocks = True
        self._throttle: dict[str, list[int]] = {}  # method -> [times left, retry-after]
        self._failures: dict[str, list[Any]] = {}  # method -> [times left, error code]
        # An outage of the whole Web API: None, "503", "internal_error", "hang" (no answer,
        # nothing done) or "hang_after" (done, then no answer); see outage().
        self.fault: str | None = None
        self.hang_seconds = 30.0
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> posted messages
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._sockets: list[web.WebSocketResponse] = []
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = port

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if self.check_blocks and self.nonconforming:
            shown = "\n".join(self.nonconforming[:20])
            raise AssertionError(f"the bot sent payloads that are not valid Block Kit:\n{shown}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def _serve(self) -> None:
        if self._runner is not None:  # back after refusing connections: the same port
            await self._listen()
            return
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_post("/response/{id}", self._response)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/_calls/{method}", self._calls)  # for a fake in another process
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self._site = site
        self.port = site._server.sockets[0].getsockname()[1]

    async def _calls(self, request: web.Request) -> web.Response:
        """What was recorded, for a benchmark that runs the fake as its own process; other
        query parameters than ``count`` select by the call's parameters (``channel=C1``)."""
        match = {key: value for key, value in request.query.items() if key != "count"}
        method = request.match_info["method"]
        if "count" in request.query and set(match) <= {"channel"}:
            return web.json_response({"count": self.count(method, match.get("channel"))})
        calls = self.of(method, **match)
        if "count" in request.query:
            return web.json_response({"count": len(calls)})
        return web.json_response(
            [{"params": c.params, "response": c.response, "at": c.at} for c in calls]
        )

    async def _shutdown(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- behaviour switches ------------------------------------------------------------

    def throttle(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer 429 with ``Retry-After``."""
        self._throttle[method] = [times, retry_after]

    def outage(self, fault: str | None) -> None:
        """Every Web API call fails as ``fault`` says from now on (None: Slack is back).
        ``refused``: nothing listens on the port (and open connections are cut)."""
        if fault == "refused":
            asyncio.run_coroutine_threadsafe(self._refuse(), self._loop).result(10)
        elif self.fault == "refused":
            asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        self.fault = fault

    async def _refuse(self) -> None:
        await self._site.stop()
        server = self._runner.server if self._runner is not None else None
        if server is not None:
            for connection in list(server.connections):
                connection.force_close()

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error}``."""
        self._failures[method] = [times, error]

    # --- what happened -----------------------------------------------------------------

    def _record(self, call: Call) -> None:
        if call.status == 200 and self.check_blocks:
            self.nonconforming += problems(call.method, call.params)
        with self._changed:
            self.calls.append(call)
            if call.status == 200:
                self._answered[(call.method, None)] += 1
                channel = call.params.get("channel")
                if isinstance(channel, str):
                    self._answered[(call.method, channel)] += 1
            self._changed.notify_all()

    def count(self, method: str, channel: str | None = None) -> int:
        """How many calls of ``method`` (in ``channel``) were answered 200: ``len(of(...))``
        without going through every call."""
        with self._changed:
            return self._answered[(method, channel)]

    def of(self, method: str, status: int | None = 200, **match: Any) -> list[Call]:
        """Calls of ``method`` answered with ``status`` (any status for None)."""
        with self._changed:
            calls = list(self.calls)
        return [
            call
            for call in calls
            if call.method == method
            and (status is None or call.status == status)
            and all(call.params.get(key) == value for key, value in match.items())
        ]

    def wait_for(
        self, check: Callable[[], Any], timeout: float = 15, what: str = "condition"
    ) -> Any:
        """Wait until ``check()`` returns something truthy, and return it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = check()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    methods = [c.method for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what}; calls so far: {methods}")
                self._changed.wait(min(left, 0.2))

    def wait_calls(self, method: str, count: int = 1, timeout: float = 15, **match: Any) -> list:
        return self.wait_for(
            lambda: (found := self.of(method, **match)) and len(found) >= count and found,
            timeout,
            f"{count} x {method} {match or ''}",
        )

    def notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # --- the Web API ---------------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], bytes]:
        params: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                params.update(json.loads(body))
            elif request.content_type == "application/x-www-form-urlencoded":
                params.update(parse_qsl(body.decode(), keep_blank_values=True))
        return params, body

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, body = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else params.get("token")
        fault = self.fault
        if fault in ("503", "refused"):  # refused: a connection opened before the cut
            self._record(Call(method, params, token, status=503, body=body))
            return web.Response(status=503, text="upstream connect error", content_type="text/html")
        if fault == "internal_error":
            self._record(Call(method, params, token, status=500, body=body))
            return web.json_response({"ok": False, "error": "internal_error"})
        if fault == "hang":
            self._record(Call(method, params, token, status=504, body=body))
            await asyncio.sleep(self.hang_seconds)
            return web.Response(status=504)
        throttled = self._throttle.get(method)
        if throttled and throttled[0] > 0:
            throttled[0] -= 1
            self._record(Call(method, params, token, status=429, body=body))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(throttled[1])},
            )
        failure = self._failures.get(method)
        if failure and failure[0] > 0:
            failure[0] -= 1
            self._record(Call(method, params, token, status=400, body=body))
            return web.json_response({"ok": False, "error": failure[1]})
        answer = self._answer(method, params)
        self._record(Call(method, params, token, body=body, response=answer))
        if fault == "hang_after":  # done, but the answer never comes in time
            await asyncio.sleep(self.hang_seconds)
        return web.json_response(answer)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return ok | {"user_id": BOT_USER, "user": "maturity-bot", "team_id": TEAM,
                         "team": "Test team", "bot_id": BOT_ID, "url": self.url}  # fmt: skip
        if method in ("chat.postMessage", "chat.update"):
            channel = str(params.get("channel", ""))
            if channel.startswith("U"):  # a DM by user id lands in the app's DM with them
                channel = "D" + channel[1:]
            ts = params.get("ts") or self.next_ts()
            if method == "chat.postMessage":
                self._keep(channel, ts, params)
            return ok | {"channel": channel, "ts": ts, "message": {"text": params.get("text")}}
        if method in ("conversations.history", "conversations.replies"):
            return ok | {"messages": self._history(method, params), "has_more": False}
        if method == "chat.postEphemeral":
            return ok | {"message_ts": self.next_ts()}
        if method == "conversations.members":
            members = self.members.get(str(params.get("channel")), [])
            return ok | self._page(members, params, self.page_limit)
        if method == "users.conversations":
            channels = self.user_channels.get(str(params.get("user")), [])
            page = self._page(channels, params, self.page_limit)
            return ok | {"channels": [{"id": c} for c in page.pop("members")], **page}
        if method == "users.list":
            page = self._page(self._workspace(), params, self.page_limit)
            people = [self._person(user) for user in page.pop("members")]
            return ok | {"members": people, **page}
        if method == "users.info":
            user = str(params.get("user"))
            return ok | {"user": self._person(user)}
        if method == "conversations.info":
            channel = str(params.get("channel"))
            return ok | {"channel": {"id": channel, "is_member": channel not in self.outside}}
        if method == "conversations.open":
            return ok | {"channel": {"id": "D" + str(params.get("users", "X"))[1:]}}
        if method in ("views.open", "views.publish"):
            return ok | {"view": {"id": f"V{next(self._files)}"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._files)}"
            return ok | {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return ok | {"files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method == "apps.connections.open":
            return ok | {"url": f"ws://127.0.0.1:{self.port}/socket"}
        return ok

    def _keep(self, channel: str, ts: str, params: dict[str, Any]) -> None:
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        self.messages.setdefault(channel, []).append({
            "ts": ts, "text": params.get("text"), "thread_ts": params.get("thread_ts"),
            "reply_broadcast": bool(params.get("reply_broadcast")), "metadata": metadata,
        })  # fmt: skip

    def _history(self, method: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Messages newest first, as Slack lists them; metadata only when asked for."""
        oldest = float(params.get("oldest") or 0)
        found = []
        for posted in self.messages.get(str(params.get("channel")), []):
            if float(posted["ts"]) < oldest:
                continue
            if method == "conversations.replies":
                if str(params.get("ts")) not in (posted["thread_ts"], posted["ts"]):
                    continue
            elif posted["thread_ts"] and not posted["reply_broadcast"]:
                continue
            shown = {k: v for k, v in posted.items() if k != "metadata" and v is not None}
            if posted["metadata"] and str(params.get("include_all_metadata")).lower() in (
                "1", "true",
            ):  # fmt: skip
                shown["metadata"] = posted["metadata"]
            found.append(shown)
        return list(reversed(found))

    def next_ts(self) -> str:
        n = next(self._ts)  # real seconds (history lookups name a time), unique by the counter
        return f"{int(time.time())}.{n:06d}"

    def _workspace(self) -> list[str]:
        """Everyone users.list names: channel members, people with a locale, and others."""
        members = [user for channel in self.members.values() for user in channel]
        return list(dict.fromkeys([*self.people, *self.locales, *members]))

    def _person(self, user: str) -> dict[str, Any]:
        return {"id": user, "locale": self.locales.get(user, "en-US"), "is_bot": False}

    @staticmethod
    def _page(items: list[str], params: dict[str, Any], most: int) -> dict[str, Any]:
        limit = min(int(params.get("limit") or 100), most)
        start = int(params.get("cursor") or 0)
        chunk = items[start : start + limit]
        following = start + limit
        cursor = str(following) if following < len(items) else ""
        return {"members": chunk, "response_metadata": {"next_cursor": cursor}}

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        self._record(Call("upload", {"file": request.match_info["file"]}, None, body=body))
        return web.Response(text=f"OK - {len(body)}")

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.read()
        params = json.loads(body) if body else {}
        params["response_id"] = request.match_info["id"]
        self._record(Call("response", params, None, body=body))
        return web.Response(text="ok")

    # --- Socket Mode ---------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.notify()
        async for received in socket:
            if received.type == WSMsgType.TEXT:
                with self._changed:
                    self.socket_received.append(json.loads(received.data))
                    self._changed.notify_all()
        self._sockets.remove(socket)
        return socket

    @property
    def socket_connected(self) -> bool:
        return any(not socket.closed for socket in self._sockets)

    def socket_send(self, envelope: dict[str, Any]) -> None:
        """Deliver an envelope to the connected bot, as Slack does over Socket Mode."""

        async def send() -> None:
            await self._sockets[-1].send_str(json.dumps(envelope))

        asyncio.run_coroutine_threadsafe(send(), self._loop).result(5)


def main() -> None:
    """``python slack_fake.py PORT``: serve the fake until interrupted (used by bench/)."""
    import sys

    fake = FakeSlack(int(sys.argv[1]))
    # A benchmark measures the bot: the fake shares its cores, so it skips the Block Kit
    # check every test makes (slack_sdk's models cost more than the fake's own work).
    fake.check_blocks = False
    fake.start()
    print(f"fake Slack on {fake.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
