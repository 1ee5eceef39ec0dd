"""Find the names a group goes by, so that comparisons do not report them.

Each university over-uses its own name (南开, 南开大学) and under-uses the
others'; a keyness list that shows it is true and useless in a paper.

Decisions:

- A group's aliases are: its label; its *short forms*; when the groups are
  not institutions (``group_col="region"``), the institutions of the group
  and their short forms; and any alias the researcher lists.
- A short form is a vocabulary term whose characters appear *in order* in the
  label (``南开`` in 南开大学, ``川农大`` in 四川农业大学, ``哈工程`` in
  哈尔滨工程大学, ``矿大`` in 中国矿业大学) and that (1) either is the label
  without its generic ending (大学, 学院, 医学院 ...) or takes characters from
  at least two words of the label, starting in a word of the name proper, so
  that a word inside the name (中医药, 矿业) or across its generic words
  (学医 in 上海交通大学医学院) is not one; (2) does not end like a generic ending (学, 院: 医学, 工学
  and 上海大学 are other things), unless it is a short form followed by the label's
  own ending (交大医学院 for 上海交通大学医学院: 交大 is one, 上海 is not); (3) is rare in general Chinese: below
  ``max_general`` (200) in jieba's general dictionary (上海 16,377, 医学 3,433,
  西藏 2,596; 南开 155, 交大 114, 矿大 absent); and (4) is used by the group at
  least ``min_ratio`` (2) times as often per token as by the others, at least
  ``min_count`` (3) times. On the 13 universities of ``univ-news-2019`` this
  finds 南开, 川农, 川农大, 哈工程, 矿大, 西农, 交大, 西南交大, 上财 and
  keeps 中医药, 上海, 医学, 交通, 四川 as the words they are.
- Terms are matched as tokens of the counts (the segmenter's output), so a
  short form must come out of the segmenter whole to be found; one that does
  not cannot be drawn either.
- :func:`flag_aliases` marks rows of a term table whose term is an alias of
  *any* compared group (the other groups' names are what a group under-uses).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from ..core.errors import AnalysisError, check_column
from ..tokens.backends import general_frequency
from ..tokens.segmenter import Segmenter
from .counts import TermCounts, counts_of

__all__ = ["ALIAS_COLUMNS", "NAME_TAGS", "flag_aliases", "flag_names", "group_aliases",
           "is_subsequence", "read_aliases"]

ALIAS_COLUMNS = ("alias", "source")


def is_subsequence(short: str, label: str) -> bool:
    """Tell whether the characters of ``short`` appear in ``label`` in order.

    Examples
    --------
    >>> is_subsequence("川农大", "四川农业大学"), is_subsequence("农川", "四川农业大学")
    (True, False)
    """
    it = iter(label)
    return all(ch in it for ch in short)


_SUFFIXES = ("医学院", "研究院", "研究所", "大学", "学院", "大學", "學院", "学校", "学会")


def _candidates(label: str, vocabulary: pa.Array) -> np.ndarray:
    """Return the positions of terms of two or more characters drawn from the label's."""
    chars = "".join(sorted(set(label))).replace("\\", "\\\\").replace("]", "\\]")
    chars = chars.replace("^", "\\^").replace("-", "\\-")
    hit = pc.match_substring_regex(vocabulary, f"^[{chars}]{{2,}}$")
    return np.flatnonzero(hit.to_numpy(zero_copy_only=False))


def _subwords(word: str) -> list[str]:
    """Split a word of four characters or more into general words (南京理工 -> 南京 理工)."""
    if len(word) < 4:
        return [word]
    pieces, start = [], 0
    while start < len(word):
        for end in range(min(len(word), start + 4), start, -1):
            piece = word[start:end]
            if (end - start == 1 or general_frequency(piece)) and piece != word:
                pieces.append(piece)
                start = end
                break
        else:  # pragma: no cover - a one-character piece always matches
            pieces.append(word[start:])
            break
    return pieces


def _word_of_each_char(label: str, segmenter: Segmenter) -> tuple[str, list[int]]:
    """Return the label without its generic ending, and the word index of each character.

    Generic words (大学 inside 上海交通大学医学院, the ending) get -1; the rest
    is cut into words (上海 交通), whether or not the whole name is a dictionary word.
    """
    core = label
    for suffix in _SUFFIXES:
        if label.endswith(suffix) and len(label) > len(suffix):
            core = label[: -len(suffix)]
            break
    word_of = [0] * len(label)
    generic = re.compile("|".join(_SUFFIXES))
    last, index = 0, 0
    for match in [*generic.finditer(label), None]:
        end = match.start() if match else len(label)
        chunk = label[last:end]
        for word in [p for w in segmenter.words(chunk) for p in _subwords(w)] if chunk else []:
            for k in range(len(word)):
                word_of[last + k] = index
            last += len(word)
            index += 1
        if match:
            word_of[match.start():match.end()] = [-1] * (match.end() - match.start())
            last = match.end()
    return core, word_of


def _is_short_form(term: str, label: str, core: str, word_of: list[int],
                   max_general: int) -> bool:
    if term == label or not is_subsequence(term, label):
        return False
    for suffix in _SUFFIXES:  # a short form with the label's ending: 交大医学院, 川农大学
        head = term[: -len(suffix)]
        if term.endswith(suffix) and len(head) >= 2 and label.endswith(suffix) \
                and _is_short_form(head, label, core, word_of, max_general):
            return True
    if term.endswith(("学", "院", "校")):
        return False
    if general_frequency(term) >= max_general:
        return False
    if term == core:
        return True
    spans, start = [], 0  # the words the characters come from (greedy, in order)
    for ch in term:
        at = label.find(ch, start)
        spans.append(word_of[at])
        start = at + 1
    # it starts in a word of the name proper (not 大学) and spans two words or more
    return spans[0] >= 0 and len(set(spans)) >= 2


def group_aliases(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    group_col: str = "institution",
    institution_col: str = "institution",
    extra: Mapping[str, Iterable[str]] | None = None,
    min_ratio: float = 2.0,
    min_count: int = 3,
    max_general: int = 200,
    segmenter: Segmenter | None = None,
    tokens_col: str = "tokens",
    id_col: str = "doc_id",
) -> pd.DataFrame:
    """List the names each group goes by: its label, short forms, members, given aliases.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document.
    counts : TermCounts, optional
        The documents' counts (a superset is fine); default: count ``tokens_col``.
    group_col : str, default 'institution'
        The groups compared.
    institution_col : str, default 'institution'
        When it differs from ``group_col``, each group's institutions (and
        their short forms) are aliases of the group too.
    extra : mapping of str to list of str, optional
        Aliases the researcher lists, by group label.
    min_ratio : float, default 2.0
        A short form must be at least this many times more frequent (per
        token) in the group than in the other groups.
    min_count : int, default 3
        ... and occur at least this often in the group.
    max_general : int, default 200
        ... and be less frequent than this in jieba's general dictionary.
    segmenter : Segmenter, optional
        Cuts labels into words; default ``Segmenter()``.
    tokens_col, id_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per (group, alias): the group column, ``alias`` and ``source``
        (``label``, ``short form``, ``institution``, ``given``).
    """
    func = "group_aliases"
    check_column(docs, group_col, param="group_col", func=func)
    counts = counts_of(docs, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    segmenter = segmenter or Segmenter()
    rows: list[tuple[str, str, str]] = []
    units = [(group_col, "label")]
    if institution_col != group_col and institution_col in docs.columns:
        units.append((institution_col, "institution"))
    vocabulary = pa.array(counts.vocabulary.tolist(), pa.large_string())
    for col, source in units:
        pooled = counts.pool(docs[col].to_numpy(), name=col)
        totals = pooled.totals().astype(float)
        column_totals = np.asarray(pooled.matrix.sum(axis=0)).ravel().astype(float)
        owner = ({} if col == group_col else
                 docs[[col, group_col]].dropna().drop_duplicates()
                 .groupby(col)[group_col].agg(list).to_dict())
        for i, label in enumerate(pooled.units):
            label = str(label)
            forms = [label]
            core, word_of = _word_of_each_char(label, segmenter)
            cols = _candidates(label, vocabulary)
            if len(cols):
                mine = pooled.matrix[i, cols].toarray().ravel().astype(float)
                rest = column_totals[cols] - mine
                rate = mine / max(totals[i], 1)
                rest_rate = rest / max(totals.sum() - totals[i], 1)
                terms = pooled.vocabulary[cols]
                forms += [str(t) for t, n, r, q in zip(terms, mine, rate, rest_rate)
                          if n >= min_count and r >= min_ratio * q
                          and _is_short_form(str(t), label, core, word_of, max_general)]
            targets = [label] if col == group_col else owner.get(label, [])
            for target in targets:
                for k, form in enumerate(forms):
                    kind = source if k == 0 else (
                        "short form" if col == group_col else "institution")
                    rows.append((str(target), form, kind))
    for label, names in (extra or {}).items():
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise AnalysisError(f"The 'extra' parameter of {func} must map each group to a "
                                f"list of aliases; got {names!r} for {label!r}.")
        rows += [(str(label), n, "given") for n in names]
    table = pd.DataFrame(rows, columns=[group_col, *ALIAS_COLUMNS])
    table = table.drop_duplicates([group_col, "alias"]).reset_index(drop=True)
    table.attrs = {"group_col": group_col}
    return table


def flag_aliases(table: pd.DataFrame, aliases: pd.DataFrame, *, term_col: str = "term"
                 ) -> pd.DataFrame:
    """Add a boolean ``alias`` column: the term names one of the compared groups.

    Parameters
    ----------
    table : pandas.DataFrame
        A term table (keyness, TF-IDF, dispersion).
    aliases : pandas.DataFrame
        From :func:`group_aliases`.
    term_col : str, default 'term'
        The column of terms.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with ``alias`` (True for any group's alias), attrs kept.
    """
    check_column(table, term_col, param="term_col", func="flag_aliases")
    check_column(aliases, "alias", param="aliases", func="flag_aliases")
    names = set(aliases["alias"].astype(str))
    out = table.assign(alias=table[term_col].astype(str).isin(names).to_numpy())
    out.attrs = dict(table.attrs)
    return out


NAME_TAGS = ("nr", "ns")
"""POS tags of person (nr, nrfg, nrt) and place (ns) names in jieba.posseg."""


def flag_names(table: pd.DataFrame, *, segmenter: Segmenter | None = None,
               tags: tuple[str, ...] = NAME_TAGS, term_col: str = "term") -> pd.DataFrame:
    """Add a boolean ``name`` column: the term is tagged as a person or place name.

    Each distinct term is tagged alone by ``jieba.posseg`` (through the
    segmenter, so the user dictionary's tags count); a tag starting with one
    of ``tags`` marks a name. For a "what did they talk about" view that
    leaves out who and where.

    Parameters
    ----------
    table : pandas.DataFrame
        A term table.
    segmenter : Segmenter, optional
        Default ``Segmenter()``.
    tags : tuple of str, default ('nr', 'ns')
        Tag prefixes counted as names.
    term_col : str, default 'term'
        The column of terms.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with ``name``; attrs kept.
    """
    check_column(table, term_col, param="term_col", func="flag_names")
    segmenter = segmenter or Segmenter()
    distinct = table[term_col].astype(str).unique()
    named = {t for t in distinct if (segmenter.tag(t) or "").startswith(tags)}
    out = table.assign(name=table[term_col].astype(str).isin(named).to_numpy())
    out.attrs = dict(table.attrs)
    return out


def read_aliases(path: str | os.PathLike) -> dict[str, list[str]]:
    """Read the aliases a researcher lists: YAML ``group: [alias, ...]`` or a CSV of two columns.

    Parameters
    ----------
    path : path-like
        A ``.yaml``/``.yml`` file mapping each group to a list of names, or a
        ``.csv`` file whose first two columns are the group and one alias.

    Returns
    -------
    dict of str to list of str

    Raises
    ------
    AnalysisError
        When the file is missing or not in one of these forms (the message
        names the file and the entry).
    """
    path = Path(path)
    if not path.is_file():
        raise AnalysisError(f"The 'aliases' parameter must name a YAML or CSV file; got "
                            f"{str(path)!r}, which does not exist.")
    if path.suffix.lower() == ".csv":
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        if table.shape[1] < 2:
            raise AnalysisError(f"{path.name}: an aliases CSV needs two columns (group, alias); "
                                f"got {list(table.columns)}.")
        out: dict[str, list[str]] = {}
        for group, alias in zip(table.iloc[:, 0], table.iloc[:, 1]):
            if group.strip() and alias.strip():
                out.setdefault(group.strip(), []).append(alias.strip())
        return out
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise AnalysisError(f"{path.name}: not a readable YAML file ({err}).") from None
    if not isinstance(data, dict):
        raise AnalysisError(f"{path.name}: must map each group to a list of aliases "
                            f"(南开大学: [南开, NKU]); got a {type(data).__name__}.")
    out = {}
    for group, names in data.items():
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, (str, int)) for n in names):
            raise AnalysisError(f"{path.name}: the aliases of {group!r} must be a list of "
                                f"names; got {names!r}.")
        out[str(group)] = [str(n) for n in names]
    return out
