"""Code documents with a dictionary of categories: words and rules, audited, with rates.

A *coding dictionary* (KH Coder's coding rules, quanteda dictionaries,
cntext's YAML dictionaries) gives each category a list of words and,
optionally, rules. It is a YAML file::

    name: my-dictionary
    description: what the categories hold and where the words come from
    near: 5                      # optional: the default distance of NEAR
    categories:
      在线教学:
        description: online teaching
        words: [线上教学, 在线教学, 慕课]
        rules:
          - (线上 OR 在线) NEAR 教学
          - 直播 AND 课程 AND NOT 带货
      返校: [返校, 开学]          # a list alone is the words

Decisions:

- **Whole tokens.** Words and rule terms match whole tokens of the Study's
  segmentation, never substrings: 印度 does not match inside 印度尼西亚 (as it
  would in a character search, or in quanteda once its segmenter has cut the
  longer word). So that every entry can match, the notebook adds every word
  and rule term to the segmenter's user dictionary
  (:func:`coding_segmenter`): a dictionary entry jieba would split (停课不停学
  without the packaged dictionary) comes out whole. Entries are read in NFKC
  form and lower case, as the tokens are.
- **Rules** are evaluated within one sentence (the line breaks of the
  ``tokens`` column): ``AND``, ``OR``, ``NOT`` (the sentence lacks the term) and
  ``a NEAR b`` (both within ``near`` tokens of each other, in either order;
  ``NEAR/3`` sets the distance), with parentheses; ``NOT`` binds tightest,
  then ``NEAR``, ``AND``, ``OR``. ``NEAR`` joins terms or parenthesised ``OR``
  lists of terms. A rule needs a term outside ``NOT``. The default distance
  is 5 filtered tokens (stop words removed), about 10 words of running text,
  as KH Coder's ``near()``. Operators are written in capitals; any other
  capitalised word or symbol (``XOR``, ``&``, ``|``) is an unknown operator
  (quote a term written in capitals: ``"MOOC"``).
- **Hits.** A word's hits in a document are its occurrences; a rule's hits
  are the sentences it matches. A category's hits are the sum over its
  entries; a document is *coded* when it has at least one.
- **Rates with intervals.** Per group (and all documents, ``"(all)"``) and
  per period: ``share`` = coded documents / documents, with the Wilson score
  interval; ``rate_per_10k`` = hits per 10,000 tokens, with a normal interval
  from the ratio estimator's linearised variance over documents (documents
  are the sampled units: a long document does not count as many independent
  tokens). With ``clusters``, one document of each near-duplicate cluster is
  counted (within each group; in the whole corpus for ``"(all)"``); the hits
  table keeps every document and says which ones were counted.
- **Audit.** One row per entry (and per empty category): hits and
  documents, and the issues: never matched; listed in two categories (or
  twice in one); found inside longer tokens (with those tokens: a character
  search counts them, the token match does not); split by the segmenter;
  removed by its filters (a stop word, a number or a single character); a
  rule term that never occurs; a category with no hit.
- **KWIC.** :func:`coding_kwic` shows the hits of a category or an entry in
  their context (:func:`analysis.stats.kwic.kwic`) and says whether each
  match is a whole token.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from scipy.special import ndtri  # norm.ppf itself, without importing scipy.stats (0.5 s)

from ..core.config import CACHE_DIR, DATA_DIR
from ..core.dates import date_column
from ..core.errors import AnalysisError, check_column, check_number, format_list
from ..core.io import write_text
from ..tokens.segmenter import Segmenter, SegmenterConfig
from .collocations import ALL_GROUPS, SentenceTokens, encode_sentences, one_per_cluster
from .counts import TermCounts, counts_of
from .kwic import kwic
from .overview import FREQS, choose_freq

__all__ = [
    "AUDIT_COLUMNS",
    "DICTIONARIES_DIR",
    "Category",
    "CodingDictionary",
    "Rule",
    "apply_dictionary",
    "coding_kwic",
    "coding_segmenter",
    "dictionary_names",
    "dictionary_parameter",
    "dictionary_path",
    "dictionary_userdict",
    "load_coding_dictionary",
    "methods_text",
    "parse_rule",
    "wilson_interval",
]

DICTIONARIES_DIR: Path = DATA_DIR / "dictionaries"
"""The shipped coding dictionaries, one YAML file each."""
DEFAULT_NEAR = 5
MAX_NEAR = 50
AUDIT_COLUMNS = ("category", "entry", "kind", "hits", "n_docs", "inside_longer",
                 "longer_tokens", "other_categories", "issues")
_OPERATORS = ("AND", "OR", "NOT")
_NEAR = re.compile(r"NEAR(?:/(\d+))?")
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|([^\s()"]+))')
_UNKNOWN = re.compile(r"[A-Z][A-Z0-9/]+|[&|!~^+]+|and|or|not|near(?:/\d+)?")


# -- the dictionary ------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule of a category: its text as written and its parsed form.

    ``tree`` is nested tuples: ``("term", t)``, ``("not", x)``, ``("and", x, y)``,
    ``("or", x, y)``, ``("near", terms_a, terms_b, distance)``.
    """

    text: str
    tree: tuple
    line: int | None = None

    @property
    def terms(self) -> tuple[str, ...]:
        """The terms the rule names, in order of appearance, once each."""
        return tuple(dict.fromkeys(_terms_of(self.tree)))


@dataclass(frozen=True)
class Category:
    """A category: its words, its rules and what it holds."""

    name: str
    words: tuple[str, ...]
    rules: tuple[Rule, ...] = ()
    description: str = ""
    duplicates: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodingDictionary:
    """A coding dictionary: categories of words and rules, read from YAML.

    Its ``str`` names it by content (``sha256``), which keys cached results.
    """

    name: str
    categories: tuple[Category, ...]
    description: str = ""
    path: str | None = None
    near: int = DEFAULT_NEAR
    sha256: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"CodingDictionary({self.name!r}, sha256={self.sha256[:16]})"

    @property
    def words(self) -> tuple[str, ...]:
        """Every word and rule term, once each, in order: what the segmenter must keep whole."""
        found = [w for c in self.categories for w in c.words]
        found += [t for c in self.categories for r in c.rules for t in r.terms]
        return tuple(dict.fromkeys(found))

    def table(self) -> pd.DataFrame:
        """List the entries: category, entry, kind (word or rule), line of a rule."""
        rows = [(c.name, w, "word") for c in self.categories for w in c.words]
        rows += [(c.name, r.text, "rule") for c in self.categories for r in c.rules]
        return pd.DataFrame(rows, columns=["category", "entry", "kind"])


def _terms_of(tree: tuple, *, positive: bool = False) -> list[str]:
    """The terms of a rule (with ``positive``, those outside NOT)."""
    kind = tree[0]
    if kind == "term":
        return [tree[1]]
    if kind == "near":
        return [*tree[1], *tree[2]]
    if kind == "not" and positive:
        return []
    return [t for sub in tree[1:] for t in _terms_of(sub, positive=positive)]


def _normal(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().lower()


def dictionary_names() -> list[str]:
    """Return the names of the shipped coding dictionaries."""
    return sorted(p.stem for p in DICTIONARIES_DIR.glob("*.yaml"))


def dictionary_path(source: str | os.PathLike) -> Path:
    """Return the file of a shipped dictionary name or of a path.

    Raises
    ------
    AnalysisError
        When it is neither a shipped name nor an existing file.
    """
    if isinstance(source, str) and source in dictionary_names():
        return DICTIONARIES_DIR / f"{source}.yaml"
    if isinstance(source, (str, os.PathLike)) and str(source).strip():
        path = Path(source).expanduser()
        if path.is_file():
            return path.resolve()
    raise AnalysisError(f"The 'dictionary' parameter must be one of the shipped dictionaries "
                        f"{dictionary_names()} or the path of a YAML file; got {source!r}.")


def dictionary_parameter(name: str, value: Any) -> Path:
    """Check a notebook's ``dictionary`` parameter (the parameter registry calls it)."""
    try:
        return dictionary_path(value)
    except AnalysisError:
        raise AnalysisError(f"The {name!r} parameter must be one of the shipped dictionaries "
                            f"{dictionary_names()} or the path of a YAML file; "
                            f"got {value!r}.") from None


class _Parser:
    """Parse one rule (recursive descent); errors name the file, line, category and rule."""

    def __init__(self, text: str, where: str, near: int) -> None:
        self.where, self.near, self.text = where, near, text
        self.items: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip():
                    self.fail(f"cannot read {text[pos:]!r}")
                break
            pos = match.end()
            open_, close, quoted, bare = match.groups()
            if open_:
                self.items.append(("(", "("))
            elif close:
                self.items.append((")", ")"))
            elif quoted is not None:
                if not quoted.strip() or len(quoted.split()) != 1:
                    self.fail(f"a quoted term must be one word without spaces; got {quoted!r}")
                self.items.append(("term", _normal(quoted)))
            elif bare in _OPERATORS:
                self.items.append((bare.lower(), bare))
            elif _NEAR.fullmatch(bare):
                self.items.append(("near", bare))
            elif _UNKNOWN.fullmatch(bare):
                self.fail(f"unknown operator {bare!r}; rules use AND, OR, NOT, NEAR and "
                          f"NEAR/n (in capitals) and parentheses; quote a term written in "
                          f"capitals (\"{bare}\")")
            else:
                self.items.append(("term", _normal(bare)))
        self.at = 0

    def fail(self, message: str) -> None:
        raise AnalysisError(f"{self.where}: {message} (rule {self.text!r}).")

    def peek(self) -> str | None:
        return self.items[self.at][0] if self.at < len(self.items) else None

    def take(self) -> tuple[str, str]:
        item = self.items[self.at]
        self.at += 1
        return item

    def parse(self) -> tuple:
        if not self.items:
            self.fail("the rule is empty")
        tree = self.parse_or()
        if self.at < len(self.items):
            kind, value = self.items[self.at]
            before = self.items[self.at - 1][1] if self.at else ""
            self.fail(f"expected an operator (AND, OR, NOT, NEAR) between {before!r} and "
                      f"{value!r}" if kind in ("term", "(") else f"unexpected {value!r}")
        if not _positive(tree):
            self.fail("a rule needs a term outside NOT (NOT alone matches almost every "
                      "sentence)")
        return tree

    def parse_or(self) -> tuple:
        tree = self.parse_and()
        while self.peek() == "or":
            self.take()
            tree = ("or", tree, self.parse_and())
        return tree

    def parse_and(self) -> tuple:
        tree = self.parse_near()
        while self.peek() == "and":
            self.take()
            tree = ("and", tree, self.parse_near())
        return tree

    def parse_near(self) -> tuple:
        tree = self.parse_not()
        while self.peek() == "near":
            _, op = self.take()
            distance = _NEAR.fullmatch(op).group(1)
            n = self.near if distance is None else int(distance)
            if not 1 <= n <= MAX_NEAR:
                self.fail(f"the distance of {op} must be in [1, {MAX_NEAR}] tokens")
            right = self.parse_not()
            tree = ("near", self.near_side(tree, op), self.near_side(right, op), n)
        return tree

    def near_side(self, tree: tuple, op: str) -> tuple[str, ...]:
        if tree[0] == "term":
            return (tree[1],)
        if tree[0] == "or" and all(t[0] == "term" for t in _or_items(tree)):
            return tuple(t[1] for t in _or_items(tree))
        self.fail(f"{op} joins terms or parenthesised OR lists of terms, such as "
                  f"(线上 OR 在线) NEAR 教学")
        raise AssertionError  # pragma: no cover

    def parse_not(self) -> tuple:
        if self.peek() == "not":
            self.take()
            return ("not", self.parse_not())
        return self.parse_atom()

    def parse_atom(self) -> tuple:
        kind = self.peek()
        if kind is None:
            self.fail("the rule ends where a term was expected")
        if kind == "term":
            return ("term", self.take()[1])
        if kind == "(":
            self.take()
            tree = self.parse_or()
            if self.peek() != ")":
                self.fail("a '(' is not closed")
            self.take()
            return tree
        self.fail(f"expected a term or '(' but found {self.items[self.at][1]!r}")
        raise AssertionError  # pragma: no cover


def _or_items(tree: tuple) -> list[tuple]:
    return [*_or_items(tree[1]), *_or_items(tree[2])] if tree[0] == "or" else [tree]


def _positive(tree: tuple) -> bool:
    """Tell whether a rule can only match a sentence holding one of its terms."""
    kind = tree[0]
    if kind in ("term", "near"):
        return True
    if kind == "not":
        return False
    if kind == "and":
        return _positive(tree[1]) or _positive(tree[2])
    return _positive(tree[1]) and _positive(tree[2])


def parse_rule(text: str, *, near: int = DEFAULT_NEAR, where: str = "rule") -> Rule:
    """Parse a rule such as ``(线上 OR 在线) NEAR 教学 AND NOT 会议``.

    Parameters
    ----------
    text : str
        The rule.
    near : int, default 5
        The distance of a bare ``NEAR``, in tokens.
    where : str
        Where the rule comes from, for messages.

    Returns
    -------
    Rule
    """
    if not isinstance(text, str):
        raise AnalysisError(f"{where}: a rule must be a string; got {text!r}.")
    return Rule(text, _Parser(text, where, near).parse())


def _scalar(node: yaml.Node, where: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise AnalysisError(f"{where}, line {node.start_mark.line + 1}: {what} must be a "
                            f"non-empty text; got {_shown(node)}.")
    return str(node.value)


def _shown(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def _items(node: yaml.Node, where: str, what: str) -> list[yaml.Node]:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise AnalysisError(f"{where}, line {node.start_mark.line + 1}: {what} must be a list "
                            f"such as [疫情防控, 联防联控]; got {_shown(node)}.")
    return list(node.value)


def _category(name: str, node: yaml.Node, path: str, near: int) -> Category:
    where = f"{path}, category {name!r}"
    line = node.start_mark.line + 1
    description, word_nodes, rule_nodes = "", [], []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            field_name = _scalar(key, path, "a category field")
            if field_name == "words":
                word_nodes = _items(value, path, f"the words of {name!r}")
            elif field_name == "rules":
                rule_nodes = _items(value, path, f"the rules of {name!r}")
            elif field_name == "description":
                description = _scalar(value, path, f"the description of {name!r}")
            else:
                raise AnalysisError(f"{path}, line {key.start_mark.line + 1}: unknown field "
                                    f"{field_name!r} in category {name!r}; a category has "
                                    f"words, rules and description.")
    else:
        word_nodes = _items(node, path, f"category {name!r}")
    words, duplicates = [], []
    for item in word_nodes:
        word = _normal(_scalar(item, path, f"a word of {name!r}"))
        if len(word.split()) != 1:
            raise AnalysisError(f"{path}, line {item.start_mark.line + 1}: the word {word!r} "
                                f"of category {name!r} holds a space; an entry is one word "
                                f"(write a rule such as 'a NEAR/1 b' for two).")
        (duplicates if word in words else words).append(word)
    rules = []
    for item in rule_nodes:
        text = _scalar(item, path, f"a rule of {name!r}")
        rule = parse_rule(text, near=near, where=f"{path}, line {item.start_mark.line + 1}, "
                                                f"category {name!r}")
        rules.append(Rule(rule.text, rule.tree, item.start_mark.line + 1))
    if not words and not rules:
        raise AnalysisError(f"{where} (line {line}) has no entries: give it words or rules, "
                            f"or remove it.")
    return Category(name, tuple(words), tuple(rules), description, tuple(duplicates))


def load_coding_dictionary(source: str | os.PathLike | CodingDictionary) -> CodingDictionary:
    """Read a coding dictionary: a shipped name or a YAML file.

    Parameters
    ----------
    source : str or path-like
        A name of :func:`dictionary_names` (e.g. ``"covid19-education"``) or a path.

    Returns
    -------
    CodingDictionary

    Raises
    ------
    AnalysisError
        For a file that is missing or not YAML (with its line), a category
        with no entries, an entry with a space, or a rule that cannot be read
        (an unknown operator ...): each message names the file, the line and
        the category.
    """
    if isinstance(source, CodingDictionary):
        return source
    path = dictionary_path(source)
    shown = str(source) if isinstance(source, str) and source in dictionary_names() \
        else str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise AnalysisError(f"{shown}, line {line}: the dictionary is not UTF-8.") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise AnalysisError(f"{shown}{line}: not valid YAML ({problem}).") from None
    if not isinstance(root, yaml.MappingNode):
        raise AnalysisError(f"{shown}: a coding dictionary is a YAML mapping with "
                            f"'categories' (and 'name', 'description', 'near').")
    fields = {_scalar(k, shown, "a field"): (k, v) for k, v in root.value}
    unknown = [k for k in fields if k not in ("name", "description", "near", "categories")]
    if unknown:
        key = fields[unknown[0]][0]
        raise AnalysisError(f"{shown}, line {key.start_mark.line + 1}: unknown field "
                            f"{unknown[0]!r}; a dictionary has name, description, near and "
                            f"categories.")
    near = DEFAULT_NEAR
    if "near" in fields:
        node = fields["near"][1]
        value = _scalar(node, shown, "near")
        if not value.isdigit() or not 1 <= int(value) <= MAX_NEAR:
            raise AnalysisError(f"{shown}, line {node.start_mark.line + 1}: near must be an "
                                f"integer in [1, {MAX_NEAR}]; got {value!r}.")
        near = int(value)
    if "categories" not in fields or not isinstance(fields["categories"][1], yaml.MappingNode):
        raise AnalysisError(f"{shown}: 'categories' must be a mapping of category names to "
                            f"words (a list) or to words and rules.")
    categories = []
    for key, node in fields["categories"][1].value:
        name = _scalar(key, shown, "a category name")
        if name in [c.name for c in categories]:
            raise AnalysisError(f"{shown}, line {key.start_mark.line + 1}: the category "
                                f"{name!r} is defined twice.")
        categories.append(_category(name, node, shown, near))
    if not categories:
        raise AnalysisError(f"{shown}: the dictionary has no category.")
    name = _scalar(fields["name"][1], shown, "name") if "name" in fields else path.stem
    description = _scalar(fields["description"][1], shown, "description") \
        if "description" in fields else ""
    return CodingDictionary(name, tuple(categories), description, str(path), near,
                            hashlib.sha256(raw).hexdigest())


def dictionary_userdict(dictionary: CodingDictionary, *,
                        cache_dir: str | os.PathLike | None = None) -> Path:
    """Write the dictionary's words and rule terms as a jieba user dictionary; return the file.

    The file, ``coding-<name>-<sha>.txt`` in ``cache_dir/dictionaries`` (default
    ``.cache/dictionaries``), is named by the dictionary's content and written
    once (atomically). Words get no frequency: jieba then gives each the
    frequency that keeps it whole.
    """
    folder = (CACHE_DIR if cache_dir is None else Path(cache_dir).expanduser()) / "dictionaries"
    slug = re.sub(r"[^0-9A-Za-z_-]+", "-", dictionary.name).strip("-") or "dictionary"
    path = folder / f"coding-{slug}-{dictionary.sha256[:12]}.txt"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        header = (f"# The words and rule terms of the coding dictionary {dictionary.name!r}\n"
                  f"# ({dictionary.path}), written by analysis.stats.coding so that the\n"
                  f"# segmenter keeps each whole. Generated: edit the dictionary instead.\n")
        write_text(path, header + "".join(f"{w}\n" for w in dictionary.words))
    return path


def coding_segmenter(dictionary: CodingDictionary | str | os.PathLike, *,
                     cache_dir: str | os.PathLike | None = None,
                     config: SegmenterConfig | None = None) -> SegmenterConfig:
    """Return a segmenter configuration that keeps every entry of a dictionary whole.

    Parameters
    ----------
    dictionary : CodingDictionary, str or path-like
        The dictionary (or its name or file).
    cache_dir : path-like, optional
        Where its user dictionary file is written (:func:`dictionary_userdict`).
    config : SegmenterConfig, optional
        The configuration to extend; default ``SegmenterConfig()``.

    Returns
    -------
    SegmenterConfig
        Pass it to ``Study(segmenter=...)``.
    """
    coding = load_coding_dictionary(dictionary)
    base = config or SegmenterConfig()
    return SegmenterConfig(**{**{f: getattr(base, f) for f in base.__dataclass_fields__},
                              "userdict": (*base.userdict,
                                           dictionary_userdict(coding, cache_dir=cache_dir))})


# -- applying it ----------------------------------------------------------------------


def _presence(st: SentenceTokens, codes: Sequence[int]) -> np.ndarray:
    """Return, per sentence, whether it holds one of the codes."""
    out = np.zeros(st.n_sentences, dtype=bool)
    codes = [c for c in codes if c >= 0]
    if codes:
        out[st.sentence[np.isin(st.codes, codes)]] = True
    return out


def _near(st: SentenceTokens, left: list[int], right: list[int], distance: int) -> np.ndarray:
    """Return, per sentence, whether a left and a right term stand within ``distance`` tokens."""
    out = np.zeros(st.n_sentences, dtype=bool)
    left, right = [c for c in left if c >= 0], [c for c in right if c >= 0]
    if not left or not right:
        return out
    ia = np.flatnonzero(np.isin(st.codes, left))
    ib = np.flatnonzero(np.isin(st.codes, right))
    if not len(ia) or not len(ib):
        return out
    for step in (-1, 0, 1):  # the nearest right term before, at and after each left one
        at = np.clip(np.searchsorted(ib, ia) + step, 0, len(ib) - 1)
        other = ib[at]
        ok = (other != ia) & (np.abs(other - ia) <= distance) & \
            (st.sentence[other] == st.sentence[ia])
        out[st.sentence[ia[ok]]] = True
    return out


def _evaluate(tree: tuple, st: SentenceTokens, code: Mapping[str, int]) -> np.ndarray:
    kind = tree[0]
    if kind == "term":
        return _presence(st, [code.get(tree[1], -1)])
    if kind == "near":
        return _near(st, [code.get(t, -1) for t in tree[1]],
                     [code.get(t, -1) for t in tree[2]], tree[3])
    if kind == "not":
        return ~_evaluate(tree[1], st, code)
    left, right = _evaluate(tree[1], st, code), _evaluate(tree[2], st, code)
    return left & right if kind == "and" else left | right


def wilson_interval(k: np.ndarray, n: np.ndarray, ci: float = 0.95
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Return the Wilson score interval of proportions k / n (NaN where n is 0).

    Examples
    --------
    >>> low, high = wilson_interval([3], [10])
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.1078, 0.6032)
    """
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    z = ndtri(0.5 + ci / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def _rates(frame: pd.DataFrame, keys: list[str], categories: list[str], ci: float,
           per: float) -> pd.DataFrame:
    """Rates per category and key (group, period) from per-document hits and tokens."""
    z = ndtri(0.5 + ci / 2)
    rows = []
    for key, part in frame.groupby(keys, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        tokens = part["_tokens"].to_numpy(dtype=float)
        n = len(part)
        for cat in categories:
            hits = part[cat].to_numpy(dtype=float)
            total_t, total_h = tokens.sum(), hits.sum()
            rate = total_h / total_t if total_t else np.nan
            if n > 1 and total_t:
                resid = hits - rate * tokens
                se = np.sqrt((resid ** 2).sum() / (n * (n - 1))) / tokens.mean()
            else:
                se = np.nan
            rows.append((*key, cat, n,
                         int((hits > 0).sum()), int(total_h), int(total_t), rate * per,
                         max(rate - z * se, 0) * per, (rate + z * se) * per))
    table = pd.DataFrame(rows, columns=[*keys, "category", "n_docs", "docs_coded", "hits",
                                        "n_tokens", "rate_per_10k", "rate_low", "rate_high"])
    low, high = wilson_interval(table["docs_coded"], table["n_docs"], ci)
    table.insert(table.columns.get_loc("hits"), "share", table["docs_coded"] / table["n_docs"])
    table.insert(table.columns.get_loc("hits"), "share_low", low)
    table.insert(table.columns.get_loc("hits"), "share_high", high)
    return table


def _ordered(frame: pd.DataFrame, group_col: str) -> pd.DataFrame:
    """Put "(all)" first, then the groups by name; name the group column."""
    order = frame.assign(_first=(frame["_group"] != ALL_GROUPS).astype(int),
                         _name=frame["_group"].astype(str))
    order = order.sort_values(["_first", "_name"], kind="stable")
    return order.drop(columns=["_first", "_name"]).rename(
        columns={"_group": group_col}).reset_index(drop=True)


def _longer_tokens(vocabulary: np.ndarray, totals: np.ndarray, entry: str
                   ) -> list[tuple[str, int]]:
    """Return the tokens that hold the entry inside them, most frequent first."""
    holds = pc.match_substring(pa.array(vocabulary.tolist(), pa.large_string()), entry)
    found = np.flatnonzero(holds.to_numpy(zero_copy_only=False))
    found = [i for i in found if vocabulary[i] != entry and totals[i] > 0]
    return sorted(((str(vocabulary[i]), int(totals[i])) for i in found),
                  key=lambda x: (-x[1], x[0]))


def _audit(coding: CodingDictionary, hits: pd.DataFrame, counts: TermCounts,
           segmenter: Segmenter | None) -> pd.DataFrame:
    """One row per entry with its hits and issues, and one per empty category."""
    totals = np.asarray(counts.matrix.sum(axis=0)).ravel()
    vocab = counts.vocabulary
    by_entry = hits.groupby(["category", "entry", "kind"], sort=False).agg(
        hits=("hits", "sum"), n_docs=("doc_id", "nunique"))
    homes: dict[str, list[str]] = {}
    for cat in coding.categories:
        for word in cat.words:
            homes.setdefault(word, []).append(cat.name)
    split = {}
    if segmenter is not None:
        for word in coding.words:
            pieces = [p.lower() for p in segmenter.raw_cut(word)]
            if pieces != [word]:
                split[word] = pieces
    rows = []
    known = set(counts.vocabulary[totals > 0].tolist())
    for cat in coding.categories:
        for word in cat.words:
            got = by_entry.loc[(cat.name, word, "word")] if (cat.name, word, "word") in \
                by_entry.index else None
            n_hits = 0 if got is None else int(got["hits"])
            longer = _longer_tokens(vocab, totals, word)
            issues = []
            if not n_hits:
                issues.append("never matched")
            others = [c for c in homes[word] if c != cat.name]
            if others:
                issues.append(f"also in {', '.join(others)}")
            if word in cat.duplicates:
                issues.append("listed twice in this category")
            if longer:
                shown = ", ".join(f"{t} ×{n}" for t, n in longer[:3])
                issues.append(f"inside longer tokens ({shown}"
                              + (f", {len(longer) - 3} more" if len(longer) > 3 else "")
                              + "): a character search counts them, this match does not")
            if word in split:
                issues.append(f"split by the segmenter: {'|'.join(split[word])}")
            if segmenter is not None and not segmenter.keep(word):
                issues.append("removed by the segmenter's filters (stop word, number or "
                              "single character)")
            rows.append((cat.name, word, "word", n_hits,
                         0 if got is None else int(got["n_docs"]),
                         sum(n for _, n in longer), "; ".join(f"{t} ×{n}" for t, n in longer[:10]),
                         ", ".join(others), "; ".join(issues)))
        for rule in cat.rules:
            got = by_entry.loc[(cat.name, rule.text, "rule")] if \
                (cat.name, rule.text, "rule") in by_entry.index else None
            issues = [] if got is not None else ["never matched"]
            missing = [t for t in dict.fromkeys(_terms_of(rule.tree, positive=True))
                       if t not in known]
            if missing:
                issues.append(f"term never found: {', '.join(missing)}")
            rows.append((cat.name, rule.text, "rule",
                         0 if got is None else int(got["hits"]),
                         0 if got is None else int(got["n_docs"]), 0, "", "",
                         "; ".join(issues)))
        if not (hits["category"] == cat.name).any():
            rows.append((cat.name, "", "category", 0, 0, 0, "", "",
                         "empty category: no word or rule matched"))
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def apply_dictionary(
    docs: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    group_col: str = "institution",
    dictionary: CodingDictionary | str | os.PathLike = "covid19-education",
    freq: str = "auto",
    ci: float = 0.95,
    clusters: pd.Series | None = None,
    segmenter: Segmenter | None = None,
    date_col: str = "date",
    id_col: str = "doc_id",
    tokens_col: str = "tokens",
) -> dict[str, pd.DataFrame]:
    """Code every document with a dictionary: hits, rates per group and period, and an audit.

    Parameters
    ----------
    docs : pandas.DataFrame
        One row per document with its ``tokens_col`` (space-joined tokens, a
        line break between sentences: :attr:`analysis.run.Study.tokens`),
        the group column and dates.
    counts : TermCounts, optional
        The documents' term counts (words are counted from them); default:
        counted from ``tokens_col``.
    group_col : str, default 'institution'
        The groups; documents with NA there count only in ``"(all)"``.
    dictionary : CodingDictionary, str or path-like, default 'covid19-education'
        The dictionary, a shipped name or a YAML file.
    freq : {'auto', 'D', 'W', 'M', 'Q', 'Y'}, default 'auto'
        The periods of the ``periods`` table (as :func:`analysis.stats.timeline.keyword_timeline`).
    ci : float, default 0.95
        Coverage of the intervals.
    clusters : pandas.Series, optional
        Near-duplicate cluster of each document, by ``id_col``: one document
        of a cluster is counted in the rates.
    segmenter : Segmenter, optional
        The segmenter that made the tokens, for the audit (entries it splits
        or filters out).
    date_col, id_col, tokens_col : str
        Column names.

    Returns
    -------
    dict of pandas.DataFrame
        ``hits``: one row per document, category and entry with a hit
        (``doc_id``, the group, ``date``, ``category``, ``entry``, ``kind``,
        ``hits``, ``counted`` in the rates); ``groups``: per group (and
        ``"(all)"``) and category, ``n_docs``, ``docs_coded``, ``share`` with
        ``share_low``/``share_high``, ``hits``, ``n_tokens``, ``rate_per_10k``
        with ``rate_low``/``rate_high``; ``periods``: the same per period
        (``period``, its first day) and group; ``audit``: one row per entry
        (:data:`AUDIT_COLUMNS`).
    """
    func = "apply_dictionary"
    coding = load_coding_dictionary(dictionary)
    check_number(ci, param="ci", func=func, low=0.5, high=0.999)
    if freq not in (*FREQS, "auto"):
        raise AnalysisError(f"The 'freq' parameter of {func} must be one of "
                            f"{[*FREQS, 'auto']}; got {freq!r}.")
    for col, param in ((group_col, "group_col"), (tokens_col, "tokens_col"),
                       (id_col, "id_col")):
        check_column(docs, col, param=param, func=func)
    dates = date_column(docs, date_col, func=func) if date_col in docs else \
        pd.Series(pd.NaT, index=docs.index)
    counts = counts_of(docs, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    st = encode_sentences(docs[tokens_col])
    code = {t: i for i, t in enumerate(st.vocabulary.tolist())}
    frames = []
    for cat in coding.categories:
        if cat.words:
            where = counts.positions(list(cat.words))
            found = where >= 0
            sub = counts.matrix[:, where[found]].tocoo()
            words = np.array(cat.words, dtype=object)[found]
            frames.append(pd.DataFrame({"_row": sub.row.astype(np.int64), "category": cat.name,
                                        "entry": words[sub.col], "kind": "word",
                                        "hits": sub.data.astype(np.int64)}))
        sentence_rows = st.sentence_rows()
        for rule in cat.rules:
            matched = np.flatnonzero(_evaluate(rule.tree, st, code))
            per_doc = np.bincount(sentence_rows[matched], minlength=len(docs))
            rows = np.flatnonzero(per_doc)
            frames.append(pd.DataFrame({"_row": rows, "category": cat.name, "entry": rule.text,
                                        "kind": "rule", "hits": per_doc[rows]}))
    hits = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {"_row": [], "category": [], "entry": [], "kind": [], "hits": []})
    hits = hits.sort_values(["_row", "category", "kind", "entry"], kind="stable")
    group_keep = one_per_cluster(docs, clusters, group_col=group_col, id_col=id_col, func=func)
    all_keep = one_per_cluster(docs, clusters, id_col=id_col, func=func)
    rows = hits["_row"].to_numpy(dtype=np.int64)
    table = pd.DataFrame({id_col: docs[id_col].to_numpy()[rows],
                          group_col: docs[group_col].to_numpy()[rows]})
    if date_col in docs:
        table["date"] = dates.to_numpy()[rows]
    for col in ("category", "entry", "kind", "hits"):
        table[col] = hits[col].to_numpy()
    table["counted"] = group_keep[rows]
    table["hits"] = table["hits"].astype(np.int64)
    names = [c.name for c in coding.categories]
    per_doc = pd.DataFrame(0, index=np.arange(len(docs)), columns=names, dtype=np.int64)
    if len(hits):
        summed = hits.groupby(["_row", "category"])["hits"].sum().unstack(fill_value=0)
        per_doc.loc[summed.index, summed.columns] = summed.to_numpy()
    per_doc["_tokens"] = counts.totals()
    per_doc["_group"] = docs[group_col].to_numpy()
    freq_used = choose_freq(dates[all_keep]) if freq == "auto" else freq
    per_doc["period"] = dates.dt.to_period(FREQS[freq_used][0]).dt.start_time.to_numpy()
    mine = per_doc[group_keep & docs[group_col].notna().to_numpy()]
    pooled = per_doc[all_keep].assign(_group=ALL_GROUPS)
    groups = _rates(pd.concat([pooled, mine]), ["_group"], names, ci, 10_000)
    dated = pd.concat([pooled, mine])
    dated = dated[dated["period"].notna()]
    periods = _rates(dated, ["_group", "period"], names, ci, 10_000)
    if len(periods):  # every period from the first to the last, empty ones as NaN rates
        every = pd.date_range(periods["period"].min(), periods["period"].max(),
                              freq=FREQS[freq_used][1])
        full = pd.MultiIndex.from_product([list(dict.fromkeys(periods["_group"])), every,
                                           names], names=["_group", "period", "category"])
        periods = periods.set_index(["_group", "period", "category"]).reindex(full)
        for col in ("n_docs", "docs_coded", "hits", "n_tokens"):
            periods[col] = periods[col].fillna(0).astype(np.int64)
        periods = periods.reset_index()
    groups, periods = (_ordered(frame, group_col) for frame in (groups, periods))
    audit = _audit(coding, table.rename(columns={id_col: "doc_id"}), counts, segmenter)
    attrs = {"group_col": group_col, "dictionary": coding.name, "dictionary_path": coding.path,
             "sha256": coding.sha256, "freq": freq_used, "ci": ci, "near": coding.near,
             "categories": names, "reposts_once": clusters is not None,
             "undated": int(dates[all_keep].isna().sum()),
             "n_docs": int(all_keep.sum()), "n_words": len(coding.table().query("kind == 'word'")),
             "n_rules": sum(len(c.rules) for c in coding.categories)}
    out = {"hits": table.reset_index(drop=True), "groups": groups, "periods": periods,
           "audit": audit}
    for frame in out.values():
        frame.attrs = dict(attrs)
    problems = audit[audit["issues"].str.contains("never matched")]
    empty = audit.loc[audit["kind"] == "category", "category"].tolist()
    if len(problems) or empty:
        warnings.warn(f"{func}: {len(problems)} entries of {coding.name!r} never matched "
                      f"(see the audit table): {format_list(problems['entry'], limit=8)}"
                      + (f"; categories with no hit: {format_list(empty)}" if empty else "")
                      + ".", UserWarning, stacklevel=2)
    return out


def coding_kwic(
    docs: pd.DataFrame,
    hits: pd.DataFrame,
    counts: TermCounts | None = None,
    *,
    dictionary: CodingDictionary | str | os.PathLike | None = None,
    category: str | None = None,
    entry: str | None = None,
    window: int = 15,
    max_docs: int = 50,
    segmenter: Segmenter | None = None,
    text_col: str = "text",
    id_col: str = "doc_id",
    tokens_col: str = "tokens",
) -> pd.DataFrame:
    """Show the hits of a category (or of one entry) in their context.

    Parameters
    ----------
    docs : pandas.DataFrame
        The documents coded, with their texts.
    hits : pandas.DataFrame
        The ``hits`` table of :func:`apply_dictionary`.
    counts : TermCounts, optional
        The documents' term counts (to know the longer words an entry hides
        in); default: counted from ``tokens_col``.
    dictionary : CodingDictionary, str or path-like, optional
        Needed to show the hits of rules (their terms); without it, words only.
    category, entry : str, optional
        Which hits: a category, an entry, or both; at least one.
    window : int, default 15
        Characters of context on each side.
    max_docs : int, default 50
        Documents searched per entry (the first, in the hits' order); ask for
        one ``entry`` with a larger value to see all its hits.
    segmenter : Segmenter, optional
        The segmenter that made the tokens: each match is then checked
        against the words of its document (:meth:`Segmenter.words` on the
        documents shown only), so ``whole_token`` is exact; without it, a
        match is whole unless it lies inside a longer token of the corpus.
    text_col, id_col, tokens_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        :func:`analysis.stats.kwic.kwic` rows with ``category``, ``entry``
        (for a rule: the rule, and the term found as ``match``) and
        ``whole_token``: False when the match is not a token of the
        document (印度 inside 印度尼西亚, or 线上 across 战线|上), which this
        dictionary does not count. Terms with Latin letters are found in any case.
    """
    func = "coding_kwic"
    if category is None and entry is None:
        raise AnalysisError(f"{func} needs a 'category' or an 'entry'; got neither.")
    check_number(window, param="window", func=func, low=0, integer=True)
    check_number(max_docs, param="max_docs", func=func, low=1, integer=True)
    for col in ("category", "entry", "kind", id_col):
        check_column(hits, col, param="hits", func=func)
    rules, known = {}, set(hits["category"])
    if dictionary is not None:
        coding = load_coding_dictionary(dictionary)
        rules = {r.text: r for c in coding.categories for r in c.rules}
        known |= {c.name for c in coding.categories}
    if category is not None and category not in known:
        raise AnalysisError(f"The 'category' parameter of {func} must be a category "
                            f"{format_list(sorted(known))}; got {category!r}.")
    chosen = hits if category is None else hits[hits["category"] == category]
    if entry is not None:
        chosen = chosen[chosen["entry"] == entry]
    found_counts = counts_of(docs, counts, tokens_col=tokens_col, id_col=id_col, func=func)
    totals = np.asarray(found_counts.matrix.sum(axis=0)).ravel()
    words: dict[Any, dict[int, int]] = {}
    frames = []
    for (cat, item, kind), part in chosen.groupby(["category", "entry", "kind"], sort=False):
        ids = list(dict.fromkeys(part[id_col]))[:max_docs]
        subset = docs[docs[id_col].isin(ids)]
        texts = dict(zip(subset[id_col], subset[text_col]))
        terms = [item] if kind == "word" else list(rules[item].terms) if item in rules else []
        for term in terms:
            longer = [w for w, _ in _longer_tokens(found_counts.vocabulary, totals, term)]
            wide = max([window, *(len(w) - len(term) for w in longer)])
            pattern = f"(?i){re.escape(term)}" if re.search("[a-z]", term) else term
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                rows = kwic(subset, pattern, window=wide, text_col=text_col, id_col=id_col,
                            regex=pattern != term)
            if segmenter is not None:
                rows["whole_token"] = [_is_word(words, doc, texts[doc], start, len(term),
                                                segmenter)
                                       for doc, start in zip(rows[id_col], rows["offset"])]
            else:
                rows["whole_token"] = [not _inside(left, term, right, longer) for left, right
                                       in zip(rows["left"], rows["right"])]
            rows["left"] = rows["left"].str[-window:] if window else ""
            rows["right"] = rows["right"].str[:window]
            rows.insert(1, "category", cat)
            rows.insert(2, "entry", item)
            frames.append(rows)
    if not frames:
        return pd.DataFrame(columns=[id_col, "category", "entry", "left", "match", "right",
                                     "offset", "whole_token"])
    return pd.concat(frames, ignore_index=True)


def _is_word(words: dict[Any, dict[int, int]], doc: Any, text: str, start: int, length: int,
             segmenter: Segmenter) -> bool:
    """Tell whether text[start:start + length] is one word of the document's cut."""
    if doc not in words:
        bounds, at = {}, 0
        for word in segmenter.words(text if isinstance(text, str) else ""):
            bounds[at] = at + len(word)
            at += len(word)
        words[doc] = bounds
    return words[doc].get(start) == start + length


def _inside(left: str, term: str, right: str, longer: list[str]) -> bool:
    """Tell whether ``term``, between ``left`` and ``right``, is part of one of ``longer``."""
    context, at = left + term + right, len(left)
    for word in longer:
        k = word.find(term)
        while k >= 0:
            if context[at - k:at - k + len(word)] == word and at - k >= 0:
                return True
            k = word.find(term, k + 1)
    return False


def methods_text(record: dict, lang: str = "en") -> str:
    """Describe an :func:`apply_dictionary` run for the methods paragraph.

    Parameters
    ----------
    record : dict
        The options it ran with (``dictionary``, ``freq``, ``ci``).
    lang : {'en', 'zh'}, default 'en'

    Returns
    -------
    str
    """
    coding = record.get("dictionary")
    coding = load_coding_dictionary(coding) if coding is not None else None
    name = coding.name if coding else "a coding dictionary"
    n_cat = len(coding.categories) if coding else 0
    n_words = sum(len(c.words) for c in coding.categories) if coding else 0
    n_rules = sum(len(c.rules) for c in coding.categories) if coding else 0
    near = coding.near if coding else DEFAULT_NEAR
    once = record.get("reposts_once", False)
    ci = round(record.get("ci", 0.95) * 100)
    if lang == "zh":
        return (f"文档以编码词典“{name}”编码（{n_cat}个类目、{n_words}个词条、{n_rules}条规则；"
                f"词条加入分词词典以保持完整，按整词匹配；规则在句内以AND、OR、NOT及NEAR（默认{near}词以内）"
                f"判断）；各组与各时期的类目覆盖率（含该类目的文档比例）附{ci}% Wilson区间，"
                f"每万词命中率附以文档为单位的{ci}%区间"
                + ("；转载文档只计一次" if once else "") + "。")
    return (f"Documents were coded with the dictionary '{name}' ({n_cat} categories, {n_words} "
            f"words and {n_rules} rules; every entry was added to the segmenter's dictionary "
            f"and matched as a whole token; rules were evaluated within sentences with AND, OR, "
            f"NOT and NEAR, within {near} tokens by default); the share of documents coded in "
            f"each category per group and period is given with {ci}% Wilson intervals, and "
            f"hits per 10,000 tokens with {ci}% intervals over documents"
            + ("; near-duplicate documents (reposts) were counted once" if once else "") + ".")
