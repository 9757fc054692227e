"""The ``maturitybot`` command as people and scripts call it."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from bot.model import default_content_dir
from conftest import maturitybot


def test_ask_json_shape() -> None:
    result = maturitybot("ask", "--json", "what is level 3 measurement")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["intent"] == "level"
    assert payload["aspect"] == "measurement"
    assert payload["level"] == 3
    assert "Insights" in payload["text"] and "CC BY 4.0" in payload["text"]
    assert "levels" not in payload


def test_ask_json_compare_carries_levels() -> None:
    payload = json.loads(maturitybot("ask", "--json", "from 2 to 3 in adoption").stdout)
    assert (payload["intent"], payload["aspect"], payload["level"]) == ("compare", "adoption", None)
    assert payload["levels"] == [2, 3]
    assert "Extrinsic push" in payload["text"] and "Intrinsic pull" in payload["text"]


def test_ask_plain_text_and_unknown() -> None:
    result = maturitybot("ask", "how", "do", "we", "reach", "intrinsic", "pull")
    assert result.returncode == 0 and "Moves to get there" in result.stdout
    unknown = json.loads(maturitybot("ask", "--json", "banana").stdout)
    assert (unknown["intent"], unknown["aspect"], unknown["level"]) == ("unknown", None, None)
    assert unknown["text"]


def test_help_lists_every_command() -> None:
    result = maturitybot("--help")
    assert result.returncode == 0
    for command in ("ask", "chat", "run", "db", "export", "teams-package"):
        assert command in result.stdout


def test_broken_content_exits_2_with_one_line(tmp_path: Path) -> None:
    data = yaml.safe_load((default_content_dir() / "model.yaml").read_text())
    del data["aspects"][3]["levels"][1]["title"]
    broken = tmp_path / "model.yaml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False))
    for command in (["ask", "level 2 ops"], ["chat"], ["db", "upgrade"]):
        result = maturitybot(*command, env={"MATURITYBOT_CONTENT": str(broken)}, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert str(broken) in lines[0]
        assert "aspects[3].levels[1]" in lines[0] and "missing field 'title'" in lines[0]
        assert "line " in lines[0]
        assert "Traceback" not in result.stderr


def test_bad_setting_exits_2(tmp_path: Path) -> None:
    result = maturitybot("ask", "help", env={"PULSE_MIN_RESPONSES": "lots"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "maturitybot: error: PULSE_MIN_RESPONSES must be a whole number, got 'lots'"
    )


def test_usage_error_exits_2() -> None:
    result = maturitybot("ask")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_chat_answers_piped_lines(tmp_path: Path) -> None:
    result = maturitybot(
        "chat", input="what is level 1 adoption\n\nextrinsic push vs intrinsic pull\n", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Adoption · Level 1 Provisional — Erratic" in result.stdout
    assert "from Level 2 Operational — Extrinsic push" in result.stdout


def test_slack_oauth_settings_contradict_a_single_token(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}
    result = maturitybot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "unset them" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_role_needs_a_shared_database(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}  # the default: SQLite
    for role in ("events", "work"):
        result = maturitybot("run", "--role", role, env=env, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            f"maturitybot: error: --role {role} shares the work with other processes through "
            "PostgreSQL: set DATABASE_URL to postgresql+psycopg://..., or run one process with "
            "--role all (the default) on SQLite"
        ]
    assert not (tmp_path / "maturitybot.db").exists()  # refused before touching anything


def test_an_unknown_role_is_a_usage_error(tmp_path: Path) -> None:
    result = maturitybot("run", "--role", "everything", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice: 'everything'" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_json_search_names_and_quotes_its_matches() -> None:
    payload = json.loads(maturitybot("ask", "--json", "which level mentions SLOs?").stdout)
    assert (payload["intent"], payload["lang"], payload["aspect"]) == ("search", "en", None)
    matches = payload["matches"]
    assert 1 <= len(matches) <= 5
    assert {"aspect", "level"} <= set(matches[0])
    assert (matches[0]["aspect"], matches[0]["level"]) == ("measurement", 4)
    assert "Quantitative and qualitative" in payload["text"]  # the best cell, named
    assert "set objectives such as SLOs" in payload["text"]  # and quoted
    assert "levels" not in payload


def test_ask_json_a_described_situation_stays_in_its_aspect() -> None:
    asked = (
        "we have a permanent platform team paid from the central IT budget but mostly react to "
        "requests — where are we on investment?"
    )
    payload = json.loads(maturitybot("ask", "--json", asked).stdout)
    assert (payload["intent"], payload["aspect"]) == ("search", "investment")
    assert payload["matches"][0] == {**payload["matches"][0], "aspect": "investment", "level": 2}
    assert all(match["aspect"] == "investment" for match in payload["matches"])
    assert "pulse start" in payload["text"]  # the offer of a real assessment


def test_ask_json_about_and_small_talk_in_both_languages() -> None:
    for asked, intent, lang in (
        ("who wrote this model?", "about", "en"),
        ("这个模型用的是什么许可证", "about", "zh"),
        ("thanks, that helps 🙏", "smalltalk", "en"),
        ("你是机器人吗", "smalltalk", "zh"),
        ("哪一级提到了黄金路径？", "search", "zh"),
    ):
        payload = json.loads(maturitybot("ask", "--json", asked).stdout)
        assert (payload["intent"], payload["lang"]) == (intent, lang), asked
        assert payload["text"] and "Sorry" not in payload["text"]


def test_chat_opens_a_numbered_cell(tmp_path: Path) -> None:
    result = maturitybot("chat", input="which level talks about golden paths\n2\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed, opened = result.stdout.split("[#terminal]")[1:3]
    assert "2. Adoption · Level 3 Scalable — Intrinsic pull" in listed
    assert opened.strip().startswith("Adoption · Level 3 Scalable — Intrinsic pull")
    assert "Characteristics" in opened
