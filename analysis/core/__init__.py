"""The floor every other one stands on: paths, errors and checks, atomic writes, dates, engines, the results cache.

Nothing here imports from the other sub-packages of :mod:`analysis`.
"""

from .config import (
                     CACHE_DIR,
                     DATA_DIR,
                     FIGURES_DIR,
                     NOTEBOOKS_DIR,
                     PROJ_ROOT,
                     SEEDS_DIR,
                     VERSION,
)
from .dates import as_date, date_mask
from .engines import ENGINES, check_engine, dask_client, map_batches, shutdown_clients
from .errors import (
                     AnalysisError,
                     CorpusError,
                     EmptyVocabularyError,
                     FontError,
                     check_choice,
                     check_column,
                     check_number,
                     format_list,
)
from .io import write_atomically, write_text
from .store import ResultCacheWarning, ResultStore, result_key

__all__ = ["CACHE_DIR", "DATA_DIR", "ENGINES", "FIGURES_DIR", "NOTEBOOKS_DIR", "PROJ_ROOT",
           "SEEDS_DIR", "VERSION", "AnalysisError", "CorpusError", "EmptyVocabularyError",
           "FontError", "ResultCacheWarning", "ResultStore", "as_date", "check_choice",
           "check_column", "check_engine", "check_number", "dask_client", "date_mask",
           "format_list", "map_batches", "result_key", "shutdown_clients", "write_atomically",
           "write_text"]
