"""Plain-text rendering of replies: the terminal chat, ``maturitybot ask``, and the fallback
text that Slack and Teams show in notifications. Layout only: the sentences come from the
catalog (``bot.phrases`` and ``t``), in the language in force."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import singledispatch
from typing import TYPE_CHECKING

from bot import phrases
from bot.model import Aspect, MaturityModel
from bot.replies import (
    AboutAnswer,
    AnswerRecorded,
    AspectAnswer,
    AssessmentOffer,
    CellMatch,
    CommandHelp,
    CompareAnswer,
    Confirm,
    DiagnosisAnswer,
    Digest,
    HelpAnswer,
    LevelAcrossAnswer,
    LevelAnswer,
    Notice,
    OverviewAnswer,
    PulseParent,
    PulseStatus,
    QuestionCount,
    Refusal,
    RoundSummary,
    SearchAnswer,
    SmallTalk,
    SurveyQuestion,
    UnknownAnswer,
)
from bot.wording import Listed, Moment, Say, t

if TYPE_CHECKING:
    from bot.passages import Quote

BULLET = "•"
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def asked_as(aspect: Aspect) -> str:
    """An aspect as people type it in a question: ``measurement``, ``度量``."""
    return aspect.name.lower()


# How matched words are set off inside a quote: nothing in plain text (a quote is shown
# verbatim wherever text is copied or parsed); a terminal sets bold around them.
_EMPHASIS: ContextVar[tuple[str, str]] = ContextVar("maturitybot_emphasis", default=("", ""))


@contextmanager
def emphasis(start: str, end: str) -> Iterator[None]:
    """Render matched words between ``start`` and ``end`` inside the block."""
    token = _EMPHASIS.set((start, end))
    try:
        yield
    finally:
        _EMPHASIS.reset(token)


def marked(quote: Quote) -> str:
    """A quote's sentence with its matched words set off as the output wants them."""
    start, end = _EMPHASIS.get()
    if not start:
        return quote.text
    return "".join(f"{start}{piece}{end}" if hit else piece for piece, hit in quote.pieces())


def cell_line(match: CellMatch) -> Say:
    """``Measurement · Level 4 Optimizing — Quantitative and qualitative``."""
    return phrases.level_heading(match.aspect, match.level, match.generic)


def lines_of(*parts: Say | str) -> str:
    return "\n".join(str(part) for part in parts)


@singledispatch
def render(reply: object) -> str:
    raise TypeError(f"no plain-text rendering for {type(reply).__name__}")


@render.register
def _(reply: LevelAnswer) -> str:
    level = reply.level
    lines = [str(phrases.level_heading(reply.aspect, level, reply.generic)), "", level.description]
    lines += ["", str(phrases.characteristics())]
    lines += [f"  {BULLET} {item}" for item in level.characteristics]
    lines += ["", str(phrases.example(level.scenarios[0]))]
    if reply.next_level is not None:
        nxt = reply.next_level
        hint = t(
            'Next: Level {number} — {title} (ask "how do we get to level {number} {aspect}")',
            number=nxt.number,
            title=nxt.title,
            aspect=asked_as(reply.aspect),
        )
        lines += ["", str(hint)]
    else:
        lines += ["", str(phrases.top_level())]
    lines += ["", reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: LevelAcrossAnswer) -> str:
    generic = reply.generic
    lines = [str(phrases.generic_heading(generic)), generic.summary, ""]
    for aspect, level in reply.rows:
        row = t(
            "{aspect}: {title}. {sentence}",
            aspect=aspect.name,
            title=level.title,
            sentence=first_sentence(level.description),
        )
        lines.append(f"{BULLET} {row}")
    hint = t(
        'Ask about one aspect for the detail, e.g. "level {number} {aspect}".',
        number=generic.number,
        aspect=asked_as(reply.rows[0][0]),
    )
    lines += ["", str(hint), reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: AspectAnswer) -> str:
    aspect = reply.aspect
    lines = [str(t("{aspect} — {question}", aspect=aspect.name, question=aspect.question))]
    lines += ["", aspect.intro, ""]
    for generic, level in zip(reply.generics, aspect.levels, strict=True):
        lines.append(f"{level.number}. {generic.name} — {level.title}")
        lines.append(f"   {first_sentence(level.description)}")
    hint = t('Ask "level 3 {aspect}" for one level in detail.', aspect=asked_as(aspect))
    lines += ["", str(hint), reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: OverviewAnswer) -> str:
    model = reply.model
    lines = [
        str(phrases.labelled(model.attribution.model, phrases.overview_line(len(model.aspects)))),
        "",
        str(t("{heading} {levels}", heading=phrases.levels_heading(), levels=levels(model))),
        "",
    ]
    for aspect in model.aspects:
        titles = " → ".join(level.title for level in aspect.levels)
        lines.append(f"{BULLET} {phrases.labelled(aspect.name, titles)}")
    lines += ["", str(t('Ask "what is level 2 adoption" or "tell me about measurement".'))]
    lines.append(model.attribution.line)
    return "\n".join(lines)


@render.register
def _(reply: CompareAnswer) -> str:
    low_generic, high_generic = reply.generics
    lines: list[str] = []
    if reply.aspect is not None:
        ((_, low, high),) = reply.pairs
        heading = t(
            "{aspect}: from {low} to {high}",
            aspect=reply.aspect.name,
            low=phrases.level_name(low_generic, low),
            high=phrases.level_name(high_generic, high),
        )
        lines += [
            str(heading),
            "",
            str(
                t(
                    "{heading} {text}",
                    heading=phrases.at_level(low, low_generic),
                    text=low.description,
                )
            ),
            "",
            str(
                t(
                    "{heading} {text}",
                    heading=phrases.at_level(high, high_generic),
                    text=high.description,
                )
            ),
            "",
            str(phrases.heading_line(phrases.moves_heading())),
        ]
        steps = [reply.aspect.level(n) for n in range(low.number + 1, high.number + 1)]
        for step in steps:
            if len(steps) > 1:
                lines.append(f"  {phrases.to_level(step)}")
            lines += [f"  {BULLET} {move}" for move in step.how_to_get_here]
    else:
        heading = t(
            "From level {lower} {low} to level {upper} {high}, aspect by aspect:",
            lower=reply.lower,
            low=low_generic.name,
            upper=reply.upper,
            high=high_generic.name,
        )
        lines += [str(heading), ""]
        for aspect, low, high in reply.pairs:
            lines.append(f"{BULLET} {phrases.labelled(aspect.name, f'{low.title} → {high.title}')}")
            move = aspect.level(reply.lower + 1).how_to_get_here[0]
            lines.append(f"    {phrases.first_move(move)}")
        hint = t(
            'Name an aspect for the detail, e.g. "from {lower} to {upper} in {aspect}".',
            lower=reply.lower,
            upper=reply.upper,
            aspect=asked_as(reply.pairs[0][0]),
        )
        lines += ["", str(hint)]
    lines += ["", reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: HelpAnswer) -> str:
    lines = [str(phrases.introduction()), str(phrases.ask_examples())]
    lines += [f"  {BULLET} {example}" for example in reply.examples]
    if reply.commands:
        lines += ["", str(phrases.heading_line(phrases.pulse_commands()))]
        for command in reply.commands:
            meaning = command_meaning(command)
            lines.append(f"  {command.usage:<44} {meaning}")
    return "\n".join(lines)


@render.register
def _(reply: SearchAnswer) -> str:
    best, *others = reply.matches
    lines = [f"1. {cell_line(best)}"]
    lines += [f"   {phrases.quoted(marked(quote))}" for quote in best.quotes]
    if others:
        lines += ["", str(phrases.heading_line(phrases.also_in_the_model()))]
        for number, match in enumerate(others, 2):
            lines.append(f"{number}. {cell_line(match)}")
            lines += [f"   {phrases.quoted(marked(quote))}" for quote in match.quotes[:1]]
    lines += ["", str(phrases.open_one(best.aspect, best.level)), reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: DiagnosisAnswer) -> str:
    lines: list[str] = []
    if reply.aspect is not None:
        best, *others = reply.fits
        lines.append(str(phrases.fits_closest(reply.aspect, _level_of(best))))
        lines += [f"   {phrases.quoted(marked(quote))}" for quote in best.quotes]
        lines += [str(phrases.also_close(_level_of(match))) for match in others]
    else:
        lines.append(str(phrases.fits_best()))
        for number, match in enumerate(reply.fits, 1):
            lines.append(f"{number}. {cell_line(match)}")
            lines += [f"   {phrases.quoted(marked(quote))}" for quote in match.quotes]
    lines += ["", str(phrases.only_a_hint())]
    first = reply.fits[0]
    if len(reply.fits) > 1 or reply.aspect is not None:
        numbered = [f"{n}. {cell_line(match)}" for n, match in enumerate(reply.fits, 1)]
        if reply.aspect is not None:
            lines += ["", *numbered]
        lines.append(str(phrases.open_one(first.aspect, first.level)))
    lines.append(reply.attribution)
    return "\n".join(lines)


def _level_of(match: CellMatch) -> Say:
    return phrases.level_name(match.generic, match.level)


@render.register
def _(reply: AboutAnswer) -> str:
    attribution = reply.attribution
    lines = [attribution.model, ""]
    lines += [str(line) for line in phrases.about_lines(attribution)]
    originals = original_pages(reply)
    if originals:
        lines.append(str(phrases.heading_line(phrases.read_the_original())))
        lines += [f"  {BULLET} {page}" for page in originals]
    lines += ["", str(phrases.our_own_words())]
    return "\n".join(lines)


def original_pages(reply: AboutAnswer) -> list[Say]:
    """``English: https://…`` for each language the original can be read in."""
    return [
        phrases.labelled(phrases.language_name(code), url)
        for code, url in reply.attribution.original.items()
    ]


@render.register
def _(reply: SmallTalk) -> str:
    return lines_of(phrases.small_talk(reply.topic), phrases.try_asking(reply.hint))


@render.register
def _(reply: AssessmentOffer) -> str:
    return lines_of(
        phrases.cannot_assess(), phrases.describe_and_ask(reply.example), phrases.real_assessment()
    )


@render.register
def _(reply: UnknownAnswer) -> str:
    if reply.closest:
        lines = [str(phrases.sentences(phrases.not_understood(), phrases.closest_heading()))]
        lines += [f"{n}. {cell_line(match)}" for n, match in enumerate(reply.closest, 1)]
        first = reply.closest[0]
        lines.append(str(phrases.open_one(first.aspect, first.level)))
        return "\n".join(lines)
    if reply.examples and reply.problem is None and not reply.suggestion:
        lines = [str(phrases.sentences(phrases.not_understood(), phrases.you_could_ask()))]
        lines += [f"  {BULLET} {example}" for example in reply.examples]
        return "\n".join(lines)
    if reply.problem is not None:
        return str(
            t('{problem} Try "what is level 3 measurement" or "help".', problem=reply.problem)
        )
    if reply.suggestion:
        return str(
            t(
                "Sorry, I didn't get that. Did you mean “{suggestion}”? "
                'Try "what is level 3 measurement" or "help".',
                suggestion=reply.suggestion,
            )
        )
    return str(
        t('Sorry, I didn\'t get that. Try "what is level 3 measurement", "overview" or "help".')
    )


@render.register
def _(reply: Notice) -> str:
    lines = [str(reply.heading)] if reply.heading is not None else []
    lines.append(str(reply.text))
    lines += [f"{BULLET} {line}" for line in reply.lines]
    return "\n".join(line for line in lines if line)


@render.register
def _(reply: Refusal) -> str:
    return str(reply.text)


@render.register
def _(reply: Confirm) -> str:
    return lines_of(reply.text, confirm_hint(reply))


def confirm_hint(reply: Confirm) -> Say:
    return t("Type “yes” to go ahead; anything else cancels.")


@render.register
def _(reply: PulseParent) -> str:
    detail = phrases.round_questions(reply)
    return lines_of(
        phrases.round_title(reply.title), phrases.sentences(detail, phrases.confidential())
    )


@render.register
def _(reply: SurveyQuestion) -> str:
    question = reply.question
    heading = t(
        "[{position}/{total}] {aspect}: {question}",
        position=reply.position,
        total=reply.total,
        aspect=reply.aspect.name,
        question=question.text,
    )
    lines = [str(heading)]
    lines += [f"  {n}. {option}" for n, option in enumerate(question.options, 1)]
    lines.append(f"  ?. {phrases.not_sure()}")
    if reply.closed:
        state = t("closed")
    else:
        state = t("answer {question} 1-4 or “not sure”", question=question.id)
    lines.append(f"  ({phrases.responses(reply.responses)} · {state})")
    return "\n".join(lines)


@render.register
def _(reply: AnswerRecorded) -> str:
    return str(answer_recorded(reply))


def answer_recorded(reply: AnswerRecorded) -> Say:
    """The clicker's private confirmation, in one sentence (two when typed in public)."""
    params = {
        "choice": phrases.choice(reply.level),
        "question": reply.question.text,
        "moment": Moment(reply.closes_at, reply.timezone, style="short"),
    }
    if reply.changed and reply.comment_saved:
        text = t(
            "Changed to: {choice} with your comment for “{question}” — you can change it until "
            "{moment}. Only you see this.",
            **params,
        )
    elif reply.changed:
        text = t(
            "Changed to: {choice} for “{question}” — you can change it until {moment}. Only "
            "you see this.",
            **params,
        )
    elif reply.comment_saved:
        text = t(
            "Recorded: {choice} with your comment for “{question}” — you can change it until "
            "{moment}. Only you see this.",
            **params,
        )
    else:
        text = t(
            "Recorded: {choice} for “{question}” — you can change it until {moment}. Only you "
            "see this.",
            **params,
        )
    if reply.typed_in_public:
        note = t(
            "Your typed message stays visible in the thread; the buttons keep answers private."
        )
        return t("{text} {note}", text=text, note=note)
    return text


@render.register
def _(reply: PulseStatus) -> str:
    lines = [
        str(
            t(
                "{title}: open, closes {moment}.",
                title=phrases.round_title(reply.title),
                moment=Moment(reply.closes_at, reply.timezone, zone_shown=True),
            )
        ),
        str(phrases.people_answered(reply.respondents, reply.members)),
    ]
    lines += [f"  {BULLET} {question_count(count)}" for count in reply.per_question]
    return "\n".join(lines)


def question_count(count: QuestionCount) -> Say:
    """``Adoption: 3``, or ``Adoption (adoption-discovery): 3`` where an aspect asks several."""
    if count.question_id == count.aspect.key:
        return phrases.labelled(count.aspect.name, str(count.responses))
    label = phrases.noted(count.aspect.name, count.question_id)
    return phrases.labelled(label, str(count.responses))


def command_meaning(command: CommandHelp) -> Say:
    """What a command does, noting when only admins may run it."""
    if command.admin:
        return phrases.noted(command.meaning, phrases.admins_only())
    return command.meaning


def levels(model: MaturityModel) -> Listed:
    """``1 Provisional, 2 Operational, …``."""
    return Listed(tuple(f"{g.number} {g.name}" for g in model.levels))


@render.register
def _(reply: RoundSummary) -> str:
    lines = [str(phrases.results_title(reply.title)), str(phrases.participation(reply)), ""]
    lines += [f"{BULLET} {phrases.score_line(s, reply.min_responses)}" for s in reply.scores]
    weakest = phrases.weakest(reply)
    if weakest is not None and reply.weakest_next is not None:
        lines += ["", str(weakest)]
        lines += [f"  {BULLET} {move}" for move in reply.weakest_next.how_to_get_here]
    comments = [
        phrases.aspect_comment(s.aspect, c)
        for s in reply.scores
        if not s.hidden
        for c in s.comments
    ]
    if comments:
        lines += ["", str(phrases.heading_line(phrases.comments_heading()))]
        lines += [f"  {BULLET} {comment}" for comment in comments]
    if reply.attribution:
        lines += ["", reply.attribution]
    return "\n".join(lines)


@render.register
def _(reply: Digest) -> str:
    text = render(reply.summary)
    if reply.chart_path:
        text += "\n" + str(t("Chart: {path}", path=reply.chart_path))
    return text
