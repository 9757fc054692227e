"""Each person's own view of a Teams question card, as Teams asks for it: the shared card
lists who answered in ``refresh.userIds`` (most recent first, at most 60), and Teams sends
each listed person's client an ``adaptiveCard/action`` invoke with ``trigger: "automatic"``
(the Agents Playground does not, so this is tested here, against the fake Bot Connector).
Also: more people than Teams lists, the ``Action.Submit`` fallback, and throttling while
activities are acknowledged before they are handled.
"""

from __future__ import annotations

from typing import Any

from teams_connector import Call, FakeConnector
from teams_dialogue import (
    GROUP,
    TEAM,
    Teams,
    User,
    action_titled,
    bots,
    connector,
    texts,
)

from conftest import fresh_database

ADMIN = User("admin", "Ada Admin")
ALICE = User("alice", "Alice Archer")
BOB = User("bob", "Bob Baker")
CAROL = User("carol", "Carol Cole")
DAVE = User("dave", "Dave Dunn")
QUESTIONS = 5
Json = dict[str, Any]


def start_round(teams: Teams, connector: FakeConnector) -> tuple[Call, list[Call]]:
    """``pulse start`` in the channel: the round's thread and its question posts."""
    mark = connector.mark()
    teams.say(ADMIN, "pulse start")
    (parent,) = connector.wait_for(
        lambda calls: [c for c in calls if c.kind == "create" and ";messageid=" in c.conversation],
        after=mark,
        what="the round's thread",
    )
    questions = connector.wait_for(
        lambda calls: len(found := in_thread(parent, calls)) == QUESTIONS and found,
        after=mark,
        what="the questions",
    )
    return parent, questions


def in_thread(parent: Call, calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.conversation == parent.conversation and c.kind == "send"]


def edits_of(question: Call, calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.kind == "update" and c.activity_id == question.answered_id]


def wait_for_edit(connector: FakeConnector, question: Call, shows: str, after: int = 0) -> Json:
    """The question card as the bot's latest edit left it, once it shows ``shows``."""
    found = connector.wait_for(
        lambda calls: [c for c in edits_of(question, calls) if shows in texts(c.card)],
        after=after,
        timeout=35,  # counts are refreshed at most every 10 s per question
        what=f"an edit of the question showing {shows!r}",
    )
    return found[-1].card


def click(teams: Teams, user: User, card: Json, on: Call, title: str, **extra: str) -> Json:
    status, body = teams.click(user, action_titled(card, title), on=on, **extra)
    assert status == 200 and body["statusCode"] == 200, body
    return body["value"]


def view(teams: Teams, user: User, on: Call, card: Json, trigger: str = "automatic") -> Json:
    status, body = teams.view(user, on, card, trigger)
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", body
    return body["value"]


def chosen(card: Json) -> list[str]:
    return [a["title"] for a in card.get("actions") or [] if a.get("style") == "positive"]


def env(database_url: str) -> dict[str, str]:
    return {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": database_url,
        "MATURITYBOT_ADMINS": ADMIN.aad,
        "PULSE_MIN_RESPONSES": "1",
    }


def test_each_person_sees_their_own_answer_open_and_closed(database_url, connector, bots) -> None:
    connector.members[TEAM] = [u.account() for u in (ADMIN, ALICE, BOB, CAROL, DAVE)]
    teams = Teams(bots.start(env(database_url)).url, connector)
    teams.install_in_team(ADMIN)
    _parent, questions = start_round(teams, connector)
    first = questions[0]
    # Posted before anyone answered: the card already asks Teams for views, of nobody yet.
    assert first.card["refresh"]["userIds"] == []
    assert first.card["refresh"]["action"]["type"] == "Action.Execute"

    # A click answers with the clicker's own view: the question card stays.
    mine = click(teams, ALICE, first.card, first, "Level 3")
    assert "Recorded: **Level 3**" in texts(mine) and "only you see this" in texts(mine)
    assert chosen(mine) == ["✓ Level 3"] and mine["refresh"]["userIds"] == [ALICE.teams_id]
    click(teams, BOB, first.card, first, "Level 2")

    # The count edit lists who answered, the most recent first; nobody needs a button.
    shared = wait_for_edit(connector, first, "2 responses so far")
    assert shared["refresh"]["userIds"] == [BOB.teams_id, ALICE.teams_id]
    assert "only you see this" not in texts(shared)
    assert "Show my answer" not in [a["title"] for a in shared["actions"]]

    # Teams then asks for each listed person's view: theirs, and only theirs.
    alice = view(teams, ALICE, first, shared)
    assert "Your answer: **Level 3**" in texts(alice) and chosen(alice) == ["✓ Level 3"]
    assert "2 responses so far" in texts(alice)
    bob = view(teams, BOB, first, shared, trigger="manual")
    assert chosen(bob) == ["✓ Level 2"]
    # Someone who has not answered (Teams refreshes everyone in small teams) sees the shared
    # card; the data cannot ask for someone else's view.
    dave = view(teams, DAVE, first, shared)
    assert "only you see this" not in texts(dave) and not chosen(dave)
    forged = {**shared, "refresh": {"action": {**shared["refresh"]["action"]}}}
    forged["refresh"]["action"]["data"] = {**shared["refresh"]["action"]["data"], "user": BOB.aad}
    assert not chosen(view(teams, DAVE, first, forged))

    # A comment keeps the card and shows the comment, as written (no markdown read in it).
    carol = click(teams, CAROL, first.card, first, "Level 4")
    saved = click(teams, CAROL, carol, first, "Save comment", comment="our **docs** lag")
    assert "Comment saved" in texts(saved) and chosen(saved) == ["✓ Level 4"]
    assert "Level 1" in [a["title"] for a in saved["actions"]]
    (shown,) = [e for e in saved["body"] if e["type"] == "RichTextBlock"]
    assert shown["inlines"][0]["text"] == "our **docs** lag"
    assert "our **docs** lag" in texts(view(teams, CAROL, first, shared))
    # A comment with no answer to go with (a button only answerers see, pressed by hand):
    # the card stays, with why nothing changed.
    refused = click(teams, DAVE, carol, first, "Save comment", comment="hmm")
    assert "Pick a level" in texts(refused) and "Level 1" in texts(refused)

    # Closed: the closed card still lists them, and each sees their answer on it.
    mark = connector.mark()
    asked = teams.say(ADMIN, "pulse close")
    closed = wait_for_edit(connector, first, "Closed", after=mark)
    assert not closed.get("actions")
    assert closed["refresh"]["userIds"] == [CAROL.teams_id, BOB.teams_id, ALICE.teams_id]
    alice = view(teams, ALICE, first, closed)
    assert "Your answer: **Level 3**" in texts(alice) and "Closed · 3 responses" in texts(alice)
    assert not alice.get("actions")
    assert "our **docs** lag" in texts(view(teams, CAROL, first, closed))
    # `pulse close` typed in its own post is answered there (the summary is in the round's).
    (said,) = connector.wait_for(
        lambda calls: [c for c in calls if c.conversation == asked["conversation"]["id"]],
        after=mark,
        what="the reply to pulse close",
    )
    assert "is closed; its results are in its thread" in texts(said.card)


def test_a_view_request_that_is_not_of_this_conversation_is_refused(tmp_path, connector, bots):
    teams = Teams(bots.start(env(next(fresh_database("sqlite", tmp_path)))).url, connector)
    teams.install_in_team(ADMIN)
    _parent, questions = start_round(teams, connector)
    first = questions[0]
    click(teams, ALICE, first.card, first, "Level 3")
    # The same request from a group chat: the round is the channel's.
    elsewhere = Call("POST", "send", GROUP, None, {}, "9999")
    status, body = teams.view(ALICE, elsewhere, first.card)
    assert status == 400 and body["type"] == "application/vnd.microsoft.error"
    # Malformed: a round that is not a whole number, a question it does not have, a trigger
    # Teams never sends.
    for data in ({"round": "1"}, {"question": "nope"}, {"round": True}):
        action = first.card["refresh"]["action"]
        bad = {"refresh": {"action": {**action, "data": {**action["data"], **data}}}}
        assert teams.view(ALICE, first, bad)[0] == 400, data
    assert teams.view(ALICE, first, first.card, trigger="sometimes")[0] == 400


def test_more_people_than_teams_lists(tmp_path, connector, bots) -> None:
    people = [User(f"p{n:02d}", f"Person {n}") for n in range(62)]
    teams = Teams(bots.start(env(next(fresh_database("sqlite", tmp_path)))).url, connector)
    teams.install_in_team(ADMIN)
    _parent, questions = start_round(teams, connector)
    first = questions[0]
    for person in people:
        click(teams, person, first.card, first, "Level 2")
    shared = wait_for_edit(connector, first, "62 responses so far")
    listed = shared["refresh"]["userIds"]
    assert listed == [p.teams_id for p in reversed(people)][:60]  # the most recent 60
    # The first two are not listed: the card offers them the view by hand.
    manual = action_titled(shared, "Show my answer")
    assert manual["data"] == shared["refresh"]["action"]["data"]
    earliest = view(teams, people[0], first, shared, trigger="manual")
    assert chosen(earliest) == ["✓ Level 2"] and "only you see this" in texts(earliest)

    # Clients without Universal Actions send its Action.Submit fallback: said privately.
    mark = connector.mark()
    teams.submit(people[1], manual, on=first)
    (told,) = connector.wait_for(
        lambda calls: [c for c in calls if c.conversation.startswith("a:1on1-") and c.cards],
        after=mark,
        what="the private answer",
    )
    assert connector.person_of(told.conversation) == people[1].teams_id
    assert "Your answer to question 1" in texts(told.card) and "Level 2" in texts(told.card)


def test_throttled_teams_is_answered_at_once_and_served_after(tmp_path, connector, bots) -> None:
    teams = Teams(bots.start(env(next(fresh_database("sqlite", tmp_path)))).url, connector)
    teams.install_in_team(ADMIN)
    _parent, questions = start_round(teams, connector)
    first = questions[0]

    # Sending is throttled for 2 s: the message is acknowledged before its answer can go.
    mark = connector.mark()
    connector.fail("POST", "send", 429, retry_after="2")
    teams.dm(ALICE, "what is level 2 adoption")
    assert not [c for c in connector.since(mark) if c.kind == "send"]
    (answer,) = connector.wait_for(
        lambda calls: [c for c in calls if c.conversation == "a:personal-alice"],
        after=mark,
        what="the throttled answer",
    )
    assert "Adoption" in texts(answer.card)

    # Count edits are throttled too (429 twice): the clicks are answered in the request all
    # the same, and the edit arrives once Teams lets it, with everyone who answered listed.
    connector.fail("PUT", "update", 429, times=2, retry_after="1")
    for person in (ALICE, BOB):
        click(teams, person, first.card, first, "Level 1")
    shared = wait_for_edit(connector, first, "2 responses so far")
    assert shared["refresh"]["userIds"] == [BOB.teams_id, ALICE.teams_id]
    assert not any(f.times for f in connector.failures)
    assert len(edits_of(first, connector.snapshot())) == 1  # merged, and not repeated
