"""What operators watch: /healthz (database and platforms) and /metrics (Prometheus)."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from contextlib import suppress

import pytest
from sqlalchemy.engine import make_url
from teams_connector import FakeConnector
from teams_dialogue import Teams, User, action_titled, bots, connector

from storage.engine import normalise_url

ADMIN = User("admin", "Ada Admin")


class TcpRelay:
    """A loopback TCP relay to PostgreSQL that the test can cut, as a network failure would."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open: list[socket.socket] = []
        self.cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.cut:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def stop(self) -> None:
        self.cut = True
        with suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self.server.close()
        for sock in self.open:
            with suppress(OSError):
                sock.close()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.timeout(120)
def test_health_and_metrics(postgres_url: str, connector: FakeConnector, bots) -> None:
    target = make_url(normalise_url(postgres_url))
    relay = TcpRelay(target.host or "127.0.0.1", target.port or 5432)
    via_relay = target.set(host="127.0.0.1", port=relay.port)
    env = {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": via_relay.render_as_string(hide_password=False),
        "MATURITYBOT_ADMINS": ADMIN.aad,
    }
    bot = bots.start(env)
    try:
        status, body = _get(bot.url + "/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok" and health["database"] == "ok"
        assert health["platforms"]["teams"]["live"] is True

        # A question, a round and a click, then the counters.
        teams = Teams(bot.url, connector)
        teams.install_in_team(ADMIN)
        teams.say(ADMIN, "what is level 2 adoption")
        mark = connector.mark()
        teams.say(ADMIN, "pulse start")
        questions = connector.wait_for(
            lambda calls: len(q := [c for c in calls if c.kind == "send"]) >= 5 and q, after=mark
        )
        teams.click(ADMIN, action_titled(questions[0].card, "Level 2"), on=questions[0])
        status, metrics = _get(bot.url + "/metrics")
        assert status == 200
        assert 'maturitybot_questions_total{intent="level"} 1.0' in metrics
        assert 'maturitybot_answers_total{outcome="recorded"} 1.0' in metrics
        assert 'maturitybot_posts_total{kind="' in metrics and 'platform="teams"' in metrics
        assert 'maturitybot_request_seconds_bucket{le="0.1",route="/api/messages"}' in metrics
        for family in ("rate_limit_retries_total", "handler_errors_total"):
            assert f"# TYPE maturitybot_{family} counter" in metrics
        assert ADMIN.aad not in metrics and ADMIN.name not in metrics

        # The database goes away: /healthz says so with a 503, and the process stays up.
        relay.stop()
        status, body = _get(bot.url + "/healthz")
        assert status == 503
        assert json.loads(body)["database"].startswith("error")
        assert bot.process.poll() is None
    finally:
        relay.stop()
