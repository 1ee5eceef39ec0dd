"""Generate a corpus of realistic documents for the benchmark, as files.

Documents are made of real sentences: those of the seeds and, when present,
of the shared corpus ``../shared/corpora/univ-news-2019`` (read, never copied
into the repository). Each generated document takes its length (in sentences)
from a real document and its sentences mostly from the real documents of one
source institution, so that institutions differ in vocabulary as real ones do.
Institutions and dates (spread over twelve months) go into a
``metadata.csv`` sidecar that :func:`analysis.load_corpus` reads.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.core.config import PROJ_ROOT, SEEDS_DIR

__all__ = ["SHARED_CORPUS", "SentencePool", "generate_corpus", "sentence_pool"]

SHARED_CORPUS: Path = PROJ_ROOT.parent / "shared" / "corpora" / "univ-news-2019"
INSTITUTIONS = ("南开大学", "哈尔滨工程大学", "四川农业大学", "中国矿业大学", "南京理工大学",
                "西北农林科技大学", "上海交通大学医学院", "上海中医药大学", "北京科技大学",
                "大连外国语大学", "天津大学", "浙江大学")
_SENTENCE = re.compile(r"[^。！？!?\n]*[。！？!?]|[^。！？!?\n]+")
_SHARE_OWN = 0.8  # share of a document's sentences taken from its own source group


@dataclass(frozen=True)
class SentencePool:
    """Real sentences grouped by source, and real document lengths in sentences."""

    groups: tuple[tuple[str, ...], ...]
    lengths: np.ndarray
    titles: tuple[str, ...]
    sources: tuple[str, ...]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) >= 4]


def sentence_pool(*, shared: Path | None = SHARED_CORPUS) -> SentencePool:
    """Collect the sentences of the seeds and, when present, of the shared corpus.

    Parameters
    ----------
    shared : pathlib.Path, optional
        The shared corpus folder; skipped when ``None`` or absent.

    Returns
    -------
    SentencePool
        Sentences grouped by institution (or by file for the seeds).
    """
    from analysis import load_corpus

    frames = [load_corpus(SEEDS_DIR)]
    if shared is not None and Path(shared).is_dir():
        frames.append(load_corpus(shared))
    by_group: dict[str, list[str]] = {}
    lengths, titles = [], []
    for docs in frames:
        for doc_id, inst, title, text in zip(docs["doc_id"], docs["institution"],
                                             docs["title"], docs["text"]):
            found = _sentences(text)
            if not found:
                continue
            by_group.setdefault(inst if isinstance(inst, str) else doc_id, []).extend(found)
            lengths.append(len(found))
            if isinstance(title, str) and title.strip():
                titles.append(title.strip())
    names = sorted(by_group, key=lambda k: -len(by_group[k]))
    return SentencePool(tuple(tuple(by_group[k]) for k in names), np.asarray(lengths),
                        tuple(titles) or ("新闻",), tuple(names))


def _document(pool: SentencePool, group: int, rng: np.random.Generator) -> str:
    n = int(rng.choice(pool.lengths))
    own = pool.groups[group]
    other = pool.groups[int(rng.integers(len(pool.groups)))]
    picks = [own[rng.integers(len(own))] if rng.random() < _SHARE_OWN
             else other[rng.integers(len(other))] for _ in range(n)]
    paragraphs = ["".join(picks[i:i + 4]) for i in range(0, len(picks), 4)]
    return "\n\n".join(paragraphs)


def generate_corpus(folder: str | os.PathLike, n_docs: int, *, pool: SentencePool | None = None,
                    n_institutions: int = 12, year: int = 2019,
                    random_state: int = 0) -> Path:
    """Write ``n_docs`` generated documents and their metadata sidecar into a folder.

    Parameters
    ----------
    folder : path-like
        Created if needed; the files go into it as ``doc000001.txt`` ...
        and ``metadata.csv`` (``doc_id``, ``institution``, ``date``).
    n_docs : int
        How many documents.
    pool : SentencePool, optional
        The sentences to sample; default :func:`sentence_pool`.
    n_institutions : int, default 12
        Institutions the documents are spread over (at most 12): the source
        groups with the most sentences, by their names when they are
        institutions.
    year : int, default 2019
        Dates are spread uniformly over the twelve months of this year.
    random_state : int, default 0
        Seed of the generator: the same arguments give the same files.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    pool = sentence_pool() if pool is None else pool
    rng = np.random.default_rng(random_state)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    n_inst = max(1, min(n_institutions, len(INSTITUTIONS)))
    names = [src if src in INSTITUTIONS or src.endswith(("大学", "学院")) else INSTITUTIONS[i]
             for i, src in enumerate(pool.sources[:n_inst])]
    names += [n for n in INSTITUTIONS if n not in names][:n_inst - len(names)]
    start = np.datetime64(f"{year}-01-01")
    rows = []
    for i in range(n_docs):
        inst = int(rng.integers(len(names)))
        group = inst % len(pool.groups)
        title = pool.titles[int(rng.integers(len(pool.titles)))]
        body = _document(pool, group, rng)
        doc_id = f"doc{i + 1:06d}"
        (out / f"{doc_id}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
        date = start + np.timedelta64(int(rng.integers(365)), "D")
        rows.append((doc_id, names[inst], str(date)))
    with open(out / "metadata.csv", "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["doc_id", "institution", "date"])
        writer.writerows(rows)
    return out
