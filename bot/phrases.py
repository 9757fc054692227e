"""Sentences said in more than one place: each exists once, here, as a catalog message.

Renderers lay these out (a line in the terminal, a section in Block Kit, a TextBlock in a
card); handlers put them into notices. Everything returns a ``Say``: it is translated when
it is rendered, in the reader's language.
"""

from __future__ import annotations

from datetime import datetime

from bot.model import Aspect, Attribution, GenericLevel, Level
from bot.replies import AspectScore, PulseParent, RoundSummary, RoundTitle
from bot.wording import Moment, Say, Typed, t, tc, tn

# --- composing -----------------------------------------------------------------------------------
# Punctuation between parts is the language's own (a Chinese colon is full-width, sentences
# follow each other without a space), so even the glue goes through the catalog.


def labelled(label: Say | str, text: Say | str) -> Say:
    """``Investment: …``."""
    return t("{label}: {text}", label=label, text=text)


def heading_line(heading: Say) -> Say:
    """A heading that introduces a list: ``Moves to get there:``."""
    return t("{heading}:", heading=heading)


def noted(text: Say | str, note: Say | str) -> Say:
    """``open a round here (admins)``."""
    return t("{text} ({note})", text=text, note=note)


def sentences(*parts: Say) -> Say:
    """Sentences said one after another."""
    said = parts[0]
    for part in parts[1:]:
        said = t("{first} {second}", first=said, second=part)
    return said


# --- the model --------------------------------------------------------------------------------


def level_name(generic: GenericLevel, level: Level) -> Say:
    """``Level 3 Scalable — Insights``."""
    return t(
        "Level {number} {name} — {title}",
        number=level.number,
        name=generic.name,
        title=level.title,
    )


def level_heading(aspect: Aspect, level: Level, generic: GenericLevel) -> Say:
    """``Measurement · Level 3 Scalable — Insights``."""
    return t("{aspect} · {level}", aspect=aspect.name, level=level_name(generic, level))


def level_label(number: int, generic: GenericLevel) -> Say:
    """``Level 3 Scalable``."""
    return t("Level {number} {name}", number=number, name=generic.name)


def generic_heading(generic: GenericLevel) -> Say:
    """``Level 3 — Scalable``."""
    return t("Level {number} — {name}", number=generic.number, name=generic.name)


def next_level(level: Level) -> Say:
    return t("Next: Level {number} — {title}", number=level.number, title=level.title)


def top_level() -> Say:
    return t("This is the top level; the model warns it is not a goal in itself.")


def characteristics() -> Say:
    return t("Characteristics")


def example(scenario: str) -> Say:
    return t("Example: {scenario}", scenario=scenario)


def moves_heading() -> Say:
    return t("Moves to get there")


def to_level(level: Level) -> Say:
    return t("To level {number} ({title}):", number=level.number, title=level.title)


def first_move(move: str) -> Say:
    return t("First move: {move}", move=move)


def at_level(level: Level, generic: GenericLevel) -> Say:
    return t("At level {number} ({name}):", number=level.number, name=generic.name)


def overview_line(aspects: int) -> Say:
    return tn(
        "{n} aspect × 4 levels. Assess each aspect on its own; no level is good or bad in itself.",
        "{n} aspects × 4 levels. Assess each aspect on its own; no level is good or bad in itself.",
        aspects,
    )


def levels_heading() -> Say:
    return t("Levels:")


def introduction() -> Say:
    return t("I explain the CNCF Platform Engineering Maturity Model and run pulse surveys on it.")


def ask_examples() -> Say:
    return t("Ask me things like:")


def pulse_commands() -> Say:
    return t("Pulse commands")


def admins_only() -> Say:
    return tc("command help", "admins")


# --- pulse --------------------------------------------------------------------------------------


def round_title(title: RoundTitle) -> Say:
    return t("Platform maturity pulse — week {week}", week=title.week)


def results_title(title: RoundTitle) -> Say:
    return t("Results: {title}", title=round_title(title))


def round_questions(parent: PulseParent) -> Say:
    """``Quick pulse: 5 questions in this thread, closes Fri 4 Dec 17:00 (Europe/Berlin).``"""
    moment = Moment(parent.closes_at, parent.timezone, zone_shown=True)
    if parent.threaded:
        return tn(
            "{survey}: {n} question in this thread, closes {moment}.",
            "{survey}: {n} questions in this thread, closes {moment}.",
            parent.question_count,
            survey=parent.template_name,
            moment=moment,
        )
    return tn(
        "{survey}: {n} question below, closes {moment}.",
        "{survey}: {n} questions below, closes {moment}.",
        parent.question_count,
        survey=parent.template_name,
        moment=moment,
    )


def confidential() -> Say:
    return t("Answers are confidential: only totals are ever shown, never who said what.")


def closes(moment: datetime, timezone: str) -> Say:
    return t("Closes {moment}.", moment=Moment(moment, timezone, zone_shown=True))


def choice(level: int | None) -> Say:
    """What a person picked: ``Level 3`` or ``Not sure``."""
    if level is None:
        return not_sure()
    return t("Level {number}", number=level)


def not_sure() -> Say:
    return t("Not sure")


def responses(count: int) -> Say:
    return tn("{n} response", "{n} responses", count)


def people_answered(respondents: int, members: int | None) -> Say:
    """``4 of 5 people answered.``"""
    if members:
        return tn(
            "{respondents} of {n} person answered.",
            "{respondents} of {n} people answered.",
            members,
            respondents=respondents,
        )
    return tn("{n} person answered.", "{n} people answered.", respondents)


def participation(summary: RoundSummary) -> Say:
    """``Participation: 4 of 5 people (80%).``"""
    if summary.members:
        rate = round(100 * summary.respondents / summary.members)
        return tn(
            "Participation: {respondents} of {n} person ({rate}%).",
            "Participation: {respondents} of {n} people ({rate}%).",
            summary.members,
            respondents=summary.respondents,
            rate=rate,
        )
    return tn("Participation: {n} person.", "Participation: {n} people.", summary.respondents)


def trend_over(rounds: int) -> Say:
    return tn("Trend over the last {n} round.", "Trend over the last {n} rounds.", rounds)


def digest_label(rounds: int) -> Say:
    """What a digest covers: ``Digest · trend over the last 3 rounds``."""
    return tn("Digest · the first round so far", "Digest · trend over the last {n} rounds", rounds)


def score_text(score: AspectScore, min_responses: int) -> Say:
    """What one aspect's line says after its name: the figures, or why there are none."""
    if score.hidden:
        return hidden_score(score, min_responses)
    figures = {
        "median": f"{score.median:g}",
        "mean": f"{score.mean:.2f}",
        "responses": responses(score.responses),
        "distribution": " ".join(f"L{n}:{count}" for n, count in enumerate(score.distribution, 1)),
    }
    if score.change is not None:
        figures["change"] = f"{score.change:+.2f}"
        return t(
            "median {median}, mean {mean} ({responses}; {distribution}, {change} since last round)",
            **figures,
        )
    if not score.comparable:
        return t(
            "median {median}, mean {mean} ({responses}; {distribution}, not comparable with "
            "last round (questions changed))",
            **figures,
        )
    return t("median {median}, mean {mean} ({responses}; {distribution})", **figures)


def hidden_score(score: AspectScore, min_responses: int) -> Say:
    """Below the threshold: counts only. The threshold counts answers with a level."""
    if score.responses and not score.scored:
        counted = tn(
            "{n} response, none with a level", "{n} responses, none with a level",
            score.responses,
        )  # fmt: skip
    elif score.scored < score.responses:
        counted = tn(
            "{n} response, {scored} with a level",
            "{n} responses, {scored} with a level",
            score.responses,
            scored=score.scored,
        )
    else:
        counted = responses(score.responses)
    return tn(
        "not enough responses ({counted}; results show from {n} with a level)",
        "not enough responses ({counted}; results show from {n} with a level)",
        min_responses,
        counted=counted,
    )


def score_line(score: AspectScore, min_responses: int) -> Say:
    return t("{aspect}: {score}", aspect=score.aspect.name, score=score_text(score, min_responses))


def weakest(summary: RoundSummary) -> Say | None:
    if summary.weakest is None or summary.weakest_next is None:
        return None
    step = summary.weakest_next
    return t(
        "Weakest: {aspect}. Level {number} ({title}) asks for:",
        aspect=summary.weakest.aspect.name,
        number=step.number,
        title=step.title,
    )


def comments_heading() -> Say:
    return t("Comments (unattributed)")


def aspect_comment(aspect: Aspect, comment: str) -> Say:
    return t("{aspect}: {comment}", aspect=aspect.name, comment=Typed(comment))


def closed_count(count: int) -> Say:
    return t("Closed · {responses}", responses=responses(count))


# --- search, "where are we?", the model itself, small talk ---------------------------------------


def quoted(text: Say | str) -> Say:
    """A sentence of the model, quoted: “…”."""
    return t("“{quote}”", quote=text)


def cell_question(aspect: Aspect, level: Level) -> Say:
    """How to ask for one cell: ``level 3 measurement``."""
    return tc("example question", "level {number} {aspect}", number=level.number,
              aspect=aspect.name.lower())  # fmt: skip


def also_in_the_model() -> Say:
    return t("Also in the model")


def open_one(aspect: Aspect, level: Level) -> Say:
    return t(
        "Type a number to open one, or ask e.g. “{question}”.",
        question=cell_question(aspect, level),
    )


def fits_closest(aspect: Aspect, level: Say) -> Say:
    """``From what you describe, Investment looks closest to Level 2 Operational — …``."""
    return t(
        "From what you describe, {aspect} looks closest to {level}:", aspect=aspect.name,
        level=level,
    )  # fmt: skip


def also_close(level: Say) -> Say:
    return t("Also close: {level}.", level=level)


def fits_best() -> Say:
    return t("From what you describe, these fit best:")


def only_a_hint() -> Say:
    return t(
        "This is a hint from what you wrote, not an assessment. For a real answer, run the "
        "quick pulse with your team (`pulse start`) or the deep assessment (`pulse start deep`)."
    )


def about_lines(attribution: Attribution) -> list[Say]:
    """Who wrote the model, its version and licence, how to credit it."""
    lines = [
        labelled(t("Written by"), attribution.authors),
        labelled(t("Version"), attribution.version),
        labelled(
            t("Licence"),
            noted(attribution.license, attribution.license_url)
            if attribution.license_url
            else attribution.license,
        ),
    ]
    if attribution.credit:
        lines.append(labelled(t("How to credit it"), attribution.credit))
    return lines


# Each language named in the reader's language.
LANGUAGE_NAMES = {"en": tc("language name", "English"), "zh": tc("language name", "Chinese")}


def language_name(code: str) -> Say | str:
    """A language as the reader calls it: ``English``, ``英文``."""
    return LANGUAGE_NAMES.get(code, code)


def read_the_original() -> Say:
    return t("Read the original")


def our_own_words() -> Say:
    return t(
        "Our text is our own wording: it paraphrases the model and keeps its names, level "
        "titles and guiding questions. It is not the official text or its official translation."
    )


_SMALL_TALK = {
    "greeting": lambda: t("Hi! I explain the CNCF Platform Engineering Maturity Model."),
    "thanks": lambda: t("You're welcome!"),
    "praise": lambda: t("Glad it helps."),
    "who": lambda: t(
        "I'm maturity-bot: I explain the CNCF Platform Engineering Maturity Model and run pulse "
        "surveys on it."
    ),
    "bot": lambda: t("Yes, I'm a bot: I answer from the maturity model's text."),
    "bye": lambda: t("Bye! Ask me anytime."),
    "how are you": lambda: t("All good, thanks!"),
}


def small_talk(topic: str) -> Say:
    return _SMALL_TALK.get(topic, _SMALL_TALK["greeting"])()


def try_asking(question: Say) -> Say:
    return t("Try: “{question}”", question=question)


def cannot_assess() -> Say:
    return t("I can't assess your team from one message, but I can give you a hint.")


def describe_and_ask(example: Say) -> Say:
    return t(
        "Describe how you work in a sentence or three and ask “where are we?”, e.g. “{example}”",
        example=example,
    )


def real_assessment() -> Say:
    return t(
        "For a real answer, run the quick pulse with your team (`pulse start`, one question "
        "per aspect) or the deep assessment (`pulse start deep`, four per aspect)."
    )


def not_understood() -> Say:
    return t("Sorry, I didn't get that.")


def closest_heading() -> Say:
    return t("The closest I can answer:")


def you_could_ask() -> Say:
    return t("You could ask:")
