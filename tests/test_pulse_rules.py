"""The rules every round keeps: anonymity below the threshold, admins only, bad input
answered clearly without changing anything."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import sqlalchemy as sa
from harness import Bot, make_bot

from bot.handlers import export
from bot.platforms.text import render
from bot.replies import AnswerRecorded, Confirm, Notice, PulseParent, Refusal, SurveyQuestion

TABLES = ("pulse_round", "round_question", "answer", "schedule", "round_score", "occurrence")


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        counts = {t: connection.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in TABLES}
    engine.dispose()
    return counts


def _run(coroutine):
    return asyncio.run(coroutine)


def test_below_threshold_only_the_count_appears(database_url, model, surveys, tmp_path) -> None:
    async def scenario() -> tuple[Bot, str]:
        bot = await make_bot(database_url, model, surveys, tmp_path, min_responses=3)
        await bot.say("lead", "pulse start")
        for person, level in (("ann", 4), ("ben", 1), ("cat", 2)):
            await bot.say(person, f"answer investment {level} -- investment note by {person}")
        await bot.say("ann", "answer adoption 4 -- SECRET adoption remark")
        await bot.say("ben", "answer adoption 1")
        await bot.say("cat", "answer operations not sure")
        await bot.say("dan", "answer operations not sure")
        await bot.say("eve", "answer operations 3 -- lonely ops remark")
        await bot.say("lead", "pulse close")
        await bot.say("lead", "digest")
        await bot.say("ann", "digest")  # a non-admin sees the digest privately
        bot.close()
        return bot, bot.chat.text + "\n".join(bot.said)

    bot, everything = _run(scenario())
    assert "Investment: median 2, mean 2.33 (3 responses; L1:1 L2:1 L3:0 L4:1)" in everything
    assert (
        "Adoption: not enough responses (2 responses; results show from 3 with a level)"
        in everything
    )
    # Three responded on operations but only one gave a level: still hidden.
    assert (
        "Operations: not enough responses (3 responses, 1 with a level; results show from 3 "
        "with a level)" in everything
    )
    assert "SECRET adoption remark" not in everything
    assert "lonely ops remark" not in everything
    assert "investment note by ann" in everything  # over the threshold: shown, unattributed
    for line in everything.splitlines():
        if "Adoption" in line or "Operations" in line:
            assert "median" not in line and "L1:" not in line
        if "investment note by" in line:
            assert "ann:" not in line and "Ann" not in line
    rows = export.rows(bot.db.__class__(database_url), model, str(bot.place.id), 3)
    exported = json.dumps(rows)
    adoption = next(row for row in rows if row["aspect"] == "adoption")
    assert adoption == {**adoption, "responses": 2, "note": "not enough responses"}
    assert "level_1" not in adoption and "mean" not in adoption
    assert "SECRET" not in exported and "ann" not in exported


def test_non_admins_are_refused_and_nothing_changes(database_url, model, surveys, tmp_path):
    async def scenario() -> list[str]:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        texts = []
        for command in (
            "pulse start",
            "pulse schedule every monday 10:00 Europe/Berlin",
            "pulse close",
            "pulse remind",
            "pulse schedule off",
        ):
            (reply,) = await bot.say("mallory", command)
            assert isinstance(reply, Refusal)
            texts.append(render(reply))
        bot.close()
        return texts

    before = _counts(database_url)
    texts = _run(scenario())
    assert all("MATURITYBOT_ADMINS" in text and "mallory" in text for text in texts)
    assert _counts(database_url) == before


def test_bad_input_gets_a_clear_reply_and_changes_nothing(database_url, model, surveys, tmp_path):
    async def scenario() -> tuple[dict[str, str], dict, dict]:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start")
        await bot.say("ann", "answer adoption 2")
        before = _counts(database_url)
        replies = {}
        for text in (
            "answer happiness 3",
            "answer adoption 7",
            "answer adoption",
            "pulse schedule every blursday 10:00",
            "pulse schedule every monday 25:00",
            "pulse schedule every monday 10:00 Mars/Olympus",
            "pulse schedule monday",
            "pulse start deep closes in 3 fortnights",
            "pulse start",
            "pulse frobnicate",
            "digest schedule someday",
        ):
            (reply,) = await bot.say(
                "lead" if text.startswith(("pulse", "digest")) else "ann", text
            )
            assert isinstance(reply, Notice), (text, reply)
            replies[text] = render(reply)
        after = _counts(database_url)
        bot.close()
        return replies, before, after

    replies, before, after = _run(scenario())
    assert before == after
    assert "'happiness' is not a question of this pulse" in replies["answer happiness 3"]
    assert "Levels go from 1 to 4, not 7" in replies["answer adoption 7"]
    assert "can't find a level" in replies["answer adoption"]
    assert "blursday" in replies["pulse schedule every blursday 10:00"]
    assert "not a time of day" in replies["pulse schedule every monday 25:00"]
    assert "timezone 'Mars/Olympus'" in replies["pulse schedule every monday 10:00 Mars/Olympus"]
    assert "At what time?" in replies["pulse schedule monday"]
    assert "duration" in replies["pulse start deep closes in 3 fortnights"]
    assert "already open" in replies["pulse start"]
    assert "Pulse commands: start, status, close, remind, schedule" in replies["pulse frobnicate"]
    assert "someday" in replies["digest schedule someday"]


def test_deep_round_answers_by_question_id(database_url, model, surveys, tmp_path) -> None:
    async def scenario() -> Bot:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start deep closes friday 17:00")
        ambiguous = await bot.text("ann", "answer adoption 3")
        assert "asks 4 questions about adoption" in ambiguous
        assert "adoption-discovery" in ambiguous
        (recorded,) = await bot.say("ann", "answer adoption-discovery 3")
        assert isinstance(recorded, AnswerRecorded) and recorded.level == 3
        (unsure,) = await bot.say("ann", "answer adoption-choice not sure")
        assert isinstance(unsure, AnswerRecorded) and unsure.level is None
        bot.close()
        return bot

    bot = _run(scenario())
    questions = bot.chat.of(SurveyQuestion, "thread")
    assert len(questions) == 20
    parent = bot.chat.of(PulseParent)[0]
    assert parent.closes_at.weekday() == 4  # Friday
    assert parent.closes_at.hour == 17  # 17:00 in the conversation's zone (UTC here)


def test_bare_level_in_the_thread_answers_the_last_open_question(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> list:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start")
        parent_ref = bot.chat.calls[1][1]  # the thread the questions went into
        from bot.chat import MessageRef

        thread = MessageRef(bot.place.channel, parent_ref)
        replies = [render((await bot.say("ann", "3", thread))[0])]  # five left: which one?
        for aspect in ("investment", "adoption", "interfaces", "operations"):
            await bot.say("ann", f"answer {aspect} 2")
        replies.append(await bot.say("ann", "level 4 -- measurement is new", thread))
        replies.append(await bot.say("ann", "what is level 2 adoption", thread))
        bot.close()
        return replies

    which, answered, question = _run(scenario())
    assert "Which question?" in which
    (recorded,) = answered
    assert isinstance(recorded, AnswerRecorded) and recorded.question.id == "measurement"
    assert recorded.level == 4 and recorded.comment_saved
    assert recorded.typed_in_public and "visible in the thread" in render(recorded)
    assert "Extrinsic push" in render(question[0])  # a question in the thread is still answered


def test_my_answers_and_forget_me(database_url, model, surveys, tmp_path) -> None:
    async def scenario() -> tuple[list, list, list]:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start")
        await bot.say("ann", "answer adoption 2 -- slow onboarding")
        await bot.say("ben", "answer adoption 3")
        mine = await bot.say("ann", "my answers")
        ask = await bot.say("ann", "forget me")
        done = await bot.say("ann", "forget me confirm")
        again = await bot.say("ann", "my answers")
        bot.close()
        return mine, ask + done, again

    mine, confirm_and_done, again = _run(scenario())
    assert "Adoption → Level 2 — “slow onboarding”" in render(mine[0])  # the aspect by name
    assert "ben" not in render(mine[0])
    # One answer is one answer (the plural used to say "all 1 answers").
    assert isinstance(confirm_and_done[0], Confirm)
    assert "the 1 answer you gave" in render(confirm_and_done[0])
    assert "deleted 1 answer of yours" in render(confirm_and_done[1])
    assert "no stored answers" in render(again[0])
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        users = connection.execute(sa.text("SELECT user_id FROM answer")).scalars().all()
    engine.dispose()
    assert users == ["ben"]


def test_forget_me_is_confirmed_by_yes_and_cancelled_by_anything_else(
    database_url, model, surveys, tmp_path
) -> None:
    async def scenario() -> Bot:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start")
        for person in ("ann", "ben"):
            await bot.say(person, "answer adoption 2")
            await bot.say(person, "answer investment 3")
        # ann asks, then says something else: the question is cancelled, "yes" does nothing.
        await bot.say("ann", "forget me")
        await bot.say("ann", "what is level 2 adoption")
        await bot.say("ann", "yes")
        # ben asks and says yes: both his answers go, and nobody else's.
        mark = bot.mark()
        asked = await bot.say("ben", "forget me")
        assert "Type “yes” to go ahead" in render(asked[0])
        await bot.say("ann", "yes")  # not ann's question to confirm
        await bot.say("ben", "Yes")
        bot.expect(to="ben", private=True, says="deleted 2 answers of yours", after=mark)
        # A second "yes" has nothing left to confirm.
        again = await bot.say("ben", "yes")
        assert not any("deleted" in render(reply) for reply in again)
        bot.close()
        return bot

    bot = _run(scenario())
    bot.nobody_else_saw("deleted", but="ben")
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        users = connection.execute(sa.text("SELECT DISTINCT user_id FROM answer")).scalars().all()
    engine.dispose()
    assert sorted(users) == ["ann"]


def test_remind_only_those_who_have_not_answered_once(database_url, model, surveys, tmp_path):
    async def scenario() -> Bot:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start")
        for aspect in ("investment", "adoption", "interfaces", "operations", "measurement"):
            await bot.say("ann", f"answer {aspect} 3")
        await bot.say("ben", "answer adoption 3")  # started, not finished
        bot.chat.people.add("cat")
        first = await bot.text("lead", "pulse remind")
        second = await bot.text("lead", "pulse remind")
        assert "Reminded 4 people" in first  # ben, cat, lead and the console's own user
        assert "only remind once" in second
        bot.close()
        return bot

    bot = _run(scenario())
    reminded = sorted(target for method, target, _ in bot.chat.calls if method == "direct")
    assert reminded == ["ben", "cat", "lead", "you"]


def test_a_reminder_that_reached_nobody_is_not_spent(database_url, model, surveys, tmp_path):
    """The platform is down when an admin asks for the reminder: nobody gets it, the admin
    is told so, and the round's one reminder can be sent once the platform is back."""

    async def down(*args: object, **kwargs: object) -> bool:
        raise ConnectionError("the platform is down")

    async def scenario() -> list[str]:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start")
        bot.chat.people.add("cat")
        working = bot.chat.direct
        bot.chat.direct = down  # type: ignore[method-assign]
        failed = await bot.text("lead", "pulse remind")
        bot.chat.direct = working  # type: ignore[method-assign]
        said = [failed, await bot.text("lead", "pulse remind")]
        said.append(await bot.text("lead", "pulse remind"))
        bot.close()
        return said

    failed, sent, again = _run(scenario())
    assert "nobody was reminded" in failed and "Reminded" not in failed
    assert "Reminded 3 people" in sent  # cat, lead and the console's own user
    assert "only remind once" in again


def test_one_reminder_for_everyone_that_could_not_be_posted_is_not_spent(
    database_url, model, surveys, tmp_path
):
    """Where members cannot be listed the reminder is one post in the thread; when that post
    fails too, nobody was reminded and the reminder can be asked for again."""

    async def down(*args: object, **kwargs: object) -> object:
        raise ConnectionError("the platform is down")

    async def scenario() -> list[str]:
        bot = await make_bot(database_url, model, surveys, tmp_path)
        await bot.say("lead", "pulse start")
        bot.chat.members = down  # type: ignore[method-assign]
        posting = bot.chat.post_in_thread
        bot.chat.post_in_thread = down  # type: ignore[method-assign]
        said = [await bot.text("lead", "pulse remind")]
        bot.chat.post_in_thread = posting  # type: ignore[method-assign]
        said.append(await bot.text("lead", "pulse remind"))
        bot.close()
        return said

    failed, posted = _run(scenario())
    assert "nobody was reminded" in failed
    assert "posted one reminder" in posted


def test_export_cli_writes_csv(database_url, model, surveys, tmp_path: Path) -> None:
    from conftest import maturitybot

    async def scenario() -> None:
        bot = await make_bot(database_url, model, surveys, tmp_path, channel="terminal")
        await bot.say("lead", "pulse start")
        for person, level in (("a", 1), ("b", 2), ("c", 4)):
            await bot.say(person, f"answer interfaces {level}")
        await bot.say("lead", "pulse close")
        bot.close()

    _run(scenario())
    out = tmp_path / "scores.csv"
    result = maturitybot(
        "export", "--conversation", "console:terminal", "--format", "csv", "-o", str(out),
        env={"DATABASE_URL": database_url}, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("round_id,title,template,opened_at,closed_at,respondents")
    interfaces = next(line for line in lines if ",interfaces," in line)
    assert ",3,3,2.333,2.0,1,1,0,1," in interfaces
    bad = maturitybot("export", "--conversation", "slack:NOPE", env={"DATABASE_URL": database_url})
    assert bad.returncode == 2 and "no conversation 'slack:NOPE'" in bad.stderr


def test_a_round_the_platform_cannot_take_yet_is_posted_once_it_can(
    database_url, model, surveys, tmp_path
):
    """If the parent post fails (the platform is down), the round is owed, not lost: it is
    posted, with its questions in order, once the platform answers again."""

    async def scenario() -> tuple[list, list, list, list]:
        bot = await make_bot(database_url, model, surveys, tmp_path)

        async def refuse(place, reply):
            raise RuntimeError("internal_error")

        bot.chat.post = refuse
        failed = await bot.say("lead", "pulse start")
        before = bot.chat.of(PulseParent)
        del bot.chat.post  # the platform works again
        bot.clock.advance(minutes=5)  # past the first retry's backoff
        while await bot.app.delivery.deliver_due():
            pass
        again = await bot.say("lead", "pulse start")
        questions = [q.position for q in bot.chat.of(SurveyQuestion)]
        bot.close()
        return failed, before, again, questions

    failed, before, again, questions = _run(scenario())
    assert "not answering right now" in render(failed[0])
    assert before == []
    assert "already open" in render(again[0])
    assert questions == [1, 2, 3, 4, 5]
    assert _counts(database_url)["pulse_round"] == 1
