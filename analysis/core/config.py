"""Project paths, built from one root found from this file.

Every path the package uses by default derives from :data:`PROJ_ROOT`, so a
notebook or a script works from any working directory.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PROJ_ROOT", "SEEDS_DIR", "FIGURES_DIR", "LAB_FIGURES_DIR", "CACHE_DIR", "NOTEBOOKS_DIR",
           "DATA_DIR", "VERSION"]

VERSION = "0.1.0"
"""The version of the package (also ``analysis.__version__``)."""

PROJ_ROOT: Path = Path(__file__).resolve().parents[2]
SEEDS_DIR: Path = PROJ_ROOT / "seeds"
FIGURES_DIR: Path = PROJ_ROOT / "figures"
LAB_FIGURES_DIR: Path = FIGURES_DIR / "lab"
"""Where a notebook run by hand (JupyterLab) writes by default: ignored by git."""
CACHE_DIR: Path = PROJ_ROOT / ".cache"
NOTEBOOKS_DIR: Path = PROJ_ROOT / "notebooks"
DATA_DIR: Path = Path(__file__).resolve().parents[1] / "data"
