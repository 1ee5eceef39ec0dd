"""Generate a corpus of realistic documents for the benchmark, as files.

The generator learns from real documents (:mod:`benchmarks.pool`: the seeds and,
when present, the 4,706 loaded posts of the shared corpus). Each of the 12
institutions writes like one real source group:

- **lengths** (in sentences) are drawn from the group's real documents;
- **most sentences are new**: a word-level Markov model (:mod:`benchmarks.markov`:
  the group's trigrams over jieba's words, backed off to the bigrams of all
  groups) writes them, in the group's vocabulary, mostly in clauses that no
  real document holds;
- **real sentences** fill :data:`REAL_SHARE` of the slots, each used about once:
  fewer slots when the corpus is large for the group's sentences;
- **formulae**, the group's sentences found in two or more of its documents
  (captions such as 会议现场, editors' notes, contact lines), fill slots at the
  rate the group used them, drawn by their frequency;
- **reposts** (:data:`REPOST_SHARE` of the documents) copy a recent document of
  another institution with a 来源 line on top (which the loader removes) and one
  sentence dropped, dated up to a week later: notebook 05 finds them as
  near-duplicates across institutions.

Decisions: the corpora repeat their clauses as much as the shared corpus does.
Its clause repetition (:func:`benchmarks.repetition.clause_repetition`) is 10.6%.
Left alone, the mix above drifts upward with size, 2 to 3 points for each
doubling (6.6% at 1,250 documents, 9.8% at 2,500, 11.9% at 5,000), because short
clauses come back ever more often; real text does too (5.7% over the first 500
shared posts, 10.6% over all 4,706), so a real archive of 10^5 posts would
likely repeat more than 10.6%, but the benchmark compares with the corpus we
have. The generator therefore counts as it writes (:class:`~benchmarks.tally.ClauseTally`)
and, while the corpus so far is above the target, (1) joins a clause already
seen to its neighbour by dropping the comma between them (the words stay) in
Markov and real sentences, and (2) draws again, up to :data:`RETRIES` times, a
Markov sentence with less than :data:`MIN_NOVELTY` of its clause characters new.
Formulae and reposts are never changed. The rate climbs freely to the target
(about 9% at 2,000 documents) and stays there (10.55% at 5,000 and 20,000
documents); the price is a comma dropped in 2% of the clauses at 5,000 documents
and 9% at 20,000. Without the shared corpus there is no target, and the seeds
alone (5 documents) give a corpus that repeats itself far more than real text;
:func:`~benchmarks.pool.sentence_pool` warns.
Institutions and dates (spread over one year) go into a ``metadata.csv``
sidecar that :func:`analysis.load_corpus` reads.
"""

from __future__ import annotations

import csv
import os
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .pool import (
    ENDS,
    SHARED_CORPUS,
    Group,
    SentencePool,
    sentence_pool,
    shared_repetition,
)
from .repetition import clause_repetition
from .tally import ClauseTally

__all__ = ["SHARED_CORPUS", "GeneratedCorpus", "describe_corpus", "document_bodies",
           "generate_corpus", "sentence_pool", "shared_repetition"]

INSTITUTIONS = ("南开大学", "哈尔滨工程大学", "四川农业大学", "中国矿业大学", "南京理工大学",
                "西北农林科技大学", "上海交通大学医学院", "上海中医药大学", "北京科技大学",
                "大连外国语大学", "天津大学", "浙江大学")
REAL_SHARE = 0.15  # share of sentence slots filled with real sentences of the group
REPOST_SHARE = 0.02  # share of documents that repost a recent one of another institution
REPOST_WINDOW = 1_000  # reposts copy one of this many latest documents
RETRIES = 3  # above the target, Markov sentences drawn again when mostly seen before ...
MIN_NOVELTY = 0.5  # ... that is, with less than this share of their clause characters new
PARAGRAPH = 4  # sentences per paragraph


@dataclass(frozen=True)
class GeneratedCorpus:
    """Describe a corpus written by :func:`generate_corpus`.

    Attributes
    ----------
    folder : pathlib.Path
        Where the files are.
    n_docs, n_chars : int
        Documents, and characters of their bodies.
    repetition : float
        Clause repetition of the bodies written.
    target : float or None
        The rate held (None: no control).
    reposts, joined, redrawn : int
        Reposted documents, commas dropped to join clauses, Markov sentences
        drawn again.
    seconds : float
        Time taken (learning the pool excluded when it was given).
    source : str
        What the material was learnt from.
    """

    folder: Path
    n_docs: int
    n_chars: int
    repetition: float
    target: float | None
    reposts: int
    joined: int
    redrawn: int
    seconds: float
    source: str


class _Written(NamedTuple):
    inst: int
    title: str
    sentences: list[str]
    day: int


def _reals(group: Group, rng: np.random.Generator) -> Iterator[str]:
    """Yield a group's real sentences in random order, all before any again."""
    while True:
        for i in rng.permutation(len(group.sentences)):
            yield group.sentences[i]


def _body(sentences: Sequence[str]) -> str:
    """Join sentences into paragraphs; a sentence without end mark stays on its own line."""
    paragraphs = []
    for i in range(0, len(sentences), PARAGRAPH):
        chunk = sentences[i:i + PARAGRAPH]
        paragraphs.append("".join(s if s.endswith(ENDS) or k == len(chunk) - 1 else s + "\n"
                                  for k, s in enumerate(chunk)))
    return "\n\n".join(paragraphs)


def _names(pool: SentencePool, n_institutions: int) -> list[str]:
    """Name the institutions: the source groups' names when they are institutions."""
    n_inst = max(1, min(n_institutions, len(INSTITUTIONS)))
    names = [src if src in INSTITUTIONS or src.endswith(("大学", "学院")) else INSTITUTIONS[i]
             for i, src in enumerate(pool.sources[:n_inst])]
    return names + [n for n in INSTITUTIONS if n not in names][:n_inst - len(names)]


def _real_shares(groups: list[Group], n_docs: int, real_share: float) -> list[float]:
    """Give each institution's real-sentence share: at most enough to use each sentence once."""
    writers = Counter(id(g) for g in groups)  # institutions writing like each group
    per_group = n_docs / len(groups)
    return [min(real_share, len(g.sentences) / max(1.0, per_group * writers[id(g)]
                                                   * g.lengths.mean()))
            for g in groups]


def generate_corpus(folder: str | os.PathLike, n_docs: int, *, pool: SentencePool | None = None,
                    n_institutions: int = 12, year: int = 2019, random_state: int = 0,
                    target: float | None = None, real_share: float = REAL_SHARE,
                    repost_share: float = REPOST_SHARE) -> GeneratedCorpus:
    """Write ``n_docs`` generated documents and their metadata sidecar into a folder.

    Parameters
    ----------
    folder : path-like
        Created if needed; the files go into it as ``doc000001.txt`` ... (a
        title line, a blank line, the body) and ``metadata.csv`` (``doc_id``,
        ``institution``, ``date``).
    n_docs : int
        How many documents.
    pool : SentencePool, optional
        The real material; default :func:`~benchmarks.pool.sentence_pool`.
    n_institutions : int, default 12
        Institutions the documents are spread over (at most 12), each writing
        like one source group (the largest groups, by their names when they
        are institutions).
    year : int, default 2019
        Dates are spread uniformly over this year.
    random_state : int, default 0
        Seed of the generator: the same arguments give the same files.
    target : float, optional
        Clause repetition to hold (see the module notes); default the shared
        corpus's (``pool.repetition``); with neither, nothing is joined or
        drawn again. 1.0 turns the control off.
    real_share : float, default 0.15
        Share of sentence slots given to real sentences (fewer when each
        would be used more than about once).
    repost_share : float, default 0.02
        Share of documents that repost another institution's.

    Returns
    -------
    GeneratedCorpus
        The folder, the counts and the clause repetition of the bodies written
        (the loader reads the same texts, less the 来源 line of reposts).
    """
    start = time.perf_counter()
    pool = sentence_pool() if pool is None else pool
    rng = np.random.default_rng(random_state)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    names = _names(pool, n_institutions)
    groups = [pool.groups[i % len(pool.groups)] for i in range(len(names))]
    markov = [g.model.sentences(np.random.default_rng([random_state, 1, i]))
              for i, g in enumerate(groups)]
    reals = [_reals(g, np.random.default_rng([random_state, 2, i])) for i, g in enumerate(groups)]
    shares = _real_shares(groups, n_docs, real_share)
    tally = ClauseTally(pool.repetition if target is None else target)
    first = np.datetime64(f"{year}-01-01")
    days = int((np.datetime64(f"{year + 1}-01-01") - first).astype(int))
    recent: deque[_Written] = deque(maxlen=REPOST_WINDOW)
    rows, reposts, n_chars = [], 0, 0
    for i in range(n_docs):
        inst = int(rng.integers(len(names)))
        source = _repost_source(recent, inst, rng) if rng.random() < repost_share else None
        if source is not None:
            doc = _repost(source, names[source.inst], inst, rng, days)
            doc = doc._replace(sentences=[tally.take(s) for s in doc.sentences])
            reposts += 1
        else:
            sentences = _sentences(groups[inst], markov[inst], reals[inst], rng, tally,
                                   shares[inst])
            doc = _Written(inst, pool.titles[int(rng.integers(len(pool.titles)))], sentences,
                           int(rng.integers(days)))
        recent.append(doc)
        body = _body(doc.sentences)
        n_chars += len(body)
        doc_id = f"doc{i + 1:06d}"
        (out / f"{doc_id}.txt").write_text(f"{doc.title}\n\n{body}\n", encoding="utf-8")
        rows.append((doc_id, names[inst], str(first + np.timedelta64(doc.day, "D"))))
    with open(out / "metadata.csv", "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["doc_id", "institution", "date"])
        writer.writerows(rows)
    return GeneratedCorpus(out, n_docs, n_chars, tally.rate, tally.target, reposts, tally.joined,
                           tally.redrawn, time.perf_counter() - start, pool.source)


def _sentences(group: Group, markov: Iterator[str], reals: Iterator[str],
               rng: np.random.Generator, tally: ClauseTally, real_share: float) -> list[str]:
    """Draw one document's sentences: formulae, real sentences and Markov ones."""
    n = int(group.lengths[rng.integers(len(group.lengths))])
    sentences = []
    for u, v in rng.random((n, 2)).tolist():
        if u < group.formula_share:
            pick = min(int(np.searchsorted(group.formula_cdf, v, side="right")),
                       len(group.formulae) - 1)
            sentences.append(tally.take(group.formulae[pick]))
        elif u < group.formula_share + real_share and group.sentences:
            sentences.append(tally.take(next(reals), join=True))
        else:
            sentences.append(tally.take(_markov(markov, tally), join=True))
    return sentences


def _markov(markov: Iterator[str], tally: ClauseTally) -> str:
    """Draw a Markov sentence; above the target, draw again one mostly seen before."""
    for _ in range(RETRIES):
        sentence = next(markov)
        if not tally.over() or tally.novelty(sentence) >= MIN_NOVELTY:
            return sentence
        tally.redrawn += 1
    return next(markov)


def _repost_source(recent: deque[_Written], inst: int, rng: np.random.Generator
                   ) -> _Written | None:
    """Pick a recent document of another institution, or None (five tries)."""
    for _ in range(5 if recent else 0):
        candidate = recent[int(rng.integers(len(recent)))]
        if candidate.inst != inst:
            return candidate
    return None


def _repost(source: _Written, source_name: str, inst: int, rng: np.random.Generator,
            days: int) -> _Written:
    """Copy a document as a repost: a 来源 line on top, one sentence dropped, a later date."""
    sentences = [s for s in source.sentences if not s.startswith("来源：")]
    if len(sentences) > 4:
        del sentences[int(rng.integers(len(sentences)))]
    return _Written(inst, source.title, [f"来源：{source_name}新闻网", *sentences],
                    min(days - 1, source.day + int(rng.integers(8))))


def document_bodies(folder: str | os.PathLike) -> Iterator[str]:
    """Yield the bodies of a generated corpus's documents, in file order (titles left out).

    Parameters
    ----------
    folder : path-like
        A folder written by :func:`generate_corpus`.

    Yields
    ------
    str
        Each document's text after its title line.
    """
    for path in sorted(Path(folder).glob("doc*.txt")):
        yield path.read_text(encoding="utf-8").partition("\n")[2]


def describe_corpus(folder: str | os.PathLike) -> dict[str, float | int]:
    """Count a generated corpus's documents and characters and measure its clause repetition.

    Parameters
    ----------
    folder : path-like
        A folder written by :func:`generate_corpus`.

    Returns
    -------
    dict
        ``n_docs``, ``n_chars`` (of the files, titles included) and
        ``repetition``: :func:`~benchmarks.repetition.clause_repetition` of the
        bodies (:func:`document_bodies`).
    """
    n_docs = n_chars = 0

    def bodies() -> Iterator[str]:
        nonlocal n_docs, n_chars
        for path in sorted(Path(folder).glob("doc*.txt")):
            text = path.read_text(encoding="utf-8")
            n_docs, n_chars = n_docs + 1, n_chars + len(text)
            yield text.partition("\n")[2]

    repetition = clause_repetition(bodies())
    return {"n_docs": n_docs, "n_chars": n_chars, "repetition": repetition}
