"""Floor 5, running: the parameter registry, the Study, the methods paragraph, the runner, the CLI."""

from .methods import methods_paragraph
from .params import PARAMETERS, StudyParams, validate_parameters
from .study import Study

__all__ = ["PARAMETERS", "Study", "StudyParams", "methods_paragraph", "validate_parameters"]
