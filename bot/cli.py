"""The ``maturitybot`` command: the one place that wires settings, content, storage and
platforms together.

Imports of heavy parts (storage, slack_bolt, botbuilder, matplotlib) happen inside the
commands that need them, so ``maturitybot ask`` stays a fast path.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.model import ContentError, MaturityModel, load_model
from bot.roles import Role
from bot.wording import LANGUAGES

EXIT_OK, EXIT_USAGE = 0, 2


class UsageError(Exception):
    """A mistake in how the command was called; the message says how to fix it."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maturitybot",
        description="Explains the CNCF Platform Engineering Maturity Model and runs pulse "
        "surveys on it, in Slack, Microsoft Teams or a terminal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ask = commands.add_parser("ask", help="answer one question and exit")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("question", nargs="+", help='e.g. "what is level 3 measurement"')

    chat = commands.add_parser(
        "chat", help="talk to the bot in this terminal (reads standard input)"
    )
    chat.add_argument(
        "--lang", choices=("en", "zh"), help="the language you read (default: from LANG)"
    )
    run = commands.add_parser("run", help="serve Slack and Teams, the scheduler and /healthz")
    run.add_argument(
        "--role",
        choices=[role.value for role in Role],
        default=Role.ALL.value,
        help="all (default); or, with PostgreSQL, split across processes: events (answer the "
        "platforms) and work (run schedules, deliver owed posts)",
    )

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations")
    db_commands.add_parser("current", help="show the applied migration")

    export = commands.add_parser("export", help="write rounds and aggregate scores")
    export.add_argument("--conversation", required=True, help="conversation id (see `db list`)")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")

    teams = commands.add_parser("teams-package", help="write a sideloadable Teams app zip")
    teams.add_argument("--output", "-o", default="maturitybot-teams.zip")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from storage.errors import DatabaseError

    try:
        settings = load_settings()
        if args.command == "ask":  # the fast path reads only the question's language
            return _ask(" ".join(args.question), settings, as_json=args.json)
        model = load_model(settings.content_path, settings.cache_dir)
        return _dispatch(args, settings, model)
    except (ConfigError, ContentError, UsageError, DatabaseError) as error:
        print(f"maturitybot: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings, model: MaturityModel) -> int:
    if args.command == "chat":
        from bot.model import load_content
        from bot.platforms.console import run_chat

        content = load_content(settings.content_path, settings.cache_dir, model)
        content.check_all(LANGUAGES)
        return run_chat(
            settings, content, sys.stdin, sys.stdout, args.lang or settings.terminal_language
        )
    if args.command == "run":
        from bot.model import load_content
        from bot.server import run_server

        content = load_content(settings.content_path, settings.cache_dir, model)
        content.check_all(LANGUAGES)
        return run_server(settings, content, Role(args.role))
    if args.command == "db":
        from storage.engine import current_revision, migrate

        if args.db_command == "upgrade":
            print(f"database at {migrate(settings.database_url)}")
        else:
            print(current_revision(settings.database_url) or "empty (run `maturitybot db upgrade`)")
        return EXIT_OK
    if args.command == "export":
        return _export(settings, model, args.conversation, args.format, args.output)
    if args.command == "teams-package":
        from bot.model import load_content
        from bot.platforms.teams.package import write_package

        content = load_content(settings.content_path, settings.cache_dir, model)
        print(write_package(settings, model, args.output, content))
        return EXIT_OK
    raise UsageError(f"unknown command {args.command!r}")  # pragma: no cover - argparse guards


def _export(
    settings: Settings, model: MaturityModel, conversation: str, fmt: str, output: str | None
) -> int:
    from bot.handlers import export
    from storage.engine import Database

    db = Database(settings.database_url, workers=1)
    try:
        data = export.rows(db, model, conversation, settings.pulse_min_responses)
    except export.ExportError as error:
        raise UsageError(str(error)) from None
    finally:
        db.close()
    text = export.as_text(data, fmt, conversation)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _ask(question: str, settings: Settings, as_json: bool) -> int:
    """One question, answered in its own language; only that language's content is read
    (and the search index only when the question needs a search)."""
    from bot.chinese import language_of
    from bot.handlers.knowledge import respond
    from bot.model import load_content
    from bot.platforms.text import render
    from bot.replies import openable
    from bot.wording import speaking

    content = load_content(settings.content_path, settings.cache_dir)
    lang = language_of(question)
    answered = respond(question, content, lang)
    intent, reply = answered.intent, answered.reply
    with speaking(lang):
        text = render(reply)
    if as_json:
        kind = answered.kind
        payload: dict[str, object] = {
            "intent": kind,
            "lang": lang,
            "aspect": intent.aspect,
            "level": intent.level,
            "text": text,
        }
        if kind == "search":
            payload["matches"] = [
                {"aspect": match.aspect.key, "level": match.level.number, "score": match.score}
                for match in openable(reply)
            ]
        if intent.levels:
            payload["levels"] = list(intent.levels)
        suggestion = intent.suggestion or getattr(reply, "suggestion", None)
        if suggestion:
            payload["suggestion"] = suggestion
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(text)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
