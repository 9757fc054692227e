"""Benchmark: button clicks on one `maturitybot run` instance vs two, on one PostgreSQL.

Each click is a Teams `adaptiveCard/action` invoke from a distinct person (the bot answers it
inline, as Teams requires), sent by wrk from loopback with 50 connections in flight; with two
instances, two wrk processes split the connections as a load balancer would. "Recorded" is
checked in the database afterwards: every 200 must be an answer row, nothing lost.

Goal (issue 6): two instances >= 1.6x the clicks/s of one, nothing lost. Needs `wrk`
(Debian package) and PostgreSQL. Run: python bench/bench_scale_out.py [--seconds 15]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent / "tests" / "teams")]

from botprocess import BotProcess  # noqa: E402
from teams_connector import FakeConnector  # noqa: E402
from teams_dialogue import BOT, TEAM, Teams, User, action_titled  # noqa: E402

from storage.engine import migrate, normalise_url  # noqa: E402

ADMIN = User("admin", "Ada Admin")
LUA = """
local counter = 0
local template = [[%s]]
function setup(thread)
  thread:set("tid", tostring(math.random(1, 1e9)))
end
function init(args)
  prefix = args[1]
end
function request()
  counter = counter + 1
  local person = prefix .. "-" .. tid .. "-" .. counter
  local body = string.gsub(template, "PERSON", person)
  return wrk.format("POST", "/api/messages", {["Content-Type"] = "application/json"}, body)
end
"""


def _invoke_template(teams: Teams, question: object) -> str:
    """An invoke body like Teams sends for Level 3, with PERSON where the person goes."""
    action = action_titled(question.card, "Level 3")
    person = User("PERSON", "PERSON")
    conversation = teams._conversation_of(question)
    activity = teams._base(person, conversation, teams._channel_data_of(conversation))
    activity.update(
        {
            "id": "act-PERSON",
            "type": "invoke",
            "name": "adaptiveCard/action",
            "replyToId": question.answered_id,
            "value": {
                "action": {
                    "type": "Action.Execute",
                    "verb": action["verb"],
                    "data": action["data"],
                },
                "trigger": "manual",
            },
        }
    )
    return json.dumps(activity)


def _wrk(url: str, connections: int, seconds: int, script: Path, prefix: str) -> dict:
    result = subprocess.run(
        [
            "wrk",
            "-t",
            "1",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
            "--",
            prefix,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "requests": total,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _recorded(url: str, prefix: str) -> int:
    engine = sa.create_engine(normalise_url(url))
    with engine.connect() as connection:
        count = connection.scalar(
            sa.text("SELECT count(*) FROM answer WHERE user_id LIKE :p"), {"p": f"aad-{prefix}-%"}
        )
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = (
        sa.engine.make_url(normalise_url(args.postgres))
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    migrate(url)
    env = {
        "TEAMS_ENABLED": "true",
        "DATABASE_URL": url,
        "MATURITYBOT_ADMINS": ADMIN.aad,
        "LOG_LEVEL": "WARNING",
    }
    started: list[BotProcess] = []
    try:
        with tempfile.TemporaryDirectory() as folder, FakeConnector() as connector:
            workdir = Path(folder)
            connector.members[TEAM] = [ADMIN.account(), dict(BOT)]
            first = BotProcess(env, workdir).start()
            started.append(first)
            teams = Teams(first.url, connector)
            teams.install_in_team(ADMIN)
            mark = connector.mark()
            teams.say(ADMIN, "pulse start closes in 1d")
            questions = connector.wait_for(
                lambda calls: len(q := [c for c in calls if c.kind == "send"]) >= 5 and q,
                after=mark,
            )
            script = workdir / "click.lua"
            script.write_text(LUA % _invoke_template(teams, questions[0]))

            one = _wrk(first.url, args.connections, args.seconds, script, "one")
            time.sleep(1)
            one_recorded = _recorded(url, "one")

            second = BotProcess(env, workdir).start()
            started.append(second)
            half = args.connections // 2
            runs = [
                subprocess.Popen(
                    [
                        sys.executable,
                        __file__,
                        "--wrk-child",
                        target,
                        str(half),
                        str(args.seconds),
                        str(script),
                        prefix,
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for target, prefix in ((first.url, "two-a"), (second.url, "two-b"))
            ]
            results = [json.loads(run.communicate()[0]) for run in runs]
            time.sleep(1)
            two_recorded = _recorded(url, "two-a") + _recorded(url, "two-b")
    finally:
        for bot in started:
            bot.stop()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()

    two_ok = sum(r["requests"] - r["non_2xx"] for r in results)
    two_rps = sum(r["rps"] for r in results)
    print(
        f"one instance : {one['rps']:7.0f} clicks/s, p50 {one['p50']:.1f} ms, "
        f"p99 {one['p99']:.1f} ms; {one['requests'] - one['non_2xx']} answered 200, "
        f"{one_recorded} recorded"
    )
    print(
        f"two instances: {two_rps:7.0f} clicks/s, p50 {max(r['p50'] for r in results):.1f} ms, "
        f"p99 {max(r['p99'] for r in results):.1f} ms; {two_ok} answered 200, "
        f"{two_recorded} recorded"
    )
    print(f"scale-out: {two_rps / one['rps']:.2f}x")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--wrk-child":
        target, connections, seconds, script, prefix = sys.argv[2:7]
        print(json.dumps(_wrk(target, int(connections), int(seconds), Path(script), prefix)))
    else:
        main()
