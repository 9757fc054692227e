"""Teams in Chinese, on SQLite and PostgreSQL: a channel set to Chinese gets its round, its
questions and its summary in Chinese; a person whose Teams speaks Chinese sees their own view
of a card and their private replies in Chinese, and one whose Teams speaks English in English;
a question is answered in its own language."""

from __future__ import annotations

from teams_connector import Call
from teams_dialogue import BOT, CHANNEL, TEAM, Teams, User, action_titled, bots, connector, texts

ADMIN = User("admin", "Ada Admin", "zh-CN")
WANG = User("wang", "王伟", "zh-CN")
ANNA = User("anna", "Anna Andersen", "en-GB")
QUESTIONS = 5


def to(conversation: str) -> object:
    return lambda calls: [
        c for c in calls if c.conversation == conversation and c.kind in ("send", "reply")
    ]


def is_private_send(call: Call) -> bool:
    return call.conversation.startswith("a:1on1-") and call.kind in ("send", "reply")


def new_thread(calls: list[Call]) -> list[Call]:
    return [
        c
        for c in calls
        if c.kind == "create" and (c.body.get("channelData") or {}).get("channel", {}).get("id")
    ]


def test_a_chinese_channel_in_teams(database_url, connector, bots) -> None:
    connector.members[TEAM] = [u.account() for u in (ADMIN, WANG, ANNA)] + [dict(BOT)]
    env = {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": database_url,
        "MATURITYBOT_ADMINS": ADMIN.aad,
        "PULSE_MIN_RESPONSES": "2",
        "MATURITYBOT_LANGUAGE": "zh",  # every conversation reads Chinese unless told otherwise
    }
    bot = bots.start(env)
    teams = Teams(bot.url, connector)
    teams.install_in_team(ADMIN)
    connector.wait_for(to(CHANNEL), what="the welcome")

    # A question is answered in its own language, whoever asks.
    asked = teams.say(ANNA, "what is level 3 measurement")
    (english,) = connector.wait_for(to(asked["conversation"]["id"]), what="the English answer")
    assert "Insights" in texts(english.card)
    asked = teams.say(WANG, "度量的第三级是什么")
    (chinese,) = connector.wait_for(to(asked["conversation"]["id"]), what="the Chinese answer")
    assert "洞察" in texts(chinese.card) and "主要特征" in texts(chinese.card)
    # Its follow-up button answers in Chinese too.
    status, shown = teams.click(WANG, action_titled(chinese.card, "下一级"), on=chinese)
    assert status == 200 and "定量与定性" in texts(shown["value"])

    # The round opens in Chinese.
    mark = connector.mark()
    teams.say(ADMIN, "pulse start")
    (parent,) = connector.wait_for(new_thread, after=mark, what="the round's thread")
    assert "平台成熟度脉搏调查" in texts(parent.body["activity"]["attachments"][0]["content"])
    questions = connector.wait_for(
        lambda calls: len(found := to(parent.conversation)(calls)) == QUESTIONS and found,
        after=mark,
        what="the questions",
    )
    first = questions[0]
    assert "谁在建设我们的共享平台" in texts(first.card)
    assert {a["title"] for a in first.card["actions"]} >= {"第 1 级", "不确定"}

    # Each clicker's own view of the card is in their Teams language.
    status, body = teams.click(WANG, action_titled(first.card, "第 3 级"), on=first)
    assert status == 200 and "已记录" in texts(body["value"])
    status, body = teams.click(ANNA, action_titled(first.card, "第 2 级"), on=first)
    assert status == 200 and "Recorded: **Level 2**" in texts(body["value"])
    assert "your answer, only you see this" in texts(body["value"])

    # Private replies to a typed command go to each person's 1:1 chat, in their language.
    mark = connector.mark()
    teams.say(ANNA, "my answers")
    teams.say(WANG, "my answers")
    private = connector.wait_for(
        lambda calls: len(found := [c for c in calls if is_private_send(c)]) >= 2 and found,
        after=mark,
        what="both private answers",
    )
    shown = {connector.person_of(c.conversation): texts(c.card) for c in private}
    assert "Your answers" in shown[ANNA.teams_id]
    assert "你的回答（仅你可见）" in shown[WANG.teams_id]

    # The summary: Chinese, in the round's thread.
    mark = connector.mark()
    teams.say(ADMIN, "pulse close")
    summary = connector.wait_for(
        lambda calls: [c for c in to(parent.conversation)(calls) if "结果" in texts(c.card)],
        after=mark,
        what="the summary",
    )[0]
    assert "中位数 2.5" in texts(summary.card) and "参与情况" in texts(summary.card)
