"""Which torch device a submission trains on: the GPU when the sandbox grants one.

torch is imported lazily, so ``problems.kit`` stays importable where torch is not
installed (only the torch kits need it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DeviceChooser = Callable[[], "torch.device"]
"""A function returning the device to use; workflows take one so tests can inject it."""


def choose_device(*, cuda_available: Callable[[], bool] | None = None) -> torch.device:
    """``cuda`` when a CUDA GPU is visible, else ``cpu``.

    Parameters
    ----------
    cuda_available : callable, optional
        Tells whether CUDA can be used; ``torch.cuda.is_available`` by default (it is
        looked up at call time, so patching it works).

    Examples
    --------
    >>> choose_device(cuda_available=lambda: False)
    device(type='cpu')
    >>> choose_device(cuda_available=lambda: True)
    device(type='cuda')
    """
    import torch

    available = cuda_available() if cuda_available is not None else torch.cuda.is_available()
    return torch.device("cuda" if available else "cpu")
