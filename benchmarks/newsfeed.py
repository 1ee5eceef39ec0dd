"""Write a news table of another shape: ~100 sources in one CSV, as a news aggregator has it.

A researcher's second kind of corpus is not a folder of university posts but a
spreadsheet of articles from about a hundred sources (portals, official
accounts, papers, a few English-language outlets), one row each, with the
aggregator's own column names and dates in epoch milliseconds, many sources
holding a handful of rows and the same dispatch carried by several of them.

:func:`write_newsfeed` writes such a table from the generator's real material
(:mod:`benchmarks.pool`): each Chinese source writes like one of the real
groups (its Markov model and real sentences), the source sizes follow a Zipf
law, some rows repost another source's article (a ``来源：`` line and the same
body), and a few sources write English. The columns are ``id``, ``source``,
``published`` (epoch ms), ``headline``, ``content``, ``url``: none of the names
the loader expects, so a run needs the column mapping.

    python -m benchmarks.newsfeed /tmp/news.csv --rows 2000 --sources 108
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

import numpy as np

from .pool import SentencePool, sentence_pool

__all__ = ["ENGLISH", "write_newsfeed"]

#: Sentences of the English-language sources (what a mixed feed carries).
ENGLISH = (
    "The Ministry of Education said on Monday that the spring semester will be postponed.",
    "Schools across the country have moved their classes online, officials said.",
    "It is not clear when students will be able to return to campus.",
    "The university has asked its staff to report their health status every day.",
    "Teachers said the online platform was slow during the first week of classes.",
    "Parents have raised concerns about the amount of screen time for young children.",
    "The provincial government will provide free data packages for students in rural areas.",
    "A spokesman said the measures would remain in place until further notice.",
    "Graduates face a difficult job market as companies delay recruitment.",
    "The exams have been moved to July, according to a statement released on Tuesday.",
    "Universities are required to keep foreign students on campus informed in English.",
    "Volunteers from the medical school joined the teams sent to Wuhan.",
)

_SOURCE_KINDS = ("日报", "晚报", "新闻网", "教育在线", "融媒体中心", "发布", "观察", "时报")
_PLACES = ("江苏", "浙江", "广东", "四川", "湖北", "河南", "山东", "陕西", "辽宁", "福建", "湖南",
           "安徽", "江西", "云南", "贵州", "广西", "天津", "重庆", "上海", "北京")
_ENGLISH_SOURCES = ("China Daily English", "Global Times", "Xinhua English", "Sixth Tone",
                    "SCMP Education", "CGTN Campus")


def _source_names(n_sources: int, n_english: int) -> list[str]:
    """Name the sources: place + kind for the Chinese ones, then the English ones."""
    chinese = [f"{_PLACES[i % len(_PLACES)]}{_SOURCE_KINDS[(i // len(_PLACES)) % len(_SOURCE_KINDS)]}"
               for i in range(n_sources - n_english)]
    return chinese + list(_ENGLISH_SOURCES[:n_english])


def write_newsfeed(path: str | os.PathLike, *, n_rows: int = 1000, n_sources: int = 108,
                   n_english: int = 4, repost_share: float = 0.12,
                   pool: SentencePool | None = None, random_state: int = 0) -> Path:
    """Write a CSV of news from many sources, with an aggregator's column names.

    Parameters
    ----------
    path : path-like
        The CSV to write (its folder is created).
    n_rows : int, default 1000
        Articles.
    n_sources : int, default 108
        Sources; each has at least one article, sizes follow a Zipf law.
    n_english : int, default 4
        How many of the sources write English (at most 6).
    repost_share : float, default 0.12
        Share of Chinese articles that carry another source's article.
    pool : SentencePool, optional
        The real material; default :func:`benchmarks.pool.sentence_pool` without the
        shared corpus (the seeds only: the same table on every machine).
    random_state : int, default 0
        The same arguments give the same file.

    Returns
    -------
    pathlib.Path
        The CSV written.
    """
    if not 1 <= n_english <= len(_ENGLISH_SOURCES) or n_sources <= n_english:
        raise ValueError(f"n_english must be 1..{len(_ENGLISH_SOURCES)} and below n_sources; "
                         f"got {n_english} of {n_sources}")
    if n_rows < n_sources:
        raise ValueError(f"n_rows must be at least n_sources ({n_sources}); got {n_rows}")
    pool = sentence_pool(shared=None) if pool is None else pool
    rng = np.random.default_rng(random_state)
    names = _source_names(n_sources, n_english)
    weights = 1.0 / np.arange(1, n_sources + 1) ** 1.1
    sizes = 1 + rng.multinomial(n_rows - n_sources, weights / weights.sum())
    order = rng.permutation(n_sources)  # the English sources are not all the smallest
    writers = [pool.groups[i % len(pool.groups)] for i in range(n_sources)]
    chains = [g.model.sentences(np.random.default_rng([random_state, i]))
              for i, g in enumerate(writers)]
    start = np.datetime64("2020-01-15T00:00:00", "ms").astype(np.int64)
    span = int(np.timedelta64(105, "D").astype("timedelta64[ms]").astype(np.int64))
    rows, written = [], []
    for k, n in enumerate(sizes):
        s = int(order[k])
        english = s >= n_sources - n_english
        for _ in range(int(n)):
            when = int(start + rng.integers(span))
            if english:
                picked = rng.choice(len(ENGLISH), size=int(rng.integers(4, 9)), replace=True)
                headline = ENGLISH[int(picked[0])].rstrip(".")
                body = " ".join(ENGLISH[int(i)] for i in picked)
            elif written and rng.random() < repost_share:
                other, headline, body = written[int(rng.integers(len(written)))]
                body = f"来源：{names[other]}\n{body}"
            else:
                group = writers[s]
                own = [group.sentences[int(i)] for i in
                       rng.integers(len(group.sentences), size=int(rng.integers(2, 6)))]
                made = [next(chains[s]) for _ in range(int(rng.integers(4, 14)))]
                sentences = made + own
                rng.shuffle(sentences)
                headline = pool.titles[int(rng.integers(len(pool.titles)))]
                body = "\n".join("".join(sentences[i:i + 3])
                                 for i in range(0, len(sentences), 3))
                written.append((s, headline, body))
            rows.append((f"n{len(rows) + 1:05d}", names[s], when, headline, body,
                         f"https://news.example.cn/{s:03d}/{len(rows) + 1}.html"))
    rows.sort(key=lambda r: (r[2], r[0]))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "source", "published", "headline", "content", "url"])
        writer.writerows(rows)
    return out


def main(argv: list[str] | None = None) -> int:
    """Write a news table from the command line (the shared corpus's material when present)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.newsfeed",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="the CSV to write")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=108)
    parser.add_argument("--seeds-only", action="store_true",
                        help="learn from the seeds only (as the tests do)")
    args = parser.parse_args(argv)
    pool = sentence_pool(shared=None) if args.seeds_only else sentence_pool()
    out = write_newsfeed(args.path, n_rows=args.rows, n_sources=args.sources, pool=pool)
    print(f"wrote {out} ({args.rows} rows, {args.sources} sources, from {pool.source})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
