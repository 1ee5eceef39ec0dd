"""Comparative text analytics for Chinese documents.

The main entry points are re-exported here; each lives in a module of its own.
"""

from .corpus import load_corpus
from .errors import AnalysisError, CorpusError, EmptyVocabularyError

__version__ = "0.1.0"
__all__ = ["load_corpus", "AnalysisError", "CorpusError", "EmptyVocabularyError", "__version__"]
