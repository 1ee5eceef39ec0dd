"""Synthesise new sentences with a word-level Markov model of real ones.

The model is a trigram model over jieba's words (cut by the project's rjieba
backend, token for token jieba's) of one group's real sentences, backed off to
the bigram model of all groups: at each step, with probability ``backoff`` (or
when the last two words never occur together in the group), the next word
follows the last word only, anywhere in the real text. The trigrams keep each
group's phrasing, the bigrams make clauses that no document contains.

Sampling is vectorised: many chains advance one word a step with numpy, so a
hundred thousand documents take seconds, not minutes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Bigrams", "MarkovText", "Trigrams", "encode", "split_sentences"]

_SENTENCE = re.compile(r"[^。！？!?\n]*[。！？!?]|[^。！？!?\n]+")
MIN_SENTENCE = 4  # shorter sentences (stray marks, numbers) are left out


def split_sentences(text: str) -> list[str]:
    """Split a text into sentences: up to 。！？!? (kept) or a line break (dropped).

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    list of str
        The sentences, stripped, of at least :data:`MIN_SENTENCE` characters.
    """
    found = (s.strip() for s in _SENTENCE.findall(text))
    return [s for s in found if len(s) >= MIN_SENTENCE]


def encode(token_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Map words to integer ids, shared by every group.

    Parameters
    ----------
    token_lists : sequence of sequences of str
        One word sequence per group.

    Returns
    -------
    vocabulary : numpy.ndarray
        The distinct words (object array), id order.
    ids : list of numpy.ndarray
        The word ids of each group (int64).
    """
    index: dict[str, int] = {}
    ids = [np.fromiter((index.setdefault(w, len(index)) for w in tokens), dtype=np.int64,
                       count=len(tokens)) for tokens in token_lists]
    vocabulary = np.empty(len(index), dtype=object)
    vocabulary[:] = list(index)
    return vocabulary, ids


@dataclass(frozen=True)
class Bigrams:
    """Hold, for every word, the words that follow it in the real text (with repeats)."""

    starts: np.ndarray
    counts: np.ndarray
    following: np.ndarray

    @classmethod
    def fit(cls, ids: np.ndarray, n_words: int) -> Bigrams:
        """Count the word pairs of a word stream, read as a cycle.

        Parameters
        ----------
        ids : numpy.ndarray
            Word ids (at least two).
        n_words : int
            Size of the vocabulary.

        Returns
        -------
        Bigrams
            The followers of each word, grouped by word.
        """
        context, following = ids, np.roll(ids, -1)
        order = np.argsort(context, kind="stable")
        counts = np.bincount(context, minlength=n_words)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return cls(starts, counts, following[order])

    def step(self, last: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Draw the next word of each chain from the word before it.

        Parameters
        ----------
        last : numpy.ndarray
            The last word of each chain (every one occurs in the text).
        u : numpy.ndarray
            Uniform numbers in [0, 1), one per chain.

        Returns
        -------
        numpy.ndarray
            The next words.
        """
        return self.following[self.starts[last] + (u * self.counts[last]).astype(np.int64)]


@dataclass(frozen=True)
class Trigrams:
    """Hold, for every pair of consecutive words, the words that follow it."""

    keys: np.ndarray
    starts: np.ndarray
    counts: np.ndarray
    following: np.ndarray
    n_words: int

    @classmethod
    def fit(cls, ids: np.ndarray, n_words: int) -> Trigrams:
        """Count the word triples of a word stream, read as a cycle.

        Parameters
        ----------
        ids : numpy.ndarray
            Word ids (at least three).
        n_words : int
            Size of the vocabulary.

        Returns
        -------
        Trigrams
            The followers of each pair, the pairs sorted by ``first * n_words + second``.
        """
        context = ids * n_words + np.roll(ids, -1)
        order = np.argsort(context, kind="stable")
        keys, starts, counts = np.unique(context[order], return_index=True, return_counts=True)
        return cls(keys, starts, counts, np.roll(ids, -2)[order], n_words)

    def step(self, before: np.ndarray, last: np.ndarray, u: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
        """Draw the next word of each chain from its last two words.

        Parameters
        ----------
        before, last : numpy.ndarray
            The last two words of each chain.
        u : numpy.ndarray
            Uniform numbers in [0, 1), one per chain.

        Returns
        -------
        words : numpy.ndarray
            The next words (undefined where ``found`` is False).
        found : numpy.ndarray
            Whether the pair occurs in the text.
        """
        key = before * self.n_words + last
        at = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        found = self.keys[at] == key
        pick = self.starts[at] + (u * self.counts[at]).astype(np.int64)
        return self.following[pick], found


@dataclass(frozen=True)
class MarkovText:
    """Generate the sentences of one group: its trigrams backed off to everyone's bigrams."""

    vocabulary: np.ndarray
    ids: np.ndarray
    trigrams: Trigrams
    bigrams: Bigrams
    backoff: float = 0.3

    def chains(self, rng: np.random.Generator, n_chains: int, n_steps: int) -> list[str]:
        """Run chains from random places of the real text and return their texts.

        Parameters
        ----------
        rng : numpy.random.Generator
            The source of randomness.
        n_chains : int
            Chains run side by side.
        n_steps : int
            Words drawn per chain.

        Returns
        -------
        list of str
            One text per chain, its words joined.
        """
        at = rng.integers(len(self.ids), size=n_chains)
        before, last = self.ids[at], self.ids[(at + 1) % len(self.ids)]
        out = np.empty((n_steps, n_chains), dtype=np.int64)
        for step in range(n_steps):
            u = rng.random(n_chains)
            tri, found = self.trigrams.step(before, last, u)
            nxt = np.where(found & (rng.random(n_chains) >= self.backoff), tri,
                           self.bigrams.step(last, u))
            out[step] = nxt
            before, last = last, nxt
        words = self.vocabulary[out.T]
        return ["".join(row) for row in words.tolist()]

    def sentences(self, rng: np.random.Generator, *, first_batch: int = 256,
                  n_steps: int = 800) -> Iterator[str]:
        """Yield generated sentences without end, in batches of chains that double in size.

        The first and last sentence of each chain are dropped (they may be cut
        off), so every sentence yielded starts and ends where a real one may.

        Parameters
        ----------
        rng : numpy.random.Generator
            The source of randomness (used only by this iterator).
        first_batch : int, default 256
            Chains of the first batch; each batch doubles it, up to 8,192.
        n_steps : int, default 800
            Words per chain.

        Yields
        ------
        str
            A sentence ending with 。！？!? (kept) or a line (its line break dropped).
        """
        size = first_batch
        while True:
            for text in self.chains(rng, size, n_steps):
                found = (s.strip() for s in _SENTENCE.findall(text)[1:-1])
                yield from (s for s in found if len(s) >= MIN_SENTENCE)
            size = min(2 * size, 8_192)
