"""Platform-neutral replies: what the bot says, before any platform decides how it looks.

Handlers return these; each platform adapter renders them (plain text, Block Kit, Adaptive
Cards) in the reader's language. A reply holds the domain objects it talks about and ``Say``
values (a message and its parameters), never finished sentences and never platform markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.model import Aspect, Attribution, GenericLevel, Level, MaturityModel, Question
from bot.wording import Say

if TYPE_CHECKING:  # only named in annotations: cell questions need not import it
    from bot.passages import Quote


@dataclass(frozen=True)
class LevelAnswer:
    """One aspect at one level, with a pointer to the level above."""

    aspect: Aspect
    level: Level
    generic: GenericLevel
    next_level: Level | None
    attribution: str
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class LevelAcrossAnswer:
    """One level across every aspect ("what is level 3")."""

    generic: GenericLevel
    rows: tuple[tuple[Aspect, Level], ...]
    attribution: str
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class AspectAnswer:
    """All four levels of one aspect."""

    aspect: Aspect
    generics: tuple[GenericLevel, ...]
    attribution: str
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class OverviewAnswer:
    """The whole model at a glance."""

    model: MaturityModel
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class CompareAnswer:
    """What changes between two levels, of one aspect or (aspect None) of every aspect."""

    aspect: Aspect | None
    lower: int
    upper: int
    pairs: tuple[tuple[Aspect, Level, Level], ...]
    generics: tuple[GenericLevel, GenericLevel]
    attribution: str
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class CommandHelp:
    """One line of the command list: how to type it, and what it does."""

    usage: str
    meaning: Say
    admin: bool = False


@dataclass(frozen=True)
class HelpAnswer:
    """What the bot can do; ``commands`` lists pulse commands where the place supports them."""

    examples: tuple[Say, ...]
    commands: tuple[CommandHelp, ...] = ()
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class CellMatch:
    """A cell that answers a question, with the sentences of it that show why."""

    aspect: Aspect
    level: Level
    generic: GenericLevel
    quotes: tuple[Quote, ...] = ()
    score: float = 0.0

    @property
    def key(self) -> tuple[str, int]:
        return (self.aspect.key, self.level.number)


@dataclass(frozen=True)
class SearchAnswer:
    """Where the model says what was asked about: the best cell first, each quoted."""

    matches: tuple[CellMatch, ...]
    attribution: str
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class DiagnosisAnswer:
    """The levels that best fit a described situation: of one aspect (``aspect``), or the
    best level of each aspect the description touches. A hint, not an assessment."""

    aspect: Aspect | None
    fits: tuple[CellMatch, ...]
    attribution: str
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class AboutAnswer:
    """Who wrote the model, its version and licence, how to credit it, where to read it."""

    attribution: Attribution
    topic: str | None = None
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class SmallTalk:
    """A friendly word back ("thanks!", "who are you?") with one thing worth asking."""

    topic: str
    hint: Say
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class AssessmentOffer:
    """Asked to be assessed: how the bot can hint from a description, and the pulses that
    give a real answer."""

    example: Say
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class UnknownAnswer:
    """The bot did not understand; ``suggestion`` is a close model word, if any; ``closest``
    the cells nearest to what was typed, ``examples`` questions it can answer."""

    suggestion: str | None = None
    problem: Say | None = None
    closest: tuple[CellMatch, ...] = ()
    examples: tuple[Say, ...] = ()
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


def openable(reply: object) -> tuple[CellMatch, ...]:
    """The cells a reply offers to open in one click (numbered in the terminal)."""
    if isinstance(reply, SearchAnswer):
        return reply.matches
    if isinstance(reply, DiagnosisAnswer):
        return reply.fits
    if isinstance(reply, UnknownAnswer):
        return reply.closest
    return ()


@dataclass(frozen=True)
class Notice:
    """A short message. ``private`` ones go only to the person they concern; ``lines`` are
    shown one per line (lists such as schedules or a person's own answers)."""

    text: Say
    private: bool = False
    heading: Say | None = None
    lines: tuple[Say, ...] = ()
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


def private(text: Say) -> Notice:
    """A notice only the person who asked sees."""
    return Notice(text, private=True)


@dataclass(frozen=True)
class Refusal:
    """The person may not do this; the text says why and what setting governs it."""

    text: Say


@dataclass(frozen=True)
class Confirm:
    """Asks the person to confirm a destructive action; ``yes`` (or ``phrase``) goes ahead."""

    text: Say
    phrase: str


# --- pulse -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundTitle:
    """A round's title, as data: composed in the reader's language when shown."""

    week: int


@dataclass(frozen=True)
class PulseParent:
    """The post that opens a round; its questions go in its thread."""

    round_id: int
    title: RoundTitle
    template_name: str
    closes_at: datetime
    question_count: int
    timezone: str
    threaded: bool = True  # False where the platform has no threads (a Teams chat)
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class SurveyQuestion:
    """One question of a round, with its options and the number of responses so far."""

    round_id: int
    question: Question
    aspect: Aspect
    position: int
    total: int
    responses: int
    closed: bool = False
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class AnswerRecorded:
    """Private confirmation to the person who answered."""

    question: Question
    level: int | None  # None: "not sure"
    closes_at: datetime
    timezone: str
    comment_saved: bool = False
    changed: bool = False
    typed_in_public: bool = False  # typed in a shared thread, where everyone can read it


@dataclass(frozen=True)
class OwnView:
    """One person's own view of a round's shared question post, for platforms that show each
    reader their own version of it (Teams' user-specific card views): the question as
    everyone sees it, with this person's answer."""

    question: SurveyQuestion
    answered: bool
    level: int | None  # None: "not sure" (or not answered)
    comment: str | None
    closes_at: datetime
    timezone: str
    comment_saved: bool = False  # the comment was saved just now


@dataclass(frozen=True)
class AspectScore:
    """Aggregates for one aspect in one round. ``hidden`` below the anonymity threshold."""

    aspect: Aspect
    responses: int
    scored: int
    hidden: bool
    mean: float | None = None
    median: float | None = None
    distribution: tuple[int, int, int, int] = (0, 0, 0, 0)
    change: float | None = None
    comparable: bool = True
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundSummary:
    """The results of one round: posted when it closes, and the heart of a digest."""

    round_id: int
    title: RoundTitle
    opened_at: datetime
    closed_at: datetime | None
    respondents: int
    members: int | None
    scores: tuple[AspectScore, ...]
    min_responses: int
    weakest: AspectScore | None = None
    weakest_next: Level | None = None
    attribution: str = ""
    lang: str | None = field(default=None, kw_only=True)  # its own language, if any


@dataclass(frozen=True)
class Digest:
    """The digest posted to a channel: the latest round, its trend, and a chart."""

    summary: RoundSummary
    rounds_compared: int
    chart_png: bytes | None = field(default=None, repr=False)
    chart_path: str | None = None
    private: bool = False


@dataclass(frozen=True)
class QuestionCount:
    """How many answered one question of an open round (a count, never who)."""

    aspect: Aspect
    question_id: str
    responses: int


@dataclass(frozen=True)
class PulseStatus:
    round_id: int
    title: RoundTitle
    opened_at: datetime
    closes_at: datetime
    respondents: int
    members: int | None
    timezone: str
    per_question: tuple[QuestionCount, ...]


Reply = (
    LevelAnswer
    | LevelAcrossAnswer
    | AspectAnswer
    | OverviewAnswer
    | CompareAnswer
    | HelpAnswer
    | SearchAnswer
    | DiagnosisAnswer
    | AboutAnswer
    | SmallTalk
    | AssessmentOffer
    | UnknownAnswer
    | Notice
    | Refusal
    | PulseParent
    | SurveyQuestion
    | AnswerRecorded
    | RoundSummary
    | Digest
    | PulseStatus
    | Confirm
)


def language_of(reply: Reply, audience: str | None) -> str | None:
    """The language to render ``reply`` in: its own (an answer speaks the question's language,
    a round's posts the round's), else its audience's."""
    own = getattr(reply, "lang", None)
    if isinstance(reply, Digest):
        own = reply.summary.lang
    return own or audience


def is_private(reply: Reply) -> bool:
    """Replies meant only for the person they answer (confirmations, refusals, own data)."""
    if isinstance(reply, AnswerRecorded | Refusal | Confirm):
        return True
    return bool(getattr(reply, "private", False))
