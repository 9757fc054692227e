"""Adaptive Cards for every reply: what Teams shows. Layout only: sentences come from the
catalog in the language in force. Pulses have their own module (pulse_cards.py); the
building blocks are in kit.py."""

from __future__ import annotations

from functools import singledispatch

from bot import phrases
from bot.passages import Quote
from bot.platforms.teams import pulse_cards
from bot.platforms.teams.kit import (
    Card,
    Element,
    ask,
    bullets,
    card,
    facts,
    heading,
    subtle,
    text,
)
from bot.platforms.text import cell_line, command_meaning, confirm_hint, first_sentence
from bot.platforms.text import render as render_text
from bot.replies import (
    AboutAnswer,
    AnswerRecorded,
    AspectAnswer,
    AssessmentOffer,
    CellMatch,
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
    Refusal,
    Reply,
    RoundSummary,
    SearchAnswer,
    SmallTalk,
    SurveyQuestion,
    UnknownAnswer,
)
from bot.wording import t


def summary_of(reply: Reply) -> str:
    """The one line Teams shows in notifications and the activity feed."""
    first = render_text(reply).strip().splitlines()
    return (first[0] if first else "maturity-bot")[:200]


@singledispatch
def render(reply: object) -> Card:
    raise TypeError(f"no card for {type(reply).__name__}")


@render.register
def _(reply: LevelAnswer) -> Card:
    aspect, level, generic = reply.aspect, reply.level, reply.generic
    body = [
        subtle(
            t(
                "{aspect} · {level}",
                aspect=aspect.name,
                level=phrases.level_label(level.number, generic),
            ),
            spacing="None",
        ),
        heading(level.title),
        text(level.description),
        text(phrases.characteristics(), weight="Bolder"),
        bullets(level.characteristics),
        subtle(phrases.example(level.scenarios[0])),
    ]
    buttons: list[Element] = []
    nxt = reply.next_level
    if nxt is not None:
        body.append(text(phrases.next_level(nxt), weight="Bolder"))
        buttons = [
            ask(t("Next level"), f"level {nxt.number} {aspect.key}"),
            ask(
                t("Compare with next"),
                f"from level {level.number} to level {nxt.number} in {aspect.key}",
            ),
        ]
    else:
        body.append(text(phrases.top_level()))
    body.append(subtle(reply.attribution, size="Small"))
    return card(body, buttons)


@render.register
def _(reply: LevelAcrossAnswer) -> Card:
    generic = reply.generic
    body = [heading(phrases.generic_heading(generic)), text(generic.summary)]
    for aspect, level in reply.rows:
        body.append(
            text(phrases.labelled(aspect.name, level.title), weight="Bolder", spacing="Medium")
        )
        body.append(text(first_sentence(level.description), spacing="None"))
    body.append(subtle(reply.attribution, size="Small"))
    buttons = [ask(aspect.name, f"level {generic.number} {aspect.key}") for aspect, _ in reply.rows]
    if generic.number < 4:
        buttons.append(ask(t("Next level"), f"level {generic.number + 1}"))
    return card(body, buttons[:6])


@render.register
def _(reply: AspectAnswer) -> Card:
    aspect = reply.aspect
    body = [heading(aspect.name), text(aspect.question, weight="Bolder"), text(aspect.intro)]
    for generic, level in zip(reply.generics, aspect.levels, strict=True):
        body.append(
            text(
                f"{level.number}. {generic.name} — {level.title}", weight="Bolder", spacing="Medium"
            )
        )
        body.append(text(first_sentence(level.description), spacing="None"))
    body.append(subtle(reply.attribution, size="Small"))
    buttons = [ask(phrases.choice(n), f"level {n} {aspect.key}") for n in range(1, 5)]
    return card(body, buttons)


@render.register
def _(reply: OverviewAnswer) -> Card:
    model = reply.model
    body = [
        heading(model.attribution.model),
        text(phrases.overview_line(len(model.aspects))),
        facts([(str(phrases.choice(g.number)), g.name) for g in model.levels]),
    ]
    for aspect in model.aspects:
        titles = " → ".join(level.title for level in aspect.levels)
        body.append(text(phrases.labelled(aspect.name, titles), spacing="Small"))
    body.append(subtle(model.attribution.line, size="Small"))
    buttons = [ask(aspect.name, f"tell me about {aspect.key}") for aspect in model.aspects]
    return card(body, buttons[:6])


@render.register
def _(reply: CompareAnswer) -> Card:
    low_generic, high_generic = reply.generics
    body: list[Element] = []
    if reply.aspect is not None:
        ((_, low, high),) = reply.pairs
        body += [
            subtle(
                t(
                    "{aspect} · from level {low} to {high}",
                    aspect=reply.aspect.name,
                    low=low.number,
                    high=high.number,
                )
            ),
            heading(f"{low.title} → {high.title}"),
            text(phrases.at_level(low, low_generic), weight="Bolder"),
            text(low.description, spacing="None"),
            text(phrases.at_level(high, high_generic), weight="Bolder"),
            text(high.description, spacing="None"),
            text(phrases.moves_heading(), weight="Bolder"),
        ]
        for number in range(low.number + 1, high.number + 1):
            step = reply.aspect.level(number)
            if high.number - low.number > 1:
                body.append(text(phrases.to_level(step), spacing="Small"))
            body.append(bullets(step.how_to_get_here))
    else:
        body.append(
            heading(
                t(
                    "Level {lower} {low} → level {upper} {high}",
                    lower=reply.lower,
                    low=low_generic.name,
                    upper=reply.upper,
                    high=high_generic.name,
                )
            )
        )
        for aspect, low, high in reply.pairs:
            body.append(
                text(
                    phrases.labelled(aspect.name, f"{low.title} → {high.title}"),
                    weight="Bolder",
                    spacing="Medium",
                )
            )
            first_move = aspect.level(reply.lower + 1).how_to_get_here[0]
            body.append(subtle(phrases.first_move(first_move)))
    body.append(subtle(reply.attribution, size="Small"))
    return card(body)


@render.register
def _(reply: HelpAnswer) -> Card:
    body = [
        text(phrases.introduction(), weight="Bolder"),
        text(phrases.ask_examples()),
        bullets(reply.examples),
    ]
    if reply.commands:
        body.append(text(phrases.pulse_commands(), weight="Bolder"))
        body.append(facts([(c.usage, str(command_meaning(c))) for c in reply.commands]))
    return card(body)


# --- search, "where are we?", the model itself, small talk ---------------------------------------


def quoted(quote: Quote) -> Element:
    """A quote with the words that matched in bold (Teams reads markdown in a TextBlock)."""
    marked = "".join(f"**{piece}**" if hit else piece for piece, hit in quote.pieces())
    return text(phrases.quoted(marked), spacing="Small", isSubtle=True)


def open_buttons(matches: tuple[CellMatch, ...]) -> list[Element]:
    """One button per cell, numbered as the card numbers them, opening the cell's answer."""
    return [
        ask(
            t("{number}. {title}", number=number, title=match.level.title),
            f"level {match.level.number} {match.aspect.key}",
        )
        for number, match in enumerate(matches, 1)
    ]


def _match(number: int, match: CellMatch, quotes: int = 2) -> list[Element]:
    heading = t("{number}. {cell}", number=number, cell=cell_line(match))
    return [
        text(heading, weight="Bolder", spacing="Medium"),
        *(quoted(quote) for quote in match.quotes[:quotes]),
    ]


@render.register
def _(reply: SearchAnswer) -> Card:
    best, *others = reply.matches
    body = _match(1, best)
    if others:
        body.append(text(phrases.also_in_the_model(), weight="Bolder", spacing="Large"))
    for number, match in enumerate(others, 2):
        body += _match(number, match, 1)
    body.append(subtle(reply.attribution, size="Small"))
    return card(body, open_buttons(reply.matches))


@render.register
def _(reply: DiagnosisAnswer) -> Card:
    body: list[Element] = []
    if reply.aspect is not None:
        best, *others = reply.fits
        level = phrases.level_name(best.generic, best.level)
        body.append(text(phrases.fits_closest(reply.aspect, level), weight="Bolder"))
        body += [quoted(quote) for quote in best.quotes]
        for match in others:
            body.append(text(phrases.also_close(phrases.level_name(match.generic, match.level))))
    else:
        body.append(text(phrases.fits_best(), weight="Bolder"))
        for number, match in enumerate(reply.fits, 1):
            body += _match(number, match)
    body.append(text(phrases.only_a_hint(), spacing="Medium"))
    body.append(subtle(reply.attribution, size="Small"))
    return card(body, open_buttons(reply.fits))


@render.register
def _(reply: AboutAnswer) -> Card:
    attribution = reply.attribution
    body = [heading(attribution.model)]
    body += [text(line, spacing="Small") for line in phrases.about_lines(attribution)]
    links = [
        f"[{phrases.language_name(code)}]({url})" for code, url in attribution.original.items()
    ]
    if links:
        title = phrases.heading_line(phrases.read_the_original())
        body.append(text(f"{title} " + " · ".join(links)))
    body.append(subtle(phrases.our_own_words()))
    return card(body)


@render.register
def _(reply: SmallTalk) -> Card:
    return card([text(phrases.small_talk(reply.topic)), subtle(phrases.try_asking(reply.hint))])


@render.register
def _(reply: AssessmentOffer) -> Card:
    return card(
        [
            text(phrases.cannot_assess(), weight="Bolder"),
            text(phrases.describe_and_ask(reply.example)),
            text(phrases.real_assessment()),
        ]
    )


@render.register
def _(reply: UnknownAnswer) -> Card:
    if not reply.closest:
        return card([text(render_text(reply))])
    heading_line = phrases.sentences(phrases.not_understood(), phrases.closest_heading())
    body = [text(heading_line)]
    body += [
        text(t("{number}. {cell}", number=number, cell=cell_line(match)), spacing="Small")
        for number, match in enumerate(reply.closest, 1)
    ]
    return card(body, open_buttons(reply.closest))


@render.register
def _(reply: Notice) -> Card:
    body = [text(reply.heading, weight="Bolder")] if reply.heading is not None else []
    if str(reply.text):
        body.append(text(reply.text))
    body += [text(f"• {line}", spacing="Small") for line in reply.lines]
    return card(body)


@render.register
def _(reply: Refusal) -> Card:
    return card([text(reply.text, color="Attention")])


@render.register
def _(reply: Confirm) -> Card:
    return card([text(reply.text), text(confirm_hint(reply))])


for kind, layout in (
    (PulseParent, pulse_cards.parent),
    (SurveyQuestion, pulse_cards.question),
    (AnswerRecorded, pulse_cards.answer_recorded),
    (PulseStatus, pulse_cards.status),
    (RoundSummary, pulse_cards.summary),
    (Digest, pulse_cards.digest),
):
    render.register(kind, layout)
