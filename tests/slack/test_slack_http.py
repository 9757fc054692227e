"""The Slack door over HTTP: signatures, malformed bodies, mentions, DMs, the slash command,
retried deliveries and rate limits, against ``maturitybot run`` and the fake Slack."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from botprocess import BotProcess
from slack_bot import ADMIN, health, start_bot
from slack_fake import FakeSlack
from slack_sender import SECRET, SlackSender, envelope, mention, message, view_submission

from bot.platforms.slack.payloads import CommentTarget, metadata_key
from bot.platforms.slack.pulse_blocks import comment_view

pytestmark = pytest.mark.timeout(60)
CHANNEL = "CPLATFORM"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def bot(fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    workdir = tmp_path_factory.mktemp("slack-http")
    bot = start_bot(fake, f"sqlite:///{workdir / 'bot.db'}", workdir)
    yield bot
    bot.stop()


@pytest.fixture
def slack(bot: BotProcess, fake: FakeSlack) -> SlackSender:
    return SlackSender(bot.url, fake)


def test_health_reports_http_mode(bot: BotProcess) -> None:
    slack = health(bot)["platforms"]["slack"]
    assert slack["mode"] == "http" and slack["live"] is True and slack["signed_in"] is True


def test_mention_is_answered_in_a_thread_under_it(slack: SlackSender, fake: FakeSlack) -> None:
    event = mention("UALICE", CHANNEL, "what is level 3 adoption")
    assert slack.event(event)[0] == 200
    (posted,) = fake.wait_calls("chat.postMessage", thread_ts=event["ts"])
    assert posted.params["channel"] == CHANNEL
    header = posted.blocks()[0]
    assert header["type"] == "header" and "Adoption · Level 3" in header["text"]["text"]
    assert "Level 3" in posted.text  # the plain-text fallback
    # "Next level" answers in place: the same message now shows level 4.
    assert slack.press("UALICE", posted, "level_next")[0] == 200
    (replaced,) = fake.wait_calls("response", replace_original=True)
    assert "Level 4" in replaced.params["blocks"][0]["text"]["text"]


def test_compare_with_next_answers_in_place(slack: SlackSender, fake: FakeSlack) -> None:
    event = mention("UALICE", CHANNEL, "level 2 interfaces")
    slack.event(event)
    (posted,) = fake.wait_calls("chat.postMessage", thread_ts=event["ts"])
    assert slack.press("UALICE", posted, "level_compare")[0] == 200
    replaced = fake.wait_for(
        lambda: [
            r
            for r in fake.of("response")
            if "level 2 → 3" in json.dumps(r.params, ensure_ascii=False)
        ],
        what="the comparison replacing the answer",
    )
    assert replaced[0].params["replace_original"] is True


def test_a_search_answer_opens_each_cell_for_the_clicker(
    slack: SlackSender, fake: FakeSlack
) -> None:
    event = mention("UALICE", CHANNEL, "which level talks about golden paths?")
    slack.event(event)
    (posted,) = fake.wait_calls("chat.postMessage", thread_ts=event["ts"])
    assert "Standard tooling" in posted.text and "Intrinsic pull" in posted.text
    # "Open" beside the second match: its full answer, to the clicker, under the list.
    assert slack.press("UALICE", posted, "level_open_1")[0] == 200
    opened = fake.wait_for(
        lambda: [
            r for r in fake.of("response") if "Adoption · Level 3" in r.params.get("text", "")
        ],
        what="the opened cell",
    )[0]
    assert opened.params["replace_original"] is False
    assert opened.params["response_type"] == "ephemeral"
    assert opened.params["blocks"][0]["type"] == "header"


def test_direct_message_is_answered_in_the_dm(slack: SlackSender, fake: FakeSlack) -> None:
    event = message("UBOB", "DBOB", "tell me about measurement", channel_type="im")
    assert slack.event(event)[0] == 200
    (posted,) = fake.wait_calls("chat.postMessage", channel="DBOB")
    assert "thread_ts" not in posted.params and "Measurement" in posted.text


def test_slash_command_question_is_private(slack: SlackSender, fake: FakeSlack) -> None:
    status, body = slack.command("UCAROL", CHANNEL, "what is level 1 operations")
    assert (status, body) == (200, "")  # acknowledged at once, answered afterwards
    answer = fake.wait_for(
        lambda: [r for r in fake.of("response") if "Operations" in r.params.get("text", "")],
        what="the private answer",
    )[0]
    assert answer.params["response_type"] == "ephemeral"
    assert not fake.of("chat.postMessage", channel=CHANNEL, text=answer.params["text"])


def test_unsigned_badly_signed_and_stale_requests_get_401(slack: SlackSender) -> None:
    body = json.dumps(envelope(mention("UEVE", CHANNEL, "overview")))
    assert slack.send(body, "application/json", signature="v0=" + "0" * 64)[0] == 401
    stale = int(time.time()) - 6 * 60
    assert slack.send(body, "application/json", timestamp=stale)[0] == 401
    assert (
        slack.send(body, "application/json", headers={"X-Slack-Request-Timestamp": "x"})[0] == 401
    )
    request = urllib.request.Request(slack.url, data=body.encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('{"no": "type"}', "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("payload=%5B%5D", "application/x-www-form-urlencoded"),
        ("hello=world", "application/x-www-form-urlencoded"),
        ("", "application/json"),
    ],
)
def test_signed_malformed_bodies_get_400(slack: SlackSender, body: str, content_type: str) -> None:
    assert slack.send(body, content_type)[0] == 400


def test_url_verification_echoes_the_challenge(slack: SlackSender) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    status, text = slack.send(body, "application/json")
    assert status == 200 and "abc123" in text


def test_a_retried_event_is_handled_once(slack: SlackSender, fake: FakeSlack) -> None:
    event = mention("UDAN", CHANNEL, "what is level 1 investment")
    assert slack.event(event, event_id="EvRETRY1")[0] == 200
    for attempt in (1, 2):
        assert slack.event(event, event_id="EvRETRY1", retry=attempt)[0] == 200
    fake.wait_calls("chat.postMessage", thread_ts=event["ts"])
    time.sleep(1.5)  # time enough for a second answer, if there were one
    assert len(fake.of("chat.postMessage", thread_ts=event["ts"])) == 1


def test_a_429_is_retried_after_retry_after_and_delivered_once(
    slack: SlackSender, fake: FakeSlack
) -> None:
    fake.throttle("chat.postMessage", times=1, retry_after=1)
    event = mention("UFRAN", CHANNEL, "what is level 4 adoption")
    assert slack.event(event)[0] == 200
    (delivered,) = fake.wait_calls("chat.postMessage", thread_ts=event["ts"], timeout=20)
    (refused,) = fake.of("chat.postMessage", status=429, thread_ts=event["ts"])
    assert delivered.at - refused.at >= 1.0  # waited for Retry-After
    time.sleep(1)
    assert len(fake.of("chat.postMessage", thread_ts=event["ts"])) == 1
    metrics = urllib.request.urlopen(slack.url.replace("/slack/events", "/metrics")).read()
    assert b'maturitybot_rate_limit_retries_total{platform="slack"} 1.0' in metrics


def test_a_failing_post_gets_a_private_notice_not_a_crash(
    slack: SlackSender, fake: FakeSlack, bot: BotProcess
) -> None:
    fake.fail("chat.postMessage", "not_in_channel")
    event = mention("UGUS", "CNOTIN", "overview")
    assert slack.event(event)[0] == 200
    (notice,) = fake.wait_calls("chat.postEphemeral", user="UGUS")
    assert "/invite" in notice.text and notice.params["channel"] == "CNOTIN"
    assert health(bot)["status"] == "ok"


def test_a_remark_in_a_thread_gets_no_answer(slack: SlackSender, fake: FakeSlack) -> None:
    event = message("UHAL", CHANNEL, "3", thread_ts="1500000000.000001")
    assert slack.event(event)[0] == 200
    time.sleep(1)
    assert not fake.of("chat.postMessage", channel=CHANNEL, thread_ts="1500000000.000001")
    assert not fake.of("chat.postEphemeral", user="UHAL")


def test_a_mention_in_a_thread_is_answered_once(slack: SlackSender, fake: FakeSlack) -> None:
    """Slack sends a mention twice (app_mention and message.channels); one answer."""
    thread = "1500000000.000777"
    as_message = message("UIDA", CHANNEL, "<@UBOT> what is level 1 adoption", thread_ts=thread)
    as_mention = {**as_message, "type": "app_mention"}
    assert slack.event(as_message)[0] == 200 and slack.event(as_mention)[0] == 200
    fake.wait_calls("chat.postMessage", thread_ts=thread)
    time.sleep(1.5)  # a second answer would come about a second later (pacing)
    assert len(fake.of("chat.postMessage", thread_ts=thread)) == 1


def test_a_bare_slash_command_shows_help(slack: SlackSender, fake: FakeSlack) -> None:
    assert slack.command("UJOY", CHANNEL, "")[0] == 200
    fake.wait_for(
        lambda: [r for r in fake.of("response") if "Ask me things like" in r.params["text"]],
        what="help",
    )


def test_the_home_tab_without_results_says_how_to_start(
    slack: SlackSender, fake: FakeSlack
) -> None:
    opened = {"type": "app_home_opened", "user": "UKIM", "channel": "DKIM", "tab": "home"}
    assert slack.event(opened)[0] == 200
    (published,) = fake.wait_calls("views.publish", user_id="UKIM")
    view = json.dumps(published.params["view"])
    assert "Investment" in view and "No pulse has closed yet" in view
    assert slack.event(opened)[0] == 200  # opened again at once: nothing new to publish
    time.sleep(0.5)
    assert len(fake.of("views.publish", user_id="UKIM")) == 1


def test_an_empty_comment_keeps_the_modal_open(slack: SlackSender) -> None:
    target = CommentTarget(1, "adoption", "ULEO", "C1", None)
    view = comment_view("Why do teams use our platform?", target.dumps(metadata_key(SECRET)))
    status, body = slack.interact(view_submission("ULEO", view, "   "))
    assert status == 200
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {"comment": "Write a comment first."},
    }


def test_a_pulse_is_not_started_where_the_bot_is_not_a_member(
    slack: SlackSender, fake: FakeSlack
) -> None:
    fake.outside.add("CELSEWHERE")
    assert slack.command(ADMIN, "CELSEWHERE", "pulse start")[0] == 200
    answer = fake.wait_for(
        lambda: [r for r in fake.of("response") if "/invite" in r.params.get("text", "")],
        what="the invitation hint",
    )[0]
    assert answer.params["response_type"] == "ephemeral"
    time.sleep(0.5)
    assert not fake.of("chat.postMessage", channel="CELSEWHERE")
    assert len(fake.of("conversations.info", channel="CELSEWHERE")) == 1
