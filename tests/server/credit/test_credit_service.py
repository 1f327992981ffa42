"""Historical contributivity: credit flows back transitively and is conserved."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.credit.service import (
    CreditError,
    historical_contributivity,
    prefill_points,
    validate_points,
)


def test_credit_flows_back_transitively_newest_first() -> None:
    # 3 built on 2 (half), 2 built on 1 (all of it): 3's half reaches 1 through 2.
    result = historical_contributivity(
        contributivity={1: 0.0, 2: 0.0, 3: 1.0},
        credits={3: {2: 0.5}, 2: {1: 1.0}},
        order=[1, 2, 3],
    )
    assert result == pytest.approx({1: 0.5, 2: 0.0, 3: 0.5})


def test_a_submission_without_links_keeps_its_contributivity() -> None:
    result = historical_contributivity(contributivity={1: 0.3, 2: 0.7}, credits={}, order=[1, 2])
    assert result == {1: 0.3, 2: 0.7}


def test_crediting_a_newer_submission_is_refused() -> None:
    with pytest.raises(CreditError, match="not older"):
        historical_contributivity(contributivity={1: 1.0}, credits={1: {2: 0.5}}, order=[1, 2])


def test_points_must_add_up_to_100_and_name_viewed_sources() -> None:
    assert validate_points({None: 70, 4: 30}, submission_id=9, allowed_sources={4}) == {4: 0.3}
    with pytest.raises(CreditError, match="add up to 100"):
        validate_points({None: 70, 4: 20}, submission_id=9, allowed_sources={4})
    with pytest.raises(CreditError, match="neither viewed nor imported"):
        validate_points({None: 70, 5: 30}, submission_id=9, allowed_sources={4})
    with pytest.raises(CreditError, match="itself"):
        validate_points({None: 70, 9: 30}, submission_id=9, allowed_sources={9})
    with pytest.raises(CreditError, match="negative"):
        validate_points({None: 130, 4: -30}, submission_id=9, allowed_sources={4})


def test_prefill_starts_from_the_imported_sources() -> None:
    points = prefill_points(imported=[3, 8, 3])
    assert points == {None: 50, 3: 25, 8: 25}
    assert sum(points.values()) == 100


@st.composite
def credit_histories(draw: st.DrawFn) -> tuple[dict[int, float], dict[int, dict[int, float]]]:
    n = draw(st.integers(1, 12))
    contributivity = {i: draw(st.floats(0, 1)) for i in range(n)}
    credits: dict[int, dict[int, float]] = {}
    for i in range(1, n):
        sources = draw(st.lists(st.integers(0, i - 1), unique=True, max_size=3))
        raw = [draw(st.floats(0, 1)) for _ in sources]
        scale = draw(st.floats(0, 1)) / max(sum(raw), 1.0)
        credits[i] = {s: w * scale for s, w in zip(sources, raw)}
    return contributivity, credits


@settings(max_examples=100, deadline=None)
@given(credit_histories())
def test_historical_contributivity_conserves_the_total(
    history: tuple[dict[int, float], dict[int, dict[int, float]]],
) -> None:
    contributivity, credits = history
    result = historical_contributivity(
        contributivity=contributivity, credits=credits, order=sorted(contributivity)
    )
    assert sum(result.values()) == pytest.approx(sum(contributivity.values()), abs=1e-9)
    assert all(value >= -1e-12 for value in result.values())
    # The oldest submission can only gain: nobody older takes credit from it.
    assert result[0] >= contributivity[0] - 1e-12
