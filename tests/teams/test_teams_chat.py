"""A pulse in a Teams group chat, where the bot cannot list the members: no threads (the
questions go into the chat itself), and one mention-free reminder instead of direct ones."""

from __future__ import annotations

from teams_dialogue import GROUP, Teams, User, action_titled, bots, connector, texts

from conftest import fresh_database

ADMIN = User("admin", "Ada Admin")
ALICE = User("alice", "Alice Archer")


def test_a_pulse_in_a_group_chat_without_a_member_list(tmp_path, connector, bots) -> None:
    connector.refused_members.add(GROUP)
    # An admin listed by the 29: id (not the AAD id) is recognised too.
    env = {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": next(fresh_database("sqlite", tmp_path)),
        "MATURITYBOT_ADMINS": ADMIN.teams_id,
    }
    teams = Teams(bots.start(env).url, connector)

    def in_chat(calls: list) -> list:
        return [c for c in calls if c.conversation == GROUP and c.kind in ("send", "reply")]

    teams.group(ADMIN, "pulse start")
    posted = connector.wait_for(lambda calls: len(in_chat(calls)) == 6 and in_chat(calls))
    assert not [c for c in connector.snapshot() if c.kind == "create"]  # no threads in chats
    parent, first = posted[0], posted[1]
    assert "Platform maturity pulse" in texts(parent.card)

    status, body = teams.click(ALICE, action_titled(first.card, "Level 2"), on=first)
    assert status == 200 and "Recorded: **Level 2**" in texts(body["value"])

    mark = connector.mark()
    teams.group(ADMIN, "pulse remind")
    reminders = connector.wait_for(
        lambda calls: [c for c in in_chat(calls) if "Reminder:" in texts(c.card)], after=mark
    )
    assert len(reminders) == 1
    assert "<at>" not in str(reminders[0].body) and not reminders[0].body.get("entities")
    # The admin hears privately that only one reminder went out (after the reminder itself,
    # so it is waited for too).
    private = connector.wait_for(
        lambda calls: [
            c
            for c in calls
            if c.conversation.startswith("a:1on1-")
            and c.cards
            and "posted one reminder" in texts(c.card)
        ],
        after=mark,
    )
    assert connector.person_of(private[0].conversation) == ADMIN.teams_id
    opened = [c.body["members"] for c in connector.since(mark) if c.kind == "create"]
    assert opened == [[{"id": ADMIN.teams_id}]]  # no direct reminders: only the admin's notice
