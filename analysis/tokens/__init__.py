"""Floor 2, tokens: dictionaries, the segmenter and its backends, the token cache, the audit.

:mod:`.dictionary` reads the user dictionary and stop words; :mod:`.backends`
cuts text (rjieba made faithful to jieba, or jieba); :mod:`.segmenter` applies
preprocessing and filters (``Segmenter``, ``SegmenterConfig``) and checks the
dictionary; :mod:`.segment` segments a documents table through the token
cache (:mod:`.cache`) in parallel; :mod:`.audit` shows what the dictionary
changes and which words it misses.
"""

from .audit import AUDIT_COLUMNS, segmentation_audit
from .cache import TokenCacheWarning, clear_token_cache
from .dictionary import (
           DictionaryError,
           DictionaryWarning,
           read_stopwords,
           read_userdict,
)
from .segment import EmptyDocumentsWarning, segment_texts, token_lengths, tokenize
from .segmenter import BACKENDS, Segmenter, SegmenterConfig, check_dictionary

__all__ = ["AUDIT_COLUMNS", "BACKENDS", "DictionaryError", "DictionaryWarning",
           "EmptyDocumentsWarning", "Segmenter", "SegmenterConfig", "TokenCacheWarning",
           "check_dictionary", "clear_token_cache", "read_stopwords", "read_userdict",
           "segment_texts", "segmentation_audit", "token_lengths", "tokenize"]
