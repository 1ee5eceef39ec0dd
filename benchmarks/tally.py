"""Count clause repetition while a corpus is written, and hold it at a target.

:class:`ClauseTally` counts clauses exactly as
:func:`benchmarks.repetition.clause_repetition` does, sentence by sentence, so
the generator knows the rate of what it has written so far. While that rate is
above the target, :meth:`ClauseTally.take` may join a clause already seen to
its neighbour by dropping the comma between them: 近日，学校召开会议 becomes
近日学校召开会议, whose one clause is new. The words stay; only a comma goes.

Decisions: only the commas ，、, are dropped (never a quote, bracket, colon,
semicolon or sentence end, which would leave unbalanced marks or run sentences
together); a clause is joined forward to the next one, and the last clause of a
sentence backward to the one before it; a joined clause still seen before is
joined again. The control acts on the rate of the whole corpus so far, so it
starts once the corpus reaches the target and holds it there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .repetition import CLAUSE_BREAKS, clauses, is_chinese

__all__ = ["JOINABLE", "ClauseTally"]

JOINABLE = frozenset({"，", "、", ","})  # clause breaks that may be dropped to join two clauses
_PIECE = re.compile("([^" + re.escape(CLAUSE_BREAKS) + "]*)([" + re.escape(CLAUSE_BREAKS) + "]*)")


@dataclass
class ClauseTally:
    """Count the clause characters written so far, new and repeated.

    Attributes
    ----------
    target : float or None
        The clause repetition to stay under; None: never join.
    seen : set of int
        Hashes of the clauses counted (about 60 bytes a clause: 0.5 GB for
        the 10^7 clauses of 10^5 documents).
    total, repeated : int
        Characters of all clauses counted, and of those seen before.
    joined : int
        Commas dropped to join clauses.
    redrawn : int
        Sentences the generator drew again (counted by the generator).

    Examples
    --------
    >>> tally = ClauseTally(target=0.1)
    >>> tally.take("近日，学校召开会议，会议现场。")  # 12 characters, all new
    '近日，学校召开会议，会议现场。'
    >>> tally.take("会议现场")  # 4 more, repeated: the rate is 4/16, above the target
    '会议现场'
    >>> tally.take("近日，学院召开会议。", join=True)  # 近日 was seen: joined
    '近日学院召开会议。'
    >>> round(tally.rate, 4), tally.joined
    (0.1667, 1)
    """

    target: float | None
    seen: set[int] = field(default_factory=set, repr=False)
    total: int = 0
    repeated: int = 0
    joined: int = 0
    redrawn: int = 0

    def take(self, sentence: str, *, join: bool = False) -> str:
        """Count a sentence's clauses and return the sentence, some clauses joined.

        Parameters
        ----------
        sentence : str
            One sentence (or line).
        join : bool, default False
            Allow joins: when the corpus so far is above the target, a clause
            seen before is joined to the next one, and a last clause seen before
            to the one before it, where a comma (:data:`JOINABLE`) separates them.

        Returns
        -------
        str
            The sentence as written into the corpus.
        """
        pieces = [[text, sep] for text, sep in (m.groups() for m in _PIECE.finditer(sentence)
                                                 if m.group(0))]
        if join and self.over():
            pieces = self._join(pieces)
        for text, _ in pieces:
            clause = text.strip()
            if clause and is_chinese(clause):
                key = hash(clause)
                if key in self.seen:
                    self.repeated += len(clause)
                else:
                    self.seen.add(key)
                self.total += len(clause)
        return "".join(text + sep for text, sep in pieces)

    def _join(self, pieces: list[list[str]]) -> list[list[str]]:
        """Join clauses seen before to their neighbours across commas."""
        out = pieces[:1]
        for k, (text, sep) in enumerate(pieces[1:], 1):
            last = k == len(pieces) - 1
            if out[-1][1] in JOINABLE and (self.known(out[-1][0])
                                           or (last and self.known(text))):
                out[-1][0] += text
                out[-1][1] = sep
                self.joined += 1
            else:
                out.append([text, sep])
        return out

    def over(self) -> bool:
        """Tell whether the clauses counted so far repeat more than the target."""
        return self.target is not None and self.repeated > self.target * self.total

    def known(self, text: str) -> bool:
        """Tell whether a clause (surrounding whitespace ignored) was counted before."""
        clause = text.strip()
        return bool(clause) and is_chinese(clause) and hash(clause) in self.seen

    def novelty(self, sentence: str) -> float:
        """Return the share of a sentence's clause characters not counted yet (1.0 if none)."""
        sizes = [(len(c), hash(c) in self.seen) for c in clauses(sentence)]
        total = sum(n for n, _ in sizes)
        return 1.0 if not total else sum(n for n, known in sizes if not known) / total

    @property
    def rate(self) -> float:
        """Return the clause repetition of everything counted so far."""
        return self.repeated / self.total if self.total else 0.0
