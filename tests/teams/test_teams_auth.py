"""With an app id configured, /api/messages wants a Bot Framework token; junk is a 4xx."""

from __future__ import annotations

import json
import urllib.request

from teams_dialogue import Teams, User, bots, connector

from conftest import fresh_database

APP_ID = "00000000-1111-2222-3333-444444444444"


def test_with_an_app_id_requests_need_a_token(tmp_path, connector, bots) -> None:
    url = next(fresh_database("sqlite", tmp_path))
    bot = bots.start(
        {
            "MICROSOFT_APP_ID": APP_ID,
            "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
            "DATABASE_URL": url,
        }
    )
    teams = Teams(bot.url, connector)
    someone = User("eve", "Eve Example")
    activity = teams.message(
        someone, "hello", teams.personal_conversation(someone), {"tenant": {"id": "t"}}
    )

    assert teams.post(activity)[0] == 401
    # Malformed tokens are refused the same way (jwt's errors must not become a 500).
    for token in (
        "Bearer not-a-jwt",
        "Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln",
        "Basic x",
    ):
        assert teams.post(activity, headers={"Authorization": token})[0] == 401
    # Refused before the body is read: no token, or a body that cannot be an activity.
    assert teams.post(b"{not json")[0] == 401
    bearer = {"Authorization": "Bearer not-a-jwt"}
    assert teams.post(b"{not json", headers=bearer)[0] == 400
    assert teams.post(b"[" * 100_000, headers=bearer)[0] == 400
    assert connector.snapshot() == []  # nothing was answered, nothing was stored

    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        health = json.load(response)
    assert health["platforms"]["teams"]["auth"] is True
    assert "AUTHENTICATION IS OFF" not in bot.logs()
    assert "not-a-real-secret" not in bot.logs()
