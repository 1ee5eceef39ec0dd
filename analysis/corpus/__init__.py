"""Floor 1, the corpus: read files and tables into documents with provenance, select them.

``load_corpus`` (:mod:`.load`) reads a folder or a table (:mod:`.textio`,
:mod:`.frontmatter`, :mod:`.document`, :mod:`.dates`, :mod:`.boilerplate`,
:mod:`.institutions`, :mod:`.tables`, :mod:`.sidecar`), keeps it in the corpus
cache (:mod:`.cache`); ``select_documents`` (:mod:`.select`) keeps chosen
institutions and dates; ``corpus_fingerprint`` (:mod:`.fingerprint`) names the
result for the record.
"""

from .cache import CorpusCacheWarning
from .fingerprint import corpus_fingerprint
from .load import DOC_COLUMNS, REPORT_COLUMNS, load_corpus
from .select import select_documents

__all__ = ["DOC_COLUMNS", "REPORT_COLUMNS", "CorpusCacheWarning", "corpus_fingerprint",
           "load_corpus", "select_documents"]
