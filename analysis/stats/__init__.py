"""Floor 3, statistics: every one takes the documents and their term counts.

:mod:`.counts` holds the one representation of counts (``TermCounts``) and
its cache; :mod:`.tfidf`, :mod:`.keyness`, :mod:`.timeline`,
:mod:`.similarity` compute from it; :mod:`.duplicates` (reposts),
:mod:`.phrases`, :mod:`.kwic` read the texts; :mod:`.overview` counts
documents; :mod:`.events` reads dated events. Each returns a tidy table whose
group column is named as given and recorded in ``table.attrs["group_col"]``.

``group_col`` is one rule in two places. A function of the documents table
(the first argument, ``docs``) compares the values of that column, default
``"institution"``; documents with no value there are left out with a warning,
except where they are the finding (:func:`documents_per_period` counts them
as "(unknown)", so that a coverage gap shows). Where groups are optional
(near-duplicates, collocations), ``None`` means one set of documents, no
groups. A function of a statistic's table (:func:`top_terms`,
:func:`phrase_summary`, every figure) reads the column the statistic recorded
when ``group_col`` is None, and says so when none is recorded.
"""

from .coding import apply_dictionary, coding_kwic, coding_segmenter, load_coding_dictionary
from .collocations import collocations, multiword_candidates
from .counts import TermCounts, corpus_counts, count_tokens, term_counts
from .duplicates import drop_near_duplicates, duplicate_clusters, near_duplicates
from .cowords import cowords
from .events import load_events
from .keyness import benjamini_hochberg, keyness, log_likelihood, log_ratio
from .kwic import kwic
from .overview import documents_per_period, provenance_table, report_summary
from .phrases import phrase_summary, shared_phrases
from .similarity import (
    bootstrap_similarity,
    group_similarity,
    nearest_neighbours,
    pairs_once,
    similarity_matrix,
)
from .tfidf import tfidf, top_terms, unit_counts
from .timeline import first_appearance, keyword_timeline
from .topics import (
    fit_topics,
    label_topics,
    strongest_contrasts,
    topic_documents,
    topic_sweep,
)

__all__ = ["TermCounts", "benjamini_hochberg", "bootstrap_similarity", "corpus_counts",
           "count_tokens", "documents_per_period", "drop_near_duplicates",
           "duplicate_clusters", "first_appearance", "group_similarity", "keyness",
           "keyword_timeline", "kwic", "load_events", "log_likelihood", "log_ratio",
           "near_duplicates", "nearest_neighbours", "pairs_once", "phrase_summary", "provenance_table",
           "report_summary", "shared_phrases", "similarity_matrix", "term_counts", "tfidf",
           "top_terms", "unit_counts"]
__all__ += ["fit_topics", "label_topics", "strongest_contrasts", "topic_documents",
            "topic_sweep"]
__all__ += ["apply_dictionary", "coding_kwic", "coding_segmenter", "collocations", "cowords",
            "load_coding_dictionary", "multiword_candidates"]
