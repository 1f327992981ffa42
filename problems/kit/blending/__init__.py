"""Blending: greedy ensembles of submissions, contributivity and combined scores.

>>> from problems.kit.blending import Blender, SubmissionOutput, blend

See :class:`Blender` (incremental) and :func:`blend` (one shot).
"""

from .blender import ArrayOrLoader, Blender, BlendResult, SubmissionOutput, blend
from .selection import FoldSelection, select_generic

__all__ = [
    "ArrayOrLoader",
    "BlendResult",
    "Blender",
    "FoldSelection",
    "SubmissionOutput",
    "blend",
    "select_generic",
]
