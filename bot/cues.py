"""What kind of remark a message is, beyond naming the model's cells: small talk ("thanks!",
"你是谁"), a question about the model itself (who wrote it, its licence), a request to be
assessed, a search ("which level mentions …", "是第二级还是第三级"), or a described situation
("… where are we?", "我们在哪一级").

English is read from the question's word tokens, Chinese from its folded text; both are a few
set and substring look-ups, so the cell-question fast path stays fast. The word lists double
as the words that ask rather than say what a question is about (``ASKING_WORDS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

GREETING, THANKS, PRAISE, WHO, BOT, BYE, HOW_ARE_YOU = (
    "greeting",
    "thanks",
    "praise",
    "who",
    "bot",
    "bye",
    "how are you",
)
AUTHOR, LICENCE, CREDIT, VERSION, ORIGINAL, WORDING = (
    "author",
    "licence",
    "credit",
    "version",
    "original",
    "wording",
)


def word_list(text: str) -> frozenset[str]:
    """Words written as one string, a space between each (how word lists read best)."""
    return frozenset(text.split())


# Small words that carry no subject in either the model's text or a question.
ENGLISH_STOP = word_list(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each either else ever every few for from further get gets
    got had hadn't has hasn't have haven't having he her here hers herself him himself his how
    i i'm i've if in into is isn't it it's its itself just let let's may me might more most
    much must my myself no nor not of off on once one only or other ought our ours ourselves out
    over own per quite rather really same shall she should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they're this those
    though through to too under until up upon us very via was wasn't we we're we've were weren't
    what what's when where where's whether which while who whom whose why will with within
    without won't would wouldn't yet you you're your yours yourself yourselves"""
)
CHINESE_STOP = word_list(
    """的 了 是 在 和 与 及 或 或者 而 也 都 就 还 又 被 把 让 给 对 向 从 到 由 为 以 于 之 其
    这 那 这个 那个 这些 那些 这样 那样 一个 一些 一种 有 没有 没 不 很 更 最 会 能 可以 可能 要
    需要 我 我们 你 你们 他 他们 她 它 它们 咱们 自己 什么 怎么 怎样 如何 哪 哪个 哪些 哪里 为什么
    吗 呢 吧 啊 呀 嘛 哦 着 过 等 等等 比如 例如 就是 还是 或是 以及 并且 而且 但是 但 不过
    所以 因为 如果 虽然 即使 只 只是 已经 正在 一直 每 每个 各 各个 各种 所有 一下 一点 非常 比较
    可 让 用来"""
)


# Words a question uses to ask, not to say what it is about: never searched for.
ASKING_WORDS = word_list(
    """level levels lvl stage stages tier model models maturity mention mentions mentioned
    mentioning talk talks talking talked say says said saying come comes coming came show shows
    showing describe describes described describing cover covers covered covering fit fits
    belong belongs where which what tell explain thing things look looks like part section
    aspect aspects cell cells place put puts sit sits framework cncf engineering mean means
    discuss discusses discussed refer refers referred happen happens appear appears appearing
    find found include includes included related relate relates please thanks hi hello hey
    stand standing would could kind sort stuff anything something number one two three four
    first second third fourth i ii iii iv l1 l2 l3 l4 lv 1 2 3 4 pemm whole overall currently
    now today guess think seems seem sounds sound bit pretty mostly basically actually"""
)
CHINESE_ASKING = word_list(
    """级 级别 等级 层级 阶段 第一 第二 第三 第四 第几 哪级 哪一级 几级 一级 二级 三级 四级 第一级
    第二级 第三级 第四级 模型 成熟度 成熟 提到 提及 讲到 说到 谈到 讲 说 涉及 属于 对应 出现 哪里
    在哪 在哪儿 怎么说 内容 特征 方面 里面 关于 算是 是不是 处于 处在 水平 大概 现在 目前 情况
    请问 描述 相当于 一块 这块 部分 应该 属于哪 位置 东西 介绍 介绍一下 讲讲 说说 意思 具体 指 啥
    样子 什么样 看看 区别 差别 不同 对比 比较 需要 做 做什么 达到 到达 下一级 概览 总览 整体 帮助
    求助 代表 维度 使用 用法 说明 命令 哪些 包括 结构 总体 机器人 干啥 解释 评估 评价 提升 过渡
    几个 所有 平台 工程 指的是 怎么样 是啥 讲了 了啥 列一下 之后 之前 帮我 能帮 问你 你会 都有
    含义 定义 概念 讲解 说说看 聊聊 了解 一下子 哪几个 意味着 是什么 什么叫 包含 涵盖 五个 四个
    哪些方面 五个方面 四个级别 几个方面 几个级别"""
)


class _Phrases:
    """English phrases (word tuples), looked for in a question's tokens in one pass: each
    token is checked only against the phrases that start with it."""

    def __init__(self, phrases: Iterable[tuple[str, ...]]) -> None:
        self.starting: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            self.starting.setdefault(phrase[0], []).append(phrase)
        self.words = frozenset(
            word for found in self.starting.values() for p in found for word in p
        )

    def found(self, tokens: Sequence[str]) -> bool:
        for i, token in enumerate(tokens):
            for phrase in self.starting.get(token, ()):
                if len(phrase) == 1 or tuple(tokens[i : i + len(phrase)]) == phrase:
                    return True
        return False


class _Topics:
    """Several topics' phrases, looked for in one pass; the topics found, in their order."""

    def __init__(self, phrases: dict[str, tuple[tuple[str, ...], ...]]) -> None:
        self.order = list(phrases)
        self.by_topic = {topic: _Phrases(found) for topic, found in phrases.items()}
        self.starting: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for topic, found in phrases.items():
            for phrase in found:
                self.starting.setdefault(phrase[0], []).append((phrase, topic))

    def found(self, tokens: Sequence[str]) -> list[str]:
        topics: set[str] = set()
        for i, token in enumerate(tokens):
            for phrase, topic in self.starting.get(token, ()):
                if len(phrase) == 1 or tuple(tokens[i : i + len(phrase)]) == phrase:
                    topics.add(topic)
        return [topic for topic in self.order if topic in topics]

    def words(self, topic: str) -> frozenset[str]:
        return self.by_topic[topic].words


def _says(folded: str, phrases: Iterable[str]) -> bool:
    """Whether a Chinese question (folded; empty for English ones) says one of ``phrases``."""
    return bool(folded) and any(phrase in folded for phrase in phrases)


def _has_han(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


# --- English --------------------------------------------------------------------------------

_EN_SMALL_TALK_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    BOT: (
        ("are", "you", "a", "bot"), ("are", "you", "a", "robot"), ("are", "you", "human"),
        ("are", "you", "a", "human"), ("are", "you", "real"), ("are", "you", "an", "ai"),
        ("are", "you", "a", "person"), ("is", "this", "a", "bot"), ("you", "a", "bot"),
        ("are", "you", "chatgpt"), ("are", "you", "an", "llm"),
    ),
    WHO: (
        ("who", "are", "you"), ("what", "are", "you"), ("who", "is", "this"),
        ("what", "is", "your", "name"), ("your", "name"),
        ("introduce", "yourself"), ("who", "r", "u"),
    ),
    HOW_ARE_YOU: (
        ("how", "are", "you"), ("how", "is", "it", "going"), ("how", "s", "it", "going"),
        ("how", "are", "things"), ("what", "s", "up"), ("whats", "up"),
    ),
    THANKS: (
        ("thanks",), ("thank",), ("thx",), ("ty",), ("cheers",), ("appreciated",),
        ("appreciate",), ("tysm",), ("thanx",), ("kudos",),
    ),
    BYE: (("bye",), ("goodbye",), ("cya",), ("see", "you"), ("later",), ("ttyl",), ("laters",)),
    GREETING: (
        ("hi",), ("hello",), ("hey",), ("hiya",), ("howdy",), ("yo",), ("greetings",),
        ("good", "morning"), ("good", "afternoon"), ("good", "evening"), ("good", "day"),
        ("morning",), ("evening",), ("hallo",), ("heya",), ("sup",),
    ),
    PRAISE: (
        ("great",), ("awesome",), ("cool",), ("nice",), ("perfect",), ("helpful",),
        ("helps",), ("helped",), ("ok",), ("okay",), ("got", "it"), ("makes", "sense"),
        ("brilliant",), ("excellent",), ("amazing",), ("good", "job"), ("well", "done"),
        ("love", "it"), ("neat",), ("sweet",), ("useful",), ("interesting",), ("wow",),
    ),
}  # fmt: skip
# Words that may stand around small talk without making it a question.
_EN_FILLER = word_list(
    """a an the that this it its is was so very much really too again all you your there
    for me my i we us our guys folks team bot maturitybot maturity buddy mate friend lol haha
    hah and just oh ah well yes yeah yep sure indeed totally quite super definitely lot lots
    sir madam everyone everybody y all s t re ve ll d m"""
)

_EN_ABOUT_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    AUTHOR: (
        ("who", "wrote"), ("who", "write"), ("who", "writes"), ("who", "made"),
        ("who", "created"), ("who", "authored"), ("who", "published"), ("who", "designed"),
        ("who", "developed"), ("who", "invented"), ("who", "maintains"), ("maintained", "by"),
        ("who", "is", "behind"), ("who", "came", "up"), ("written", "by"), ("made", "by"),
        ("created", "by"), ("authored", "by"), ("published", "by"), ("author",), ("authors",),
        ("authorship",),
    ),
    LICENCE: (
        ("licence",), ("license",), ("licensed",), ("licences",), ("licenses",), ("licensing",),
        ("copyright",), ("copyrighted",), ("creative", "commons"), ("cc", "by"),
        ("allowed", "to", "use"), ("can", "i", "reuse"), ("can", "we", "reuse"),
    ),
    CREDIT: (
        ("credit",), ("cite",), ("citing",), ("citation",), ("attribute",), ("attribution",),
        ("reference", "it"), ("reference", "the", "model"),
    ),
    VERSION: (
        ("which", "version"), ("what", "version"), ("version", "of", "the", "model"),
        ("model", "version"), ("latest", "version"), ("version", "is", "this"),
        ("when", "was", "it"), ("when", "was", "the", "model"), ("when", "was", "this"),
        ("how", "old"), ("release", "date"), ("published", "when"), ("version", "number"),
    ),
    ORIGINAL: (
        ("original",), ("whitepaper",), ("white", "paper"), ("pdf",), ("full", "text"),
        ("source", "text"), ("link", "to", "the", "model"), ("read", "more"),
        ("official", "text"), ("official", "version"), ("official",), ("translation",),
        ("chinese", "version"), ("english", "version"), ("where", "does", "this", "come", "from"),
        ("where", "is", "this", "from"), ("where", "does", "it", "come", "from"),
    ),
    WORDING: (
        ("verbatim",), ("paraphrased",), ("paraphrase",), ("own", "words"), ("own", "wording"),
        ("word", "for", "word"), ("copied",),
    ),
}  # fmt: skip

_EN_ASSESS_PHRASES = (
    ("assess",), ("assessment",), ("assessments",), ("self", "assessment"), ("evaluate", "us"),
    ("evaluate", "our"), ("score", "us"), ("rate", "us"), ("rate", "our"), ("quiz",),
    ("questionnaire",), ("test", "us"), ("check", "our", "maturity"), ("audit", "us"),
    ("measure", "our", "maturity"), ("assess", "us"), ("benchmark", "us"),
)  # fmt: skip

# "which level mentions …" asks where the model says something; "which level is …" asks
# where something belongs.
_EN_MENTION_PHRASES = (
    ("mention",), ("mentions",), ("mentioned",), ("mentioning",), ("talk", "about"),
    ("talks", "about"), ("talking", "about"), ("say", "about"), ("says", "about"),
    ("come", "up"), ("comes", "up"), ("show", "up"), ("shows", "up"), ("covers",), ("covered",),
    ("anything", "about"), ("what", "about"), ("how", "about"), ("refer", "to"),
    ("refers", "to"), ("described",), ("discussed",), ("discuss",), ("does", "the", "model", "say"),
    ("where", "in", "the", "model"),
)  # fmt: skip
_EN_WHICH_PHRASES = (
    ("which", "level"), ("what", "level"), ("which", "levels"), ("what", "levels"),
    ("which", "stage"), ("what", "stage"), ("which", "aspect"), ("what", "aspect"),
    ("which", "cell"), ("which", "part"), ("where", "does"), ("where", "do"), ("where", "is"),
    ("where", "are"), ("belong",), ("belongs",), ("fit", "in"), ("fits",), ("is", "that", "level"),
    ("is", "this", "level"), ("level", "is", "that"), ("level", "is", "this"),
)  # fmt: skip

_EN_WHERE_ARE_WE_PHRASES = (
    ("where", "are", "we"), ("where", "do", "we", "stand"), ("where", "would", "we", "be"),
    ("where", "does", "that", "put", "us"), ("where", "does", "this", "put", "us"),
    ("where", "would", "that", "put", "us"), ("where", "that", "puts", "us"),
    ("what", "level", "are", "we"), ("which", "level", "are", "we"),
    ("how", "mature", "are", "we"), ("how", "mature", "is", "our"), ("are", "we", "level"),
    ("are", "we", "at", "level"), ("are", "we", "on", "level"), ("where", "we", "stand"),
    ("where", "we", "are"), ("sounds", "like", "us"), ("place", "us"), ("our", "level"),
    ("which", "level", "we", "are"), ("where", "am", "i"), ("where", "is", "my", "team"),
    ("where", "is", "our", "team"), ("what", "stage", "are", "we"), ("which", "stage", "are", "we"),
    ("what", "level", "would", "we"), ("which", "level", "would", "we"), ("are", "we", "at"),
)  # fmt: skip
_EN_SMALL_TALK = _Topics(_EN_SMALL_TALK_PHRASES)
_EN_ABOUT = _Topics(_EN_ABOUT_PHRASES)
_EN_ASSESS = _Phrases(_EN_ASSESS_PHRASES)
_EN_MENTION = _Phrases(_EN_MENTION_PHRASES)
_EN_WHICH = _Phrases(_EN_WHICH_PHRASES)
_EN_WHERE_ARE_WE = _Phrases(_EN_WHERE_ARE_WE_PHRASES)
_EN_FIRST_PERSON = word_list("we our ours us we're we've we'd i'm i've my mine")

# --- Chinese ----------------------------------------------------------------------------------

_ZH_SMALL_TALK: dict[str, frozenset[str]] = {
    BOT: word_list(
        "你是机器人吗 是机器人吗 你是人吗 你是真人吗 你是ai吗 是真人吗 你是机器人 机器人吗"
    ),
    WHO: word_list("你是谁 你叫什么 你是什么 介绍一下你自己 介绍下你自己 你哪位"),
    HOW_ARE_YOU: word_list("你好吗 最近好吗 怎么样啊"),
    THANKS: word_list("谢谢 多谢 感谢 谢了 辛苦了 辛苦 谢啦 感恩"),
    BYE: word_list("再见 拜拜 回头见 下次见 先这样"),
    GREETING: word_list("你好 您好 嗨 哈喽 哈啰 早上好 早安 下午好 晚上好 在吗 大家好 早"),
    PRAISE: word_list(
        """好的 收到 明白了 懂了 知道了 不错 很有帮助 有帮助 太棒了 厉害 赞 好用 很好 挺好 棒 有用
        了解了 好吧 ok okay 好"""
    ),
}


@cache
def _zh_talking() -> re.Pattern[str]:
    """All the Chinese small-talk phrases, longest first, matched left to right: "太感谢了" is
    太 + 感谢 + 了, not 太感 + 谢了. Compiled on the first Chinese message."""
    phrases = {phrase for found in _ZH_SMALL_TALK.values() for phrase in found}
    ordered = sorted(phrases, key=lambda phrase: (-len(phrase), phrase))
    return re.compile("|".join(re.escape(phrase) for phrase in ordered))


_ZH_FILLER = re.compile(
    r"[\s\W_]|[啊呀呢吧哈嗯哦噢了的你您很非常真挺太这那个对我们就是也都还超级一下下下呗哇耶嘛]"
)
_ZH_ABOUT: dict[str, frozenset[str]] = {
    AUTHOR: word_list("谁写的 谁写 作者 谁编写 谁制定 谁提出 谁发布 谁做的 谁搞的 出自谁 谁维护"),
    LICENCE: word_list("许可 许可证 许可协议 授权 版权 开源协议 可以商用 能不能用在"),
    CREDIT: word_list("引用 署名 注明出处 怎么标注 标注来源 致谢"),
    VERSION: word_list(
        """哪个版本 什么版本 版本号 最新版 模型的版本 模型版本 第几版 哪一版 什么时候发布 发布时间
        发布日期 哪年发布 什么时候出的"""
    ),
    ORIGINAL: word_list(
        "原文 原版 英文版 中文版 官方 白皮书 出处 出自哪里 在哪里看 链接 翻译 译文 pdf"
    ),
    WORDING: word_list("照搬 自己的话 逐字 转述 复制的"),
}
_ZH_ASSESS = word_list(
    """自评 自我评估 评估一下我们 帮我们评估 给我们评估 帮我评估 测评 评测一下 打个分 打分 测一测
    测一下我们 诊断一下"""
)
# What a request to be assessed may say besides asking for it.
ASSESS_FILLER = word_list(
    """give me us quick quickly short brief self do run can could you please our team platform
    maturity full deep start small little an a the of for with let s have make want need get"""
)
_ZH_MENTION = word_list(
    "提到 提及 讲到 说到 谈到 涉及 有没有提 有没有讲 有没有说 怎么说 哪里讲 在模型里 模型里"
)
_ZH_WHICH = word_list(
    """哪一级 哪个级别 哪个等级 哪一个级别 哪个层级 第几级 属于哪 对应哪 对应的是哪 在哪里 在哪个
    算第几 算哪 还是第 哪一块 哪个方面 哪部分 什么级别 几级"""
)
_ZH_WHERE_ARE_WE = word_list(
    """我们在哪 我们处于 我们处在 我们是哪 我们算 我们属于 我们大概 我们现在在 我们在第 我们是第
    我们应该在 我们目前 我们的水平 我们这种 我们这样 我们该算 我们能算 我们到了"""
)
_ZH_FIRST_PERSON = word_list("我们 我司 咱们 我们团队 我们公司 我这边 我们这边 我方")


def _topics(
    tokens: Sequence[str], folded: str, english: _Topics, chinese: dict[str, frozenset[str]]
) -> list[str]:
    found = english.found(tokens)
    if folded and _has_han(folded):
        found += [
            topic
            for topic, phrases in chinese.items()
            if topic not in found and any(p in folded for p in phrases)
        ]
    return found


def small_talk(tokens: Sequence[str], folded: str) -> str | None:
    """The kind of small talk a message is, when it is nothing else: "thanks, that helps 🙏",
    "hi there", "你是谁". A greeting before a question is not small talk."""
    topics = _topics(tokens, folded, _EN_SMALL_TALK, _ZH_SMALL_TALK)
    if not topics:
        return None
    said = {word for topic in topics for word in _EN_SMALL_TALK.words(topic)}
    if any(token not in said and token not in _EN_FILLER for token in tokens):
        return None
    if folded and _ZH_FILLER.sub("", re.sub(r"[a-z0-9']+", "", _zh_talking().sub("", folded))):
        return None
    return topics[0]


def about(tokens: Sequence[str], folded: str) -> str | None:
    """What a question about the model itself asks: its author, licence, credit line,
    version, original text, or whether our text is the original's."""
    topics = _topics(tokens, folded, _EN_ABOUT, _ZH_ABOUT)
    return topics[0] if topics else None


def wants_assessment(tokens: Sequence[str], folded: str) -> bool:
    """ "give me a quick self assessment", "帮我们做个自评"."""
    return _EN_ASSESS.found(tokens) or _says(folded, _ZH_ASSESS)


def asks_where(tokens: Sequence[str], folded: str) -> bool:
    """ "which level mentions …", "where does … come up", "是第二级还是第三级"."""
    return (
        mentions(tokens, folded)
        or _EN_WHICH.found(tokens)
        or _which_level(tokens)
        or _says(folded, _ZH_WHICH)
    )


def _which_level(tokens: Sequence[str]) -> bool:
    """ "which interfaces level", "what measurement level": a level asked for a few words on."""
    return any(
        token in {"which", "what"} and _LEVEL_WORDS & set(tokens[i + 1 : i + 4])
        for i, token in enumerate(tokens)
    )


_LEVEL_WORDS = frozenset({"level", "levels", "stage", "stages"})


def mentions(tokens: Sequence[str], folded: str) -> bool:
    """ "which level mentions …", "where is … described", "模型里怎么说": about the text."""
    return _EN_MENTION.found(tokens) or _says(folded, _ZH_MENTION)


def asks_where_we_are(tokens: Sequence[str], folded: str) -> bool:
    """ "where are we", "how mature is our …", "我们在哪一级"."""
    return _EN_WHERE_ARE_WE.found(tokens) or _says(folded, _ZH_WHERE_ARE_WE)


def speaks_for_a_team(tokens: Sequence[str], folded: str) -> bool:
    """The question talks about "we" / "our" / "我们": it may describe a situation."""
    return any(token in _EN_FIRST_PERSON for token in tokens) or _says(folded, _ZH_FIRST_PERSON)
