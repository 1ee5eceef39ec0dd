"""environment.yml (conda users) must mirror pyproject.toml (pip users)."""

from __future__ import annotations

import re
import tomllib

import yaml

from analysis.core.config import PROJ_ROOT


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_installs_the_project_with_its_test_extra():
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert "-e .[test]" in pip


def test_environment_python_matches_requires_python():
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    minimum = project["requires-python"].removeprefix(">=")
    assert python.split("=", 1)[1] >= minimum


def test_no_conda_package_outside_pyproject():
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    declared |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pip_names = {_name(p) for p in pip if not p.startswith("-")}
    assert conda | pip_names <= declared, f"not in pyproject.toml: {(conda | pip_names) - declared}"


def test_jieba_is_pinned_exactly():
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    jieba = [r for r in project["dependencies"] if _name(r) == "jieba"]
    assert jieba and re.fullmatch(r"jieba==\d+(\.\d+)+", jieba[0].replace(" ", ""))


def test_every_data_file_is_installed_with_the_package():
    """A non-editable install carries every file under analysis/data (package-data globs)."""
    from fnmatch import fnmatch

    pyproject = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["analysis"]
    data = PROJ_ROOT / "analysis"
    files = [p.relative_to(data).as_posix() for p in (data / "data").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    # a '*' of setuptools' globs does not cross '/'
    missed = [f for f in files if not any(fnmatch(f, pat) and f.count("/") == pat.count("/")
                                          for pat in patterns)]
    assert files and not missed, f"add to [tool.setuptools.package-data]: {missed}"
