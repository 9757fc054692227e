"""A whole round in the terminal chat, driven by piped input, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from conftest import maturitybot

ROUND = """\
pulse start
/as alice
answer investment 3
answer adoption 2 -- our portal is new
/as bob
answer investment 2
answer adoption 2
answer investment 4
/as carol
answer investment 3
answer adoption level 3 -- docs are good
answer ops not sure
/as dave
answer investment one
/as you
pulse status
pulse close
/as alice
answer investment 1
/as you
digest
"""


def test_whole_round_in_the_terminal(database_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": database_url, "PULSE_MIN_RESPONSES": "3"}
    result = maturitybot("chat", input=ROUND, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout

    # The parent post and the five questions in its thread.
    assert "Platform maturity pulse — week" in out
    assert out.count("  ↳ [") == 5
    # Each person got a private confirmation; bob's change of mind says so.
    assert "(private to bob) Changed to: Level 4" in out
    # Status while open: 4 of 5 people (you, alice, bob, carol, dave).
    assert "4 of 5 people answered." in out
    # The summary at close: investment 1,3,3,4 → median 3, mean 2.75.
    assert "Investment: median 3, mean 2.75 (4 responses; L1:1 L2:0 L3:2 L4:1)" in out
    assert "Adoption: median 2, mean 2.33 (3 responses; L1:0 L2:2 L3:1 L4:0)" in out
    assert (
        "Operations: not enough responses (1 response, none with a level; results show from 3"
        " with a level)"
    ) in out
    assert "Participation: 4 of 5 people (80%)." in out
    assert "Weakest: Adoption. Level 3 (Intrinsic pull) asks for:" in out
    # Comments appear without names, only for aspects over the threshold.
    assert "Adoption: our portal is new" in out and "Adoption: docs are good" in out
    # An answer after close changes nothing and says so politely.
    assert "(private to alice) Thanks! This pulse closed" in out
    # The digest repeats the numbers and writes the chart.
    assert out.count("Investment: median 3, mean 2.75") == 2
    chart = next(line for line in out.splitlines() if line.startswith("Chart: "))
    png = (tmp_path / chart.removeprefix("Chart: ")).read_bytes()
    assert png.startswith(b"\x89PNG")
    for name in ("alice", "bob", "carol", "dave"):
        assert f"Adoption: {name}" not in out

    engine = sa.create_engine(database_url.replace("postgresql+psycopg", "postgresql+psycopg"))
    with engine.connect() as connection:
        answers = connection.execute(
            sa.text("SELECT user_id, question_id, level FROM answer ORDER BY user_id, question_id")
        ).all()
        scores = connection.execute(
            sa.text("SELECT aspect, responses, mean FROM round_score ORDER BY aspect")
        ).all()
    engine.dispose()
    assert ("alice", "investment", 3) in answers  # the post-close answer did not land
    assert ("bob", "investment", 4) in answers and ("carol", "operations", None) in answers
    assert len(answers) == 8
    assert {aspect: (responses, mean) for aspect, responses, mean in scores}["investment"] == (
        4,
        2.75,
    )

    export = maturitybot(
        "export", "--conversation", "console:terminal", "--format", "json", env=env, cwd=tmp_path
    )
    assert export.returncode == 0, export.stderr
    rows = {row["aspect"]: row for row in json.loads(export.stdout)["rows"]}
    assert rows["investment"]["mean"] == 2.75 and rows["investment"]["level_3"] == 2
    assert rows["operations"] == {
        **{k: rows["operations"][k] for k in ("round_id", "title", "template", "opened_at")},
        "closed_at": rows["operations"]["closed_at"],
        "respondents": 4,
        "members": 5,
        "aspect": "operations",
        "responses": 1,
        "note": "not enough responses",
    }
