"""Historical contributivity: credit flows back, newest first, along credit links.

After submitting, a participant who viewed or imported others' code splits 100 points
between their own work and those sources (pre-filled from what they imported, see
:func:`prefill_points`). :func:`historical_contributivity` then processes submissions
from newest to oldest: each one's current credit (its blend contributivity plus what
newer submissions passed to it) is split by its shares; the self share stays, the
source shares are added to the sources' credit. Sources are older, so they are
processed later and pass credit on in turn (transitively). The total is conserved.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

TOTAL_POINTS = 100


class CreditError(ValueError):
    """The credit split is not acceptable; the message says why."""


def prefill_points(*, imported: Sequence[int]) -> dict[int | None, int]:
    """The form's starting split: half to the author's own work, half among imports.

    Keys are source submission ids, ``None`` for the author's own work. Points are
    whole; the remainder of an uneven split goes to the author.

    >>> prefill_points(imported=[7, 9, 11])
    {None: 52, 7: 16, 9: 16, 11: 16}
    >>> prefill_points(imported=[])
    {None: 100}
    """
    sources = list(dict.fromkeys(imported))
    if not sources:
        return {None: TOTAL_POINTS}
    each = (TOTAL_POINTS // 2) // len(sources)
    return {None: TOTAL_POINTS - each * len(sources), **dict.fromkeys(sources, each)}


def validate_points(
    points: Mapping[int | None, float], *, submission_id: int, allowed_sources: Collection[int]
) -> dict[int, float]:
    """Check a submitted split and return the sources' weights (fractions of 1).

    ``points`` maps source ids (``None``: the author's own work) to points that must
    be non-negative and add up to 100; sources must be among ``allowed_sources`` (the
    submissions the author viewed or imported), never the submission itself.

    >>> validate_points({None: 60, 3: 40}, submission_id=5, allowed_sources={3})
    {3: 0.4}
    """
    if any(value < 0 for value in points.values()):
        raise CreditError("Points cannot be negative.")
    if abs(sum(points.values()) - TOTAL_POINTS) > 1e-9:
        raise CreditError(f"Points must add up to {TOTAL_POINTS}, not {sum(points.values()):g}.")
    weights: dict[int, float] = {}
    for source, value in points.items():
        if source is None:
            continue
        if source == submission_id:
            raise CreditError("A submission cannot credit itself; use the own-work share.")
        if source not in allowed_sources:
            raise CreditError(f"Submission {source} was neither viewed nor imported.")
        if value > 0:
            weights[source] = value / TOTAL_POINTS
    return weights


def historical_contributivity(
    *,
    contributivity: Mapping[int, float],
    credits: Mapping[int, Mapping[int, float]],
    order: Sequence[int],
) -> dict[int, float]:
    """Pass credit back along the links; return each submission's historical share.

    Parameters
    ----------
    contributivity : mapping of submission id to float
        Blend contributivity (missing ids count 0).
    credits : mapping of submission id to {source id: weight}
        Weights are fractions of 1 summing to at most 1; the rest is the self share.
    order : sequence of submission ids
        Every submission, oldest first (by submission time).

    Returns
    -------
    dict of submission id to float
        For every id in ``order``; the values add up to the contributivity total.

    Raises
    ------
    CreditError
        When a source is not older than the submission crediting it, or weights are
        negative or add up to more than 1.

    Examples
    --------
    >>> historical_contributivity(
    ...     contributivity={1: 0.2, 2: 0.0, 3: 0.8},
    ...     credits={3: {2: 0.5}, 2: {1: 0.5}},
    ...     order=[1, 2, 3],
    ... )
    {1: 0.4, 2: 0.2, 3: 0.4}
    """
    position = {submission: i for i, submission in enumerate(order)}
    credit = {submission: float(contributivity.get(submission, 0.0)) for submission in order}
    unknown = set(contributivity) - set(position)
    if unknown:
        raise CreditError(
            f"Submissions {sorted(unknown)} have a contributivity but no place in order."
        )
    for submission in reversed(order):
        weights = credits.get(submission, {})
        if any(w < 0 for w in weights.values()) or sum(weights.values()) > 1 + 1e-9:
            raise CreditError(f"Submission {submission}'s credit weights are not a split of 1.")
        share = credit[submission]
        passed = 0.0
        for source, weight in weights.items():
            if position.get(source, len(order)) >= position[submission]:
                raise CreditError(f"Submission {submission} credits {source}, which is not older.")
            credit[source] += share * weight
            passed += share * weight
        credit[submission] = share - passed
    return credit
