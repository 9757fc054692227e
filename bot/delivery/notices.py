"""What the admins are told, privately, when something owed could not be delivered."""

from __future__ import annotations

from bot import phrases
from bot.replies import RoundTitle
from bot.wording import Say, t


def notice_text(payload: dict[str, object]) -> Say:
    """The note owed to an admin (an outbox row of kind "notice"), from the facts it keeps."""
    place = str(payload.get("place", ""))
    week = payload.get("week")
    title = phrases.round_title(RoundTitle(int(week))) if isinstance(week, int) else ""
    what = _what(str(payload.get("what", "")))
    about = payload.get("about")
    if about == "withdrawn_uncertain":
        return t(
            "I may have posted the pulse in {place} ({title}), but the chat platform did not "
            "answer in time, so I can't tell. Rather than post it twice, I withdrew the round: "
            "if it is not there, start it again with `pulse start`.",
            place=place,
            title=title,
        )
    if about == "withdrawn":
        return t(
            "The pulse due in {place} ({title}) could not be posted while enough of its window "
            "was left (the chat platform was not answering), so I withdrew it. Start one with "
            "`pulse start` if you still want it.",
            place=place,
            title=title,
        )
    if about == "uncertain":
        return t(
            "I may have posted {what} in {place}: the platform did not answer in time, so I "
            "don't know, and I won't post it again blindly. Please check the conversation.",
            what=what,
            place=place,
        )
    return t(
        "I could not post {what} in {place} and gave up ({reason}).",
        what=what,
        place=place,
        reason=str(payload.get("reason", "")),
    )


def _what(kind: str) -> Say:
    if kind == "question":
        return t("a question of the pulse")
    if kind == "summary":
        return t("the pulse's summary")
    if kind == "digest":
        return t("the digest")
    return t("the pulse")
