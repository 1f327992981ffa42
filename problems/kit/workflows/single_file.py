"""Workflows whose submission is one file: the shared naming and training."""

from __future__ import annotations

from typing import Any, ClassVar

from .importing import import_element, take_rows


class SingleFileWorkflow:
    """A submission file ``<element_name>.py`` defining class ``model_class``.

    ``train_submission`` instantiates that class and calls ``fit`` on the training
    rows; subclasses say how to predict.

    Parameters
    ----------
    element_name : str
        The submission file, without ``.py``.
    """

    model_class: ClassVar[str]

    def __init__(self, *, element_name: str) -> None:
        self.element_name = element_name

    @property
    def element_names(self) -> list[str]:
        return [self.element_name]

    def train_submission(self, module_path: str, X: Any, y: Any, train_is: Any = None) -> Any:
        model = getattr(import_element(module_path, self.element_name), self.model_class)()
        model.fit(take_rows(X, train_is), take_rows(y, train_is))
        return model
