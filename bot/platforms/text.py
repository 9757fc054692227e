"""Plain-text rendering of replies: the terminal chat, ``maturitybot ask``, and the fallback
text that Slack and Teams show in notifications."""

from __future__ import annotations

import re
from functools import singledispatch

from bot.model import Aspect, GenericLevel, Level
from bot.replies import (
    AnswerRecorded,
    AspectAnswer,
    AspectScore,
    CompareAnswer,
    Confirm,
    Digest,
    HelpAnswer,
    LevelAcrossAnswer,
    LevelAnswer,
    Notice,
    OverviewAnswer,
    PulseParent,
    PulseStatus,
    Refusal,
    RoundSummary,
    SurveyQuestion,
    UnknownAnswer,
)
from bot.when import short_when, when

BULLET = "•"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def level_heading(aspect: Aspect, level: Level, generic: GenericLevel) -> str:
    return f"{aspect.name} · Level {level.number} {generic.name} — {level.title}"


def level_name(generic: GenericLevel, level: Level) -> str:
    return f"Level {level.number} {generic.name} — {level.title}"


@singledispatch
def render(reply: object) -> str:
    raise TypeError(f"no plain-text rendering for {type(reply).__name__}")


@render.register
def _(reply: LevelAnswer) -> str:
    level = reply.level
    lines = [level_heading(reply.aspect, level, reply.generic), "", level.description, ""]
    lines.append("Characteristics:")
    lines += [f"  {BULLET} {item}" for item in level.characteristics]
    lines += ["", f"Example: {level.scenarios[0]}"]
    if reply.next_level is not None:
        nxt = reply.next_level
        lines += [
            "",
            f"Next: Level {nxt.number} — {nxt.title} "
            f'(ask "how do we get to level {nxt.number} {reply.aspect.key}")',
        ]
    else:
        lines += ["", "This is the top level; the model warns it is not a goal in itself."]
    lines += ["", reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: LevelAcrossAnswer) -> str:
    generic = reply.generic
    lines = [f"Level {generic.number} — {generic.name}", generic.summary, ""]
    for aspect, level in reply.rows:
        lines.append(f"{BULLET} {aspect.name}: {level.title}. {first_sentence(level.description)}")
    lines += [
        "",
        f'Ask about one aspect for the detail, e.g. "level {generic.number} '
        f'{reply.rows[0][0].key}".',
        reply.attribution,
    ]
    return "\n".join(lines)


@render.register
def _(reply: AspectAnswer) -> str:
    aspect = reply.aspect
    lines = [f"{aspect.name} — {aspect.question}", "", aspect.intro, ""]
    for generic, level in zip(reply.generics, aspect.levels, strict=True):
        lines.append(f"{level.number}. {generic.name} — {level.title}")
        lines.append(f"   {first_sentence(level.description)}")
    lines += ["", f'Ask "level 3 {aspect.key}" for one level in detail.', reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: OverviewAnswer) -> str:
    model = reply.model
    lines = [
        f"{model.attribution.model}: {len(model.aspects)} aspects × 4 levels. "
        "Assess each aspect on its own; no level is good or bad in itself.",
        "",
        "Levels: " + ", ".join(f"{g.number} {g.name}" for g in model.levels),
        "",
    ]
    for aspect in model.aspects:
        titles = " → ".join(level.title for level in aspect.levels)
        lines.append(f"{BULLET} {aspect.name}: {titles}")
    lines += ["", 'Ask "what is level 2 adoption" or "tell me about measurement".']
    lines.append(model.attribution.line)
    return "\n".join(lines)


@render.register
def _(reply: CompareAnswer) -> str:
    low_generic, high_generic = reply.generics
    lines: list[str] = []
    if reply.aspect is not None:
        ((_, low, high),) = reply.pairs
        lines += [
            f"{reply.aspect.name}: from Level {low.number} {low_generic.name} — {low.title} "
            f"to Level {high.number} {high_generic.name} — {high.title}",
            "",
            f"At level {low.number}: {low.description}",
            "",
            f"At level {high.number}: {high.description}",
            "",
            "Moves to get there:",
        ]
        steps = [reply.aspect.level(n) for n in range(low.number + 1, high.number + 1)]
        for step in steps:
            if len(steps) > 1:
                lines.append(f"  To level {step.number} ({step.title}):")
            lines += [f"  {BULLET} {move}" for move in step.how_to_get_here]
    else:
        lines += [
            f"From level {reply.lower} {low_generic.name} to level {reply.upper} "
            f"{high_generic.name}, aspect by aspect:",
            "",
        ]
        for aspect, low, high in reply.pairs:
            lines.append(f"{BULLET} {aspect.name}: {low.title} → {high.title}")
            lines.append(f"    First move: {aspect.level(reply.lower + 1).how_to_get_here[0]}")
        lines += ["", f'Name an aspect for the detail, e.g. "from {reply.lower} to '
                  f'{reply.upper} in {reply.pairs[0][0].key}".']  # fmt: skip
    lines += ["", reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: HelpAnswer) -> str:
    lines = [
        "I explain the CNCF Platform Engineering Maturity Model and run pulse surveys on it.",
        "Ask me things like:",
    ]
    lines += [f"  {BULLET} {example}" for example in reply.examples]
    if reply.commands:
        lines += ["", "Pulse commands:"]
        lines += [f"  {command:<44} {meaning}" for command, meaning in reply.commands]
    return "\n".join(lines)


@render.register
def _(reply: UnknownAnswer) -> str:
    if reply.problem:
        return f'{reply.problem} Try "what is level 3 measurement" or "help".'
    if reply.suggestion:
        return (
            f"Sorry, I didn't get that. Did you mean “{reply.suggestion}”? "
            'Try "what is level 3 measurement" or "help".'
        )
    return 'Sorry, I didn\'t get that. Try "what is level 3 measurement", "overview" or "help".'


@render.register
def _(reply: Notice) -> str:
    return f"{reply.heading}\n{reply.text}" if reply.heading else reply.text


@render.register
def _(reply: Refusal) -> str:
    return reply.text


@render.register
def _(reply: Confirm) -> str:
    return f"{reply.text}\nType “{reply.phrase}” to go ahead; anything else cancels."


@render.register
def _(reply: PulseParent) -> str:
    return (
        f"{reply.title}\n{reply.template_name}: {reply.question_count} questions in this thread, "
        f"closes {when(reply.closes_at, reply.timezone)}. Answers are confidential: only "
        "aggregates are ever shown."
    )


@render.register
def _(reply: SurveyQuestion) -> str:
    question = reply.question
    lines = [f"[{reply.position}/{reply.total}] {reply.aspect.name}: {question.text}"]
    lines += [f"  {n}. {option}" for n, option in enumerate(question.options, 1)]
    lines.append("  ?. Not sure")
    state = "closed" if reply.closed else f"answer {question.id} <1-4|not sure>"
    lines.append(f"  ({reply.responses} {_plural(reply.responses, 'response')} · {state})")
    return "\n".join(lines)


@render.register
def _(reply: AnswerRecorded) -> str:
    choice = "Not sure" if reply.level is None else f"Level {reply.level}"
    verb = "Changed to" if reply.changed else "Recorded"
    extra = " with your comment" if reply.comment_saved else ""
    text = (
        f"{verb}: {choice}{extra} for “{reply.question.text}” — you can change it until "
        f"{short_when(reply.closes_at, reply.timezone)}. Only you see this."
    )
    if reply.typed_in_public:
        text += " Your typed message stays visible in the thread; the buttons keep answers private."
    return text


@render.register
def _(reply: PulseStatus) -> str:
    rate = f" of {reply.members}" if reply.members else ""
    lines = [
        f"{reply.title}: open, closes {when(reply.closes_at, reply.timezone)}.",
        f"{reply.respondents}{rate} {_plural(reply.respondents, 'person', 'people')} answered.",
    ]
    lines += [f"  {BULLET} {qid}: {count}" for qid, count in reply.per_question]
    return "\n".join(lines)


def score_line(score: AspectScore, min_responses: int) -> str:
    name = score.aspect.name
    if score.hidden:
        return (
            f"{BULLET} {name}: not enough responses ({score.responses}; results show from "
            f"{min_responses})"
        )
    bars = " ".join(f"L{n}:{count}" for n, count in enumerate(score.distribution, 1))
    change = ""
    if score.change is not None:
        change = f", {score.change:+.2f} since last round"
    elif not score.comparable:
        change = ", not comparable with last round (questions changed)"
    return (
        f"{BULLET} {name}: median {score.median:g}, mean {score.mean:.2f} "
        f"({score.responses} {_plural(score.responses, 'response')}; {bars}{change})"
    )


@render.register
def _(reply: RoundSummary) -> str:
    lines = [reply.title, _participation(reply), ""]
    lines += [score_line(score, reply.min_responses) for score in reply.scores]
    if reply.weakest is not None and reply.weakest_next is not None:
        nxt = reply.weakest_next
        lines += [
            "",
            f"Weakest: {reply.weakest.aspect.name}. Level {nxt.number} ({nxt.title}) asks for:",
        ]
        lines += [f"  {BULLET} {move}" for move in nxt.how_to_get_here]
    comments = [(s.aspect.name, c) for s in reply.scores if not s.hidden for c in s.comments]
    if comments:
        lines += ["", "Comments (unattributed):"]
        lines += [f"  {BULLET} {aspect}: {comment}" for aspect, comment in comments]
    if reply.attribution:
        lines += ["", reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: Digest) -> str:
    text = render(reply.summary)
    if reply.chart_path:
        text += f"\nChart: {reply.chart_path}"
    return text


def _participation(summary: RoundSummary) -> str:
    people = _plural(summary.respondents, "person", "people")
    if summary.members:
        rate = 100 * summary.respondents / summary.members
        return f"Participation: {summary.respondents} of {summary.members} {people} ({rate:.0f}%)."
    return f"Participation: {summary.respondents} {people}."


def _plural(count: int, one: str, many: str | None = None) -> str:
    return one if count == 1 else (many or one + "s")
