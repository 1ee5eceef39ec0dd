"""Shared fixtures: the seed corpus, the shared corpus (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.core.config import PROJ_ROOT, SEEDS_DIR

SHARED_CORPUS = PROJ_ROOT.parent / "shared" / "corpora" / "univ-news-2019"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seeds_loaded():
    """Load the seed corpus once, with its report."""
    from analysis import load_corpus

    return load_corpus(SEEDS_DIR, return_report=True)


@pytest.fixture(scope="session")
def seed_docs(seeds_loaded):
    """The seed documents, indexed by the 3-digit prefix of doc_id."""
    docs, _ = seeds_loaded
    return docs.set_index(docs["doc_id"].str[:3])


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """Path of ../shared/corpora/univ-news-2019, or skip."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip("../shared/corpora/univ-news-2019 is absent")
    return SHARED_CORPUS
