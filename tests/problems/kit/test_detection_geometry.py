"""Circle IoU and Hungarian matching, against hand-computed values and brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from problems.kit.score_types.detection.geometry import (
    circle_intersection_area,
    circle_iou,
    in_inner_patch,
    match_circles,
)


def lens_area_by_segments(a, b):
    """Intersection of two discs as the sum of two circular segments (another formula)."""
    (y1, x1, r1), (y2, x2, r2) = a, b
    d = math.dist((y1, x1), (y2, x2))
    if d >= r1 + r2:
        return 0.0
    if d <= abs(r1 - r2):
        return math.pi * min(r1, r2) ** 2
    chord_from_1 = (d * d + r1 * r1 - r2 * r2) / (2 * d)
    chord_from_2 = d - chord_from_1

    def segment(r, h):
        return r * r * math.acos(h / r) - h * math.sqrt(r * r - h * h)

    return segment(r1, chord_from_1) + segment(r2, chord_from_2)


def brute_force_assignment(truths, predicted):
    """The assignment maximising the summed IoU, by trying every permutation."""
    if not truths or not predicted:
        return []
    best, best_total = [], -1.0
    if len(truths) <= len(predicted):
        for columns in itertools.permutations(range(len(predicted)), len(truths)):
            pairs = [(i, j, circle_iou(truths[i], predicted[j])) for i, j in enumerate(columns)]
            total = sum(iou for *_, iou in pairs)
            if total > best_total + 1e-12:
                best, best_total = pairs, total
    else:
        for rows in itertools.permutations(range(len(truths)), len(predicted)):
            pairs = [(i, j, circle_iou(truths[i], predicted[j])) for j, i in enumerate(rows)]
            total = sum(iou for *_, iou in pairs)
            if total > best_total + 1e-12:
                best, best_total = pairs, total
    return best


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 3), (0, 0, 3), 1.0),  # the same circle
        ((0, 0, 2), (0, 0, 1), 0.25),  # concentric: ratio of areas
        ((0, 0, 1), (0, 2, 1), 0.0),  # tangent from outside
        ((0, 0, 1), (5, 5, 2), 0.0),  # far apart
        # Two unit circles one radius apart: the lens is 2*pi/3 - sqrt(3)/2.
        (
            (0, 0, 1),
            (0, 1, 1),
            (2 * math.pi / 3 - math.sqrt(3) / 2)
            / (2 * math.pi - (2 * math.pi / 3 - math.sqrt(3) / 2)),
        ),
    ],
)
def test_iou_of_hand_computed_cases(a, b, expected):
    assert circle_iou(a, b) == pytest.approx(expected)
    assert circle_iou(b, a) == pytest.approx(expected)


def test_intersection_of_unit_circles_one_radius_apart():
    assert circle_intersection_area((3, 4, 1), (4, 4, 1)) == pytest.approx(
        2 * math.pi / 3 - math.sqrt(3) / 2
    )


def test_intersection_matches_the_segment_formula_on_random_circles():
    rng = np.random.default_rng(0)
    for _ in range(500):
        a = (*rng.uniform(0, 10, 2), rng.uniform(0.5, 6))
        b = (*rng.uniform(0, 10, 2), rng.uniform(0.5, 6))
        assert circle_intersection_area(a, b) == pytest.approx(
            lens_area_by_segments(a, b), abs=1e-9
        )


def test_matching_pairs_each_crater_with_its_best_partner():
    truths = [(10, 10, 5), (40, 40, 5)]
    predicted = [(40, 41, 5), (50, 50, 3), (10, 10, 5)]
    pairs = {(t, p) for t, p, _ in match_circles(truths, predicted)}
    assert pairs == {(0, 2), (1, 0)}


def test_matching_maximises_total_iou_like_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(60):
        truths = [(*rng.uniform(0, 20, 2), rng.uniform(2, 8)) for _ in range(rng.integers(0, 5))]
        predicted = [(*rng.uniform(0, 20, 2), rng.uniform(2, 8)) for _ in range(rng.integers(0, 5))]
        ours = sum(iou for *_, iou in match_circles(truths, predicted))
        theirs = sum(iou for *_, iou in brute_force_assignment(truths, predicted))
        assert ours == pytest.approx(theirs)


def test_inner_patch_excludes_a_56_pixel_border():
    assert in_inner_patch(56, 167.9)
    assert not in_inner_patch(55.9, 100)
    assert not in_inner_patch(100, 168)
