"""Learn the generator's material from real documents: sentences, formulae, Markov models.

The real documents are the seeds and, when present, the shared corpus
``../shared/corpora/univ-news-2019`` (4,730 posts of 13 universities; read,
never copied into the repository), as :func:`analysis.load_corpus` reads them.
They are grouped by institution (by file for a seed without one), and each
group gives a :class:`Group`: its real sentences, its document lengths, its
formulae and a Markov model of its words (:mod:`benchmarks.markov`).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.core.config import PROJ_ROOT, SEEDS_DIR

from .markov import Bigrams, MarkovText, Trigrams, encode, split_sentences
from .repetition import clause_repetition

__all__ = ["BACKOFF", "SHARED_CORPUS", "Group", "SentencePool", "sentence_pool",
           "shared_repetition"]

SHARED_CORPUS: Path = PROJ_ROOT.parent / "shared" / "corpora" / "univ-news-2019"
BACKOFF = 0.3  # probability of a bigram step (over all groups) in the Markov models
ENDS = tuple("。！？!?")  # marks that end a sentence; other sentences are lines


@dataclass(frozen=True)
class Group:
    """Hold what one source group of real documents gives the generator.

    Attributes
    ----------
    name : str
        The institution (or seed file).
    sentences : tuple of str
        Its distinct sentences that are not formulae, in document order.
    lengths : numpy.ndarray
        Sentences per real document.
    formulae : tuple of str
        Sentences found in two or more of its documents.
    formula_cdf : numpy.ndarray
        Cumulative share of the formulae's uses, to draw them by frequency.
    formula_share : float
        Share of the group's sentences (with repeats) that are formulae.
    model : MarkovText
        The model that writes new sentences in the group's words.
    """

    name: str
    sentences: tuple[str, ...]
    lengths: np.ndarray
    formulae: tuple[str, ...]
    formula_cdf: np.ndarray
    formula_share: float
    model: MarkovText


@dataclass(frozen=True)
class SentencePool:
    """Hold the real material of the generator: groups, titles and the target rate.

    Attributes
    ----------
    groups : tuple of Group
        Largest group (in sentences) first.
    titles : tuple of str
        Real titles.
    repetition : float or None
        Clause repetition of the shared corpus; None without it.
    shared_docs : int
        Documents of the shared corpus (0 without it).
    source : str
        What the material was learnt from, for reports.
    """

    groups: tuple[Group, ...]
    titles: tuple[str, ...]
    repetition: float | None
    shared_docs: int
    source: str

    @property
    def sources(self) -> tuple[str, ...]:
        """Return the group names, largest group first."""
        return tuple(g.name for g in self.groups)


def _words(docs: Sequence[Sequence[str]], cut: Callable[..., list[str]]) -> list[str]:
    """Cut a group's sentences into one word stream, a line break after each line."""
    words: list[str] = []
    for sentences in docs:
        for sentence in sentences:
            words.extend(cut(sentence, hmm=True))
            if not sentence.endswith(ENDS):
                words.append("\n")
    return words


def _group(name: str, docs: Sequence[Sequence[str]], model: MarkovText) -> Group:
    """Collect one group's sentences, lengths and formulae beside its model."""
    in_docs = Counter(s for sentences in docs for s in set(sentences))
    uses = Counter(s for sentences in docs for s in sentences)
    formulae = tuple(s for s, n in in_docs.items() if n >= 2)
    formula_uses = np.asarray([uses[s] for s in formulae], dtype=float)
    kept = set(formulae)
    return Group(name=name,
                 sentences=tuple(dict.fromkeys(s for d in docs for s in d if s not in kept)),
                 lengths=np.asarray([len(d) for d in docs]),
                 formulae=formulae,
                 formula_cdf=np.cumsum(formula_uses) / max(1.0, formula_uses.sum()),
                 formula_share=formula_uses.sum() / max(1, sum(uses.values())),
                 model=model)


def sentence_pool(*, shared: Path | None = SHARED_CORPUS, backoff: float = BACKOFF
                  ) -> SentencePool:
    """Learn the generator's material from the seeds and, when present, the shared corpus.

    Parameters
    ----------
    shared : pathlib.Path, optional
        The shared corpus folder; skipped when ``None``, and skipped with a
        warning when absent (the seeds alone then make a very repetitive corpus).
    backoff : float, default 0.3
        Probability of a bigram step in the Markov models (:class:`MarkovText`).

    Returns
    -------
    SentencePool
        One :class:`Group` per institution of the real documents, largest
        first; the real titles; the clause repetition and document count of
        the shared corpus (None and 0 without it); where the material came from.
    """
    from analysis import load_corpus
    from analysis.tokens.backends import make_backend

    frames = [load_corpus(SEEDS_DIR, keep_raw=False)]
    repetition, shared_docs, source = None, 0, "the 5 seed documents only"
    if shared is not None and Path(shared).is_dir():
        frames.append(load_corpus(shared, keep_raw=False))
        repetition, shared_docs = clause_repetition(frames[1]["text"]), len(frames[1])
        source = f"the seeds and {Path(shared).name} ({shared_docs} documents)"
    elif shared is not None:
        warnings.warn(f"{shared} is absent: the generator learns from the 5 seed documents "
                      f"only, and its corpora repeat themselves far more than real text.",
                      stacklevel=2)
    by_group: dict[str, list[list[str]]] = {}
    titles = []
    for docs in frames:
        for doc_id, inst, title, text in zip(docs["doc_id"], docs["institution"],
                                             docs["title"], docs["text"], strict=True):
            found = split_sentences(text)
            if found:
                by_group.setdefault(inst if isinstance(inst, str) else doc_id, []).append(found)
            if isinstance(title, str) and title.strip():
                titles.append(title.strip())
    names = sorted(by_group, key=lambda k: -sum(map(len, by_group[k])))
    cut = make_backend("rjieba", ()).cut
    vocabulary, ids = encode([_words(by_group[name], cut) for name in names])
    bigrams = Bigrams.fit(np.concatenate(ids), len(vocabulary))
    groups = tuple(
        _group(name, by_group[name],
               MarkovText(vocabulary, group_ids, Trigrams.fit(group_ids, len(vocabulary)),
                          bigrams, backoff))
        for name, group_ids in zip(names, ids, strict=True))
    return SentencePool(groups, tuple(titles) or ("新闻",), repetition, shared_docs, source)


def shared_repetition(shared: Path = SHARED_CORPUS) -> tuple[float, int] | None:
    """Measure the clause repetition of the shared corpus as the loader reads it.

    Parameters
    ----------
    shared : pathlib.Path, default ``../shared/corpora/univ-news-2019``
        The corpus folder.

    Returns
    -------
    tuple of (float, int) or None
        :func:`~benchmarks.repetition.clause_repetition` of the texts
        :func:`analysis.load_corpus` returns, and their number; None when the
        folder is absent.
    """
    if not Path(shared).is_dir():
        return None
    from analysis import load_corpus

    texts = load_corpus(shared, keep_raw=False)["text"]
    return clause_repetition(texts), len(texts)
