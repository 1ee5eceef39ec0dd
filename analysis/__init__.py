"""Comparative text analytics for Chinese documents.

The package is built in floors that follow the data, each importing only from
the floors below it (``tests/test_layers.py`` checks this):

0. :mod:`analysis.core`: paths, errors and checks, atomic writes, dates, engines, results cache;
1. :mod:`analysis.corpus`: loading files and tables with provenance, selection;
2. :mod:`analysis.tokens`: dictionaries, segmentation, the token cache;
3. :mod:`analysis.stats`: the document-term counts and every statistic on them;
4. :mod:`analysis.figures`: figures fit for papers, saved with their data;
5. :mod:`analysis.run`: the Study a notebook makes, the methods paragraph, the runner.

The names researchers call are re-exported here.
"""

from .core.config import VERSION as __version__
from .core.errors import AnalysisError, CorpusError, EmptyVocabularyError
from .corpus import load_corpus, select_documents
from .run import Study
from .stats import (
                    TermCounts,
                    corpus_counts,
                    keyness,
                    keyword_timeline,
                    kwic,
                    term_counts,
                    tfidf,
                    top_terms,
)
from .tokens import (
                    DictionaryError,
                    DictionaryWarning,
                    Segmenter,
                    SegmenterConfig,
                    check_dictionary,
                    segmentation_audit,
                    token_lengths,
                    tokenize,
)

__all__ = [
    "AnalysisError", "CorpusError", "DictionaryError", "DictionaryWarning",
    "EmptyVocabularyError", "Segmenter", "SegmenterConfig", "Study", "TermCounts",
    "__version__", "check_dictionary", "corpus_counts", "keyness", "keyword_timeline", "kwic",
    "load_corpus", "segmentation_audit", "select_documents", "term_counts", "tfidf",
    "token_lengths", "tokenize", "top_terms",
]
