"""The door's checks, one by one: values from buttons and cards, Slack payload shapes, sealed
modal metadata, and markup that must stay text (issue 10). Each case is one the campaign or
the issue found; the HTTP tests show the same through the running bot."""

from __future__ import annotations

import json

import pytest

from bot.context import MAX_ID
from bot.platforms.slack import markup as slack_markup
from bot.platforms.slack.payloads import (
    CommentTarget,
    PayloadError,
    answered,
    choice,
    comment_submission,
    metadata_key,
)
from bot.platforms.slack.shape import Malformed, check
from bot.platforms.teams import actions
from bot.platforms.teams import markup as teams_markup
from bot.platforms.untrusted import Untrusted, json_object, seal, too_deep, unseal, whole

KEY = metadata_key("test-secret")


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        0,
        -1,
        MAX_ID + 1,
        2**63,
        1.0,
        "",
        " ",
        "²",
        "１",
        "1e3",
        "9" * 5000,
        [1],
    ],
)
def test_whole_numbers_refuse_what_is_not_one(value: object) -> None:
    with pytest.raises(Untrusted):
        whole(value)


def test_whole_numbers_take_json_numbers_and_ascii_digits() -> None:
    assert whole(7) == 7 and whole("7") == 7 and whole(MAX_ID) == MAX_ID
    assert whole("4", 1, 4) == 4
    with pytest.raises(Untrusted):
        whole("5", 1, 4)


@pytest.mark.parametrize(
    "raw",
    [
        '{"r": ' + "[" * 10,
        "[" * 100_000,
        '{"r": 1, "x": ' + "9" * 5000 + "}",
        '{"r": 1' + "x" * 3000 + "}",
        "[1]",
        "not json",
    ],
)
def test_json_objects_are_small_and_shallow(raw: str) -> None:
    with pytest.raises(Untrusted):
        json_object(raw, 2000)


def test_depth_ignores_brackets_inside_strings() -> None:
    assert not too_deep(json.dumps({"text": "[[[[[[[[[[" * 10}), 4)
    assert too_deep("[" * 5, 4)


@pytest.mark.parametrize(
    "value",
    [
        {"r": 1, "q": "adoption", "l": True},
        {"r": 1, "q": "adoption", "l": 5},
        {"r": 1, "q": "adoption", "l": "3"},
        {"r": True, "q": "adoption", "l": 1},
        {"r": MAX_ID + 1, "q": "adoption", "l": 1},
        {"r": 1, "q": "adoption\n", "l": 1},
        {"r": 1, "q": ["adoption"], "l": 1},
    ],
)
def test_a_slack_button_carries_only_what_the_bot_put_on_it(value: dict[str, object]) -> None:
    with pytest.raises(PayloadError):
        choice(json.dumps(value))


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("pulse_answer_3", '{"r":1,"q":"adoption","l":2}'),
        ("pulse_answer_not_sure", '{"r":1,"q":"adoption","l":1}'),
        ("pulse_answer_2", '{"r":1,"q":"adoption"}'),
        ("pulse_answer_", '{"r":1,"q":"adoption","l":2}'),
        ("pulse_answer_02", '{"r":1,"q":"adoption","l":2}'),
    ],
)
def test_a_slack_answer_names_one_level_twice(action_id: str, value: str) -> None:
    """A signed press whose action id and value disagree was not made on the bot's button
    (the bad-input campaign made one that changed a stored answer)."""
    with pytest.raises(PayloadError):
        answered(action_id, value, "pulse_answer_")


def test_a_slack_answer_whose_action_id_agrees_is_read() -> None:
    assert answered("pulse_answer_2", '{"r":1,"q":"adoption","l":2}', "pulse_answer_").level == 2
    not_sure = answered("pulse_answer_not_sure", '{"r":1,"q":"adoption"}', "pulse_answer_")
    assert not_sure.level is None


def test_a_not_sure_button_has_no_level() -> None:
    assert choice('{"r":3,"q":"adoption"}').level is None
    assert choice('{"r":3,"q":"adoption","l":4}').level == 4


def test_a_sealed_value_comes_back_only_unchanged() -> None:
    sealed = seal('{"r":1}', KEY)
    assert unseal(sealed, KEY) == '{"r":1}'
    for changed in (sealed.replace("1", "2"), "ab.{}", "é" * 32 + '.{"r":1}', '{"r":1}'):
        with pytest.raises(Untrusted):
            unseal(changed, KEY)
    with pytest.raises(Untrusted):
        unseal(sealed, metadata_key("another secret"))


def _submission(user: str, metadata: str, text: object = "hello") -> dict[str, object]:
    return {
        "type": "view_submission",
        "user": {"id": user},
        "view": {
            "type": "modal",
            "private_metadata": metadata,
            "state": {"values": {"comment": {"text": {"value": text}}}},
        },
    }


def test_a_comment_form_answers_only_for_whom_it_was_opened() -> None:
    target = CommentTarget(4, "adoption", "UANN", "CPULSE", "1.2", "en")
    metadata = target.dumps(KEY)
    found = comment_submission(_submission("UANN", metadata), "comment", "text", KEY)
    assert found.target == target and found.text == "hello"
    with pytest.raises(PayloadError):  # Ben submits Ann's form
        comment_submission(_submission("UBEN", metadata), "comment", "text", KEY)
    with pytest.raises(PayloadError):  # the channel changed on the way
        forged = metadata.replace("CPULSE", "COTHER")
        comment_submission(_submission("UANN", forged), "comment", "text", KEY)
    with pytest.raises(PayloadError):  # metadata as the bot used to write it: not sealed
        plain = '{"r":4,"q":"adoption","c":"CPULSE"}'
        comment_submission(_submission("UANN", plain), "comment", "text", KEY)
    with pytest.raises(PayloadError):  # a wrongly typed state
        comment_submission(_submission("UANN", metadata, ["x"]), "comment", "text", KEY)


@pytest.mark.parametrize(
    "body",
    [
        {"type": "event_callback", "event": "typed"},
        {"type": "block_actions", "actions": []},
        {"type": "block_actions", "actions": [{"action_id": ["a"]}]},
        {"type": float("nan")},
        {"type": "view_submission", "view": {"callback_id": "x"}},
        {"type": "view_submission", "view": {"type": "modal", "state": {"values": []}}},
        {"type": "block_actions", "user": ["U1"], "actions": [{"action_id": "a"}]},
        {"command": "/maturity", "response_url": "UBEN"},
        {"type": "event_callback", "event": {"type": "message", "channel": 5}},
        {"type": "event_callback", "event": {"type": "message"}, "authorizations": ["x"]},
        {"nothing": "here"},
        ["type"],
    ],
)
def test_slack_payloads_bolt_cannot_read_are_refused(body: object) -> None:
    with pytest.raises(Malformed):
        check(body)


def test_slack_payloads_as_slack_sends_them_pass() -> None:
    check({"type": "event_callback", "event": {"type": "user_change", "user": {"id": "U1"}}})
    check({"type": "block_actions", "actions": [{"action_id": "a", "value": "{}"}]})
    check({"command": "/maturity", "text": "help", "response_url": "https://hooks.slack.com/x"})


def test_slack_text_shows_as_typed_and_only_the_bots_channel_names_link() -> None:
    typed = slack_markup.plain("&lt;!here&gt; \u2068<#C1>\u2069 <!channel> <@U1>")
    assert "<!here>" in typed and "\u2068" not in typed and "<!channel>" not in typed
    shown = slack_markup.escape(f"{typed} in {slack_markup.channel_link('CPULSE')}")
    assert "<!" not in shown and "<@" not in shown and "<#C1>" not in shown
    assert shown.endswith("in <#CPULSE>")


def test_teams_text_shows_as_typed() -> None:
    shown = teams_markup.escape("**bold** <at>Ada</at> [x](https://e.example)\n- list")
    assert shown == r"\*\*bold\*\* \<at\>Ada\</at\> \[x\](https://e.example) - list"


@pytest.mark.parametrize(
    "data",
    [
        {"round": True, "question": "adoption", "level": "2"},
        {"round": 2**31, "question": "adoption", "level": "2"},
        {"round": 1, "question": "adoption", "level": True},
        {"round": 1, "question": "adoption", "level": "²"},
        {"round": 1, "question": "adoption", "level": "9" * 5000},
        {"round": 1, "question": "Adoption!", "level": "2"},
        {"round": 1, "question": "adoption", "level": "2", "comment": {"x": 1}},
        {"round": 1, "question": "adoption", "level": "2", "comment": "x" * 5000},
    ],
)
def test_a_teams_card_carries_only_what_the_bot_put_on_it(data: dict[str, object]) -> None:
    assert actions.parse({actions.KEY: actions.ANSWER, **data}) is None


def test_a_teams_card_answer_as_the_bot_wrote_it() -> None:
    data = actions.answer_data(7, "adoption", 3)
    assert actions.parse(data) == actions.CardAnswer(7, "adoption", 3, None)
    assert actions.parse(actions.answer_data(7, "adoption", None)).level is None  # type: ignore[union-attr]
