"""Comparative text analytics for Chinese documents.

The main entry points are re-exported here; each lives in a module of its own:
corpus loading (:mod:`analysis.corpus`), segmentation (:mod:`analysis.tokens`),
term statistics (:mod:`analysis.tfidf`, :mod:`analysis.keyness`,
:mod:`analysis.kwic`), sparse counts for big corpora (:mod:`analysis.counts`).
"""

from .corpus import load_corpus
from .counts import TermCounts, corpus_counts
from .dictionary import DictionaryError, DictionaryWarning, check_dictionary, segmentation_audit
from .errors import AnalysisError, CorpusError, EmptyVocabularyError
from .keyness import keyness
from .kwic import kwic
from .tfidf import count_matrix, tfidf, top_terms
from .tokens import Segmenter, SegmenterConfig, token_lengths, tokenize

__version__ = "0.1.0"
__all__ = [
    "AnalysisError", "CorpusError", "DictionaryError", "DictionaryWarning",
    "EmptyVocabularyError", "Segmenter", "SegmenterConfig", "TermCounts", "__version__",
    "check_dictionary", "corpus_counts", "count_matrix", "keyness", "kwic", "load_corpus",
    "segmentation_audit", "tfidf", "token_lengths",
    "tokenize", "top_terms",
]
