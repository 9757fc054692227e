"""The search index of one language's content, built once per content version.

bm25s computes the BM25 weight of every term in every passage (its eager index: a sparse
passage × term matrix). We keep that matrix as plain posting lists, with the passages and the
practitioner vocabulary compiled for the language, and pickle it beside the validated content:
a question needs only a dictionary look-up per term, so neither bm25s nor numpy is imported
after the first run, and ``ask`` pays a few milliseconds to read the index back.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot import analysis
from bot.model import Content, ContentError, MaturityModel, default_content_dir, normalise_name
from bot.passages import TITLE, Passage, passages
from bot.vocabulary import Vocabulary, load_vocabulary, vocabulary_path

# Lucene's BM25 with its usual constants; the passages are single sentences, so length
# normalisation matters little either way.
K1, B = 1.2, 0.75
# A term found in more than this share of the cells says nothing about which cell is meant
# ("team", "platform", "capability"): it may add to a score but never make a match alone.
WEAK_SHARE = 0.3
# A word said under a negation ("needs no ticket", "不用提工单") counts for this much of its
# weight: the sentence is about it, but says the opposite of a question that uses it.
NEGATED = 0.25
_VERSION = 4  # of the pickled layout and what it holds


@dataclass(frozen=True)
class Gloss:
    """A vocabulary term compiled for one language: the model's words it stands for (as search
    terms) and the cells it points to, most fitting first."""

    expansion: tuple[str, ...]
    cells: tuple[tuple[str, int], ...]


@dataclass
class Index:
    """One language's content, ready to search: its passages (sentences of cells), each
    term's postings (passage number, BM25 weight), and the practitioner vocabulary compiled
    for the language. Pickled as it is; nothing in it needs bm25s to be read."""

    lang: str
    passages: tuple[Passage, ...]
    postings: dict[str, tuple[tuple[int, float], ...]]
    cells: dict[tuple[str, int], tuple[int, ...]]  # a cell's passages, in content order
    weak: frozenset[str]
    glosses: tuple[Gloss, ...] = ()
    # What people say, compiled: English phrases by their first term (longest first), Chinese
    # phrases as folded text (longest first).
    latin: dict[str, tuple[tuple[tuple[str, ...], int], ...]] = field(default_factory=dict)
    han: tuple[tuple[str, int], ...] = ()
    taught: tuple[str, ...] = ()  # Chinese words the segmenter must know, as at build time
    surface: dict[str, str] = field(default_factory=dict)  # Latin words as written → terms
    # Each passage's terms with their spans, to mark what matched without cutting it again.
    spans: tuple[tuple[tuple[str, int, int], ...], ...] = ()
    cell_keys: tuple[tuple[str, int], ...] = ()  # the cells, numbered
    owner: tuple[int, ...] = ()  # the number of each passage's cell


def build(model: MaturityModel, lang: str, vocabulary: Vocabulary | None = None) -> Index:
    """Index ``model`` (the content of ``lang``) with bm25s; ``vocabulary`` adds the
    practitioner words."""
    import bm25s  # heavy (numpy): only here, once per content version

    # bm25s sets its logger to DEBUG on import; its progress notes are not ours to print.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    taught = _chinese_words(model, vocabulary) if lang == "zh" else ()
    analysis.teach(taught)
    found = tuple(passages(model))
    read = [list(analysis.readings(passage.text, lang)) for passage in found]
    corpus = [[term for term, *_ in terms] or [""] for terms in read]
    negated = [_negated(terms) for terms in read]
    retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
    retriever.index(corpus, show_progress=False)
    data, indices, indptr = (retriever.scores[key] for key in ("data", "indices", "indptr"))
    postings: dict[str, tuple[tuple[int, float], ...]] = {}
    for term, column in retriever.vocab_dict.items():
        if not term or column + 1 >= len(indptr):
            continue  # bm25s's empty token, which scores nothing
        start, end = int(indptr[column]), int(indptr[column + 1])
        if end > start:
            weights = zip(indices[start:end].tolist(), data[start:end].tolist(), strict=True)
            postings[term] = tuple(
                (int(doc), float(weight) * (NEGATED if term in negated[doc] else 1.0))
                for doc, weight in weights
            )
    cells: dict[tuple[str, int], list[int]] = {}
    for number, passage in enumerate(found):
        cells.setdefault(passage.cell, []).append(number)
    index = Index(
        lang=lang,
        passages=found,
        postings=postings,
        cells={cell: tuple(ids) for cell, ids in cells.items()},
        weak=_weak_terms(postings, found, len(cells)),
        taught=taught,
        surface=_surface(found, postings),
        spans=tuple(tuple((term, a, b) for term, a, b, _ in terms) for terms in read),
        cell_keys=tuple(cells),
        owner=tuple(list(cells).index(passage.cell) for passage in found),
    )
    if vocabulary is not None:
        _compile(index, vocabulary)
    return index


def _surface(
    found: tuple[Passage, ...], postings: dict[str, tuple[tuple[int, float], ...]]
) -> dict[str, str]:
    """Every Latin word of the content as written, with its term: what a misspelt word of a
    question is compared with when nothing else matched."""
    words: dict[str, str] = {}
    for passage in found:
        for word, _, _ in analysis.english_words(analysis.fold(passage.text)):
            term = analysis.stem(word) if len(word) > 2 else word
            if len(word) >= 4 and term in postings:
                words.setdefault(word, term)
    return words


def _negated(terms: list[tuple[str, int, int, bool]]) -> set[str]:
    """The terms a passage only ever says under a negation."""
    said = {term for term, _, _, negated in terms if not negated}
    return {term for term, _, _, negated in terms if negated and term not in said}


def _weak_terms(
    postings: dict[str, tuple[tuple[int, float], ...]], found: tuple[Passage, ...], cells: int
) -> frozenset[str]:
    weak = set()
    for term, hits in postings.items():
        spread = {found[doc].cell for doc, _ in hits if found[doc].part != TITLE}
        if len(spread) > WEAK_SHARE * cells:
            weak.add(term)
    return frozenset(weak)


def _chinese_words(model: MaturityModel, vocabulary: Vocabulary | None) -> tuple[str, ...]:
    """The model's Chinese names and the vocabulary's Chinese phrases: kept whole when cut."""
    words = {
        name
        for aspect in model.aspects
        for name in (
            aspect.name,
            *aspect.synonyms,
            *(text for level in aspect.levels for text in (level.title, *level.aliases)),
        )
    }
    words |= {name for level in model.levels for name in (level.name, *level.aliases)}
    if vocabulary is not None:
        for term in vocabulary.terms:
            words |= set(term.say) | set(term.means.get("zh", ()))
    chinese = {normalise_name(word) for word in words if analysis.has_han(word)}
    return tuple(sorted(word for word in chinese if " " not in word))


def _compile(index: Index, vocabulary: Vocabulary) -> None:
    glosses: list[Gloss] = []
    latin: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    han: list[tuple[str, int]] = []
    for number, term in enumerate(vocabulary.terms):
        expansion: list[str] = []
        for phrase in term.means.get(index.lang, ()):
            meant = analysis.terms(phrase, index.lang)
            expansion += [word for word in meant if word not in expansion]
        glosses.append(Gloss(tuple(expansion), tuple(term.cell_keys)))
        for phrase in term.say:
            if analysis.has_han(phrase):
                han.append((analysis.fold(phrase), number))
            else:
                words = tuple(analysis.terms(phrase, "en", analysis.PHRASE_STOP))
                if words:
                    latin.setdefault(words[0], []).append((words, number))
    index.glosses = tuple(glosses)
    index.latin = {
        first: tuple(sorted(found, key=lambda item: -len(item[0])))
        for first, found in latin.items()
    }
    index.han = tuple(sorted(han, key=lambda item: -len(item[0])))


# --- cached beside the validated content ---------------------------------------------------------

_SOURCES = ("analysis.py", "chinese.py", "passages.py", "index.py", "vocabulary.py", "model.py")
_LIBRARIES = ("bm25s", "rjieba", "Stemmer")


def fingerprint(contents: Iterable[bytes]) -> str:
    """Changes with the content files, with this code, and with the libraries that cut and
    weigh the words."""
    digest = hashlib.sha256(str(_VERSION).encode())
    for content in contents:
        digest.update(hashlib.sha256(content).digest())
    here = Path(__file__).parent
    for name in _SOURCES:
        digest.update((here / name).read_bytes())
    digest.update(repr(_library_versions()).encode())
    return digest.hexdigest()[:32]


def _library_versions() -> list[str]:
    """Where each library is installed, with its version in the dist-info names beside it,
    found without importing it."""
    found = []
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin) if spec and spec.origin else None
        if origin is None:
            found.append(f"{name}:missing")
            continue
        home = origin.parent.parent if origin.name == "__init__.py" else origin.parent
        infos = sorted(p.name for p in home.glob(f"{name.lower()}*.dist-info"))
        infos += sorted(p.name for p in home.glob(f"Py{name}*.dist-info"))
        found.append(f"{name}:{infos}")
    return found


def cached(path: Path) -> Index | None:
    try:
        found = pickle.loads(path.read_bytes())  # our own cache, written by keep()
    except Exception:
        return None
    return found if isinstance(found, Index) else None


def keep(path: Path, index: Index) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
    except OSError:
        pass  # a read-only home: the next run builds it again, nothing else changes


def load(
    model: MaturityModel,
    lang: str,
    vocabulary: Callable[[], Vocabulary | None],
    cache_dir: Path | None,
    key: str | None,
) -> Index:
    """The index from the cache when this content version was indexed before, else built now
    (and kept for next time). ``vocabulary`` is read only to build: a cached index holds it."""
    path = cache_dir / f"search-{lang}-{key}.pickle" if cache_dir and key else None
    found = cached(path) if path else None
    if found is not None:
        analysis.teach(found.taught)
        return found
    index = build(model, lang, vocabulary())
    if path is not None:
        keep(path, index)
    return index


def for_content(content: Content, lang: str) -> Index:
    """The index of ``content`` in ``lang``, with the vocabulary that sits beside its model
    file (the shipped one for content given in memory), cached by the content's files."""
    model = content.model(lang)
    source = content.model_file(lang)
    shipped = vocabulary_path(default_content_dir() / "model.yaml")
    words = vocabulary_path(content.source_file) if content.source_file else shipped

    def vocabulary() -> Vocabulary | None:
        return load_vocabulary(words, content.model()) if words.is_file() else None

    key = None
    if source is not None and content.cache_dir is not None:
        try:
            parts = [source.read_bytes(), words.read_bytes() if words.is_file() else b""]
        except OSError:
            parts = None
        key = fingerprint(parts) if parts else None
    return load(model, lang, vocabulary, content.cache_dir, key)


_BUILT: dict[tuple[int, str], tuple[MaturityModel, Index]] = {}


def for_model(model: MaturityModel, lang: str) -> Index:
    """An index of a model on its own, with the shipped vocabulary when it fits, built once
    per model object (tests and tools that hold a model but no content)."""
    found = _BUILT.get((id(model), lang))
    if found is None or found[0] is not model:
        path = vocabulary_path(default_content_dir() / "model.yaml")
        try:
            vocabulary = load_vocabulary(path, model)
        except ContentError:
            vocabulary = None  # another model's aspects: search its own words only
        found = _BUILT[(id(model), lang)] = (model, build(model, lang, vocabulary))
    return found[1]
