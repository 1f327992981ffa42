"""Detection scores: hand-computed cases, and plain re-implementations on random cases.

The plain versions below match circles by trying every permutation (the scores use
the Hungarian algorithm) and compute IoU from circular segments (the scores use the
sector-and-kite formula), so a shared mistake is unlikely.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from problems.kit.score_types.detection import (
    OSPA,
    SCP,
    DetectionAveragePrecision,
    DetectionPrecision,
    DetectionRecall,
    MADCenter,
    MADRadius,
)


def plain_iou(a, b):
    (y1, x1, r1), (y2, x2, r2) = a, b
    d = math.dist((y1, x1), (y2, x2))
    if d >= r1 + r2:
        inter = 0.0
    elif d <= abs(r1 - r2):
        inter = math.pi * min(r1, r2) ** 2
    else:
        h1 = (d * d + r1 * r1 - r2 * r2) / (2 * d)
        h2 = d - h1
        inter = sum(
            r * r * math.acos(h / r) - h * math.sqrt(r * r - h * h) for r, h in ((r1, h1), (r2, h2))
        )
    return inter / (math.pi * (r1 * r1 + r2 * r2) - inter)


def plain_best_pairs(truths, found):
    """(truth, found, iou) pairs of the assignment with the largest total IoU."""
    if not truths or not found:
        return []
    small, large, swapped = (
        (truths, found, False) if len(truths) <= len(found) else (found, truths, True)
    )
    best, best_total = [], -1.0
    for chosen in itertools.permutations(range(len(large)), len(small)):
        pairs = [(i, j) if not swapped else (j, i) for i, j in enumerate(chosen)]
        scored = [(t, f, plain_iou(truths[t], found[f])) for t, f in pairs]
        total = sum(s[2] for s in scored)
        if total > best_total + 1e-12:
            best, best_total = scored, total
    return best


def inner(circles, margin, size=224):
    return [
        c for c in circles if margin <= c[-3] < size - margin and margin <= c[-2] < size - margin
    ]


def plain_precision_recall(y_true, y_pred, iou_threshold, margin, conf=0.5):
    matched = n_true = n_found = 0
    for truths, detections in zip(y_true, y_pred):
        truths = inner(truths, margin)
        found = [d[1:] for d in inner(detections, margin) if d[0] > conf]
        matched += sum(iou > iou_threshold for *_, iou in plain_best_pairs(truths, found))
        n_true, n_found = n_true + len(truths), n_found + len(found)
    precision = matched / n_found if n_found else float(n_true == 0)
    recall = matched / n_true if n_true else 1.0
    return precision, recall


def plain_ospa(y_true, y_pred, margin, conf=0.5):
    values = []
    for truths, detections in zip(y_true, y_pred):
        truths = inner(truths, margin)
        found = [d[1:] for d in inner(detections, margin) if d[0] > conf]
        m, n = len(truths), len(found)
        if m == n == 0:
            values.append(0.0)
            continue
        cost = sum(1 - iou for *_, iou in plain_best_pairs(truths, found)) + abs(m - n)
        values.append(cost / max(m, n))
    return sum(values) / len(values)


def plain_average_precision(y_true, y_pred, iou_threshold, margin):
    truths_per_image = [inner(t, margin) for t in y_true]
    detections = [inner(d, margin) for d in y_pred]
    n_true = sum(map(len, truths_per_image))
    cut_offs = sorted({d[0] for image in detections for d in image}, reverse=True)
    points = []
    for cut in cut_offs:
        kept = [[d[1:] for d in image if d[0] >= cut] for image in detections]
        matched = sum(
            sum(iou > iou_threshold for *_, iou in plain_best_pairs(t, k))
            for t, k in zip(truths_per_image, kept)
        )
        points.append((matched / n_true, matched / sum(map(len, kept))))
    area, previous_recall = 0.0, 0.0
    for k, (recall, _) in enumerate(points):
        best_precision_from_here = max(p for _, p in points[k:])
        area += (recall - previous_recall) * best_precision_from_here
        previous_recall = recall
    return area


def plain_mad(y_true, y_pred, margin, which, conf=0.5, iou_threshold=0.1):
    deviations = []
    for truths, detections in zip(y_true, y_pred):
        truths = inner(truths, margin)
        found = [d[1:] for d in inner(detections, margin) if d[0] > conf]
        for t, f, iou in plain_best_pairs(truths, found):
            if iou > iou_threshold:
                (ty, tx, tr), (fy, fx, fr) = truths[t], found[f]
                if which == "center":
                    deviations.append(math.hypot(ty - fy, tx - fx) / tr)
                else:
                    deviations.append(abs(tr - fr) / tr)
    return sum(deviations) / len(deviations) if deviations else 1.0


def plain_scp(y_true, y_pred, margin, shape, conf=0.5):
    disagreement = total = 0
    for truths, detections in zip(y_true, y_pred):
        found = [d[1:] for d in detections if d[0] > conf]
        for row in range(margin, shape[0] - margin):
            for col in range(margin, shape[1] - margin):
                a = sum((row - y) ** 2 + (col - x) ** 2 <= r * r for y, x, r in truths)
                b = sum((row - y) ** 2 + (col - x) ** 2 <= r * r for y, x, r in found)
                disagreement += abs(a - b)
                total += a + b
    return disagreement / total if total else 0.0


def random_case(rng, n_images=4, area=40.0, offset=92.0):
    """Crowded random images: circles overlap often, some straddle the scored border."""
    y_true, y_pred = [], []
    for _ in range(n_images):
        truths = [
            (*rng.uniform(offset, offset + area, 2), rng.uniform(3, 12))
            for _ in range(rng.integers(0, 4))
        ]
        found = [
            (rng.uniform(), *rng.uniform(offset, offset + area, 2), rng.uniform(3, 12))
            for _ in range(rng.integers(0, 5))
        ]
        # Some detections are noisy copies of true craters, so matches above 0.5 occur.
        for t in truths:
            if rng.random() < 0.6:
                found.append((rng.uniform(), *(np.asarray(t) + rng.normal(0, 1.5, 3))))
        y_true.append([tuple(map(float, t)) for t in truths])
        y_pred.append([tuple(map(float, d)) for d in found])
    return y_true, y_pred


SEEDS = range(25)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.9])
def test_precision_and_recall_match_plain_implementation(seed, threshold):
    y_true, y_pred = random_case(np.random.default_rng(seed), offset=50.0)
    precision, recall = plain_precision_recall(y_true, y_pred, threshold, margin=56)
    assert DetectionPrecision(iou_threshold=threshold)(y_true, y_pred) == pytest.approx(precision)
    assert DetectionRecall(iou_threshold=threshold)(y_true, y_pred) == pytest.approx(recall)


@pytest.mark.parametrize("seed", SEEDS)
def test_ospa_matches_plain_implementation(seed):
    y_true, y_pred = random_case(np.random.default_rng(seed), offset=50.0)
    assert OSPA()(y_true, y_pred) == pytest.approx(plain_ospa(y_true, y_pred, margin=56))


@pytest.mark.parametrize("seed", SEEDS)
def test_average_precision_matches_plain_implementation(seed):
    rng = np.random.default_rng(seed)
    y_true, y_pred = random_case(rng, offset=50.0)
    while not any(inner(t, 56) for t in y_true):  # AP needs a crater to find
        y_true, y_pred = random_case(rng, offset=50.0)
    expected = plain_average_precision(y_true, y_pred, 0.5, margin=56)
    assert DetectionAveragePrecision()(y_true, y_pred) == pytest.approx(expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_deviations_match_plain_implementation(seed):
    y_true, y_pred = random_case(np.random.default_rng(seed), offset=50.0)
    assert MADCenter()(y_true, y_pred) == pytest.approx(plain_mad(y_true, y_pred, 56, "center"))
    assert MADRadius()(y_true, y_pred) == pytest.approx(plain_mad(y_true, y_pred, 56, "radius"))


@pytest.mark.parametrize("seed", range(8))
def test_scp_matches_pixel_by_pixel_count(seed):
    y_true, y_pred = random_case(np.random.default_rng(seed), n_images=2, area=30.0, offset=0.0)
    score = SCP(margin=5, shape=(30, 30))
    assert score(y_true, y_pred) == pytest.approx(plain_scp(y_true, y_pred, 5, (30, 30)))


# Hand-computed cases (margin 0 unless the margin is what is tested).


def test_perfect_detection_scores_best_everywhere():
    truth = [[(100.0, 100.0, 10.0), (120.0, 140.0, 6.0)], []]
    found = [[(0.9, 100.0, 100.0, 10.0), (0.8, 120.0, 140.0, 6.0)], []]
    assert DetectionAveragePrecision()(truth, found) == 1.0
    assert OSPA()(truth, found) == 0.0
    assert SCP()(truth, found) == 0.0
    assert DetectionPrecision(iou_threshold=0.9)(truth, found) == 1.0
    assert DetectionRecall(iou_threshold=0.9)(truth, found) == 1.0
    assert MADCenter()(truth, found) == 0.0
    assert MADRadius()(truth, found) == 0.0


def test_craters_in_the_border_are_not_scored():
    truth = [[(10.0, 10.0, 5.0), (100.0, 100.0, 5.0)]]
    found = [[(0.9, 100.0, 100.0, 5.0)]]  # the border crater is missed: no matter
    assert DetectionRecall()(truth, found) == 1.0
    assert DetectionRecall(margin=0)(truth, found) == 0.5


def test_precision_and_recall_count_matches_per_iou_threshold():
    # Concentric radii 4 and 5: IoU = 16/25 = 0.64, above 0.5 but not 0.9.
    truth = [[(10.0, 10.0, 5.0), (50.0, 50.0, 5.0)]]
    found = [[(0.9, 10.0, 10.0, 4.0), (0.9, 80.0, 80.0, 5.0), (0.2, 50.0, 50.0, 5.0)]]
    assert DetectionPrecision(iou_threshold=0.5, margin=0)(truth, found) == 0.5
    assert DetectionPrecision(iou_threshold=0.9, margin=0)(truth, found) == 0.0
    assert DetectionRecall(iou_threshold=0.5, margin=0)(truth, found) == 0.5


def test_ospa_on_a_worked_example():
    # Image 1: a match with IoU 0.64 plus a false detection: (0.36 + 1) / 2 = 0.68.
    # Image 2: a missed crater: 1. Image 3: nothing to find, nothing found: 0.
    truth = [[(10.0, 10.0, 5.0)], [(30.0, 30.0, 3.0)], []]
    found = [[(0.9, 10.0, 10.0, 4.0), (0.9, 80.0, 80.0, 5.0)], [], []]
    assert OSPA(margin=0)(truth, found) == pytest.approx((0.68 + 1.0 + 0.0) / 3)


def test_average_precision_on_a_worked_example():
    # Ranked: hit (P=1, R=1/3), miss (1/2, 1/3), hit (2/3, 2/3); the third crater is
    # never found. AP = 1/3 * 1 + 1/3 * 2/3 = 5/9.
    truth = [[(10.0, 10.0, 5.0), (40.0, 40.0, 5.0)], [(20.0, 20.0, 5.0)]]
    found = [[(0.9, 10.0, 10.0, 5.0), (0.5, 40.0, 40.0, 5.0)], [(0.7, 60.0, 60.0, 5.0)]]
    assert DetectionAveragePrecision(margin=0)(truth, found) == pytest.approx(5 / 9)


def test_average_precision_rewards_ranking_true_craters_first():
    truth = [[(10.0, 10.0, 5.0)]]
    good = [[(0.9, 10.0, 10.0, 5.0), (0.1, 60.0, 60.0, 5.0)]]
    bad = [[(0.1, 10.0, 10.0, 5.0), (0.9, 60.0, 60.0, 5.0)]]
    ap = DetectionAveragePrecision(margin=0)
    assert ap(truth, good) == 1.0
    assert ap(truth, bad) == 0.5


def test_mad_on_hand_computed_offsets():
    truth = [[(10.0, 10.0, 4.0), (40.0, 40.0, 10.0)]]
    found = [[(0.9, 10.0, 12.0, 5.0), (0.9, 40.0, 40.0, 9.0)]]
    assert MADCenter(margin=0)(truth, found) == pytest.approx((0.5 + 0.0) / 2)
    assert MADRadius(margin=0)(truth, found) == pytest.approx((0.25 + 0.1) / 2)


def test_scp_counts_half_overlap():
    # Two 1-pixel "circles" (radius 0 covers its own pixel): one shared, one not.
    truth = [[(5.0, 5.0, 0.0), (7.0, 7.0, 0.0)]]
    found = [[(0.9, 5.0, 5.0, 0.0), (0.9, 2.0, 2.0, 0.0)]]
    assert SCP(margin=0, shape=(10, 10))(truth, found) == pytest.approx(2 / 4)


def test_low_confidence_detections_are_dropped_but_ranked_by_ap():
    truth = [[(100.0, 100.0, 10.0)]]
    found = [[(0.3, 100.0, 100.0, 10.0)]]
    assert DetectionRecall()(truth, found) == 0.0
    assert DetectionAveragePrecision()(truth, found) == 1.0


def test_unpredicted_images_are_skipped():
    truth = [[(100.0, 100.0, 10.0)], [(100.0, 100.0, 10.0)]]
    found = [[(0.9, 100.0, 100.0, 10.0)], None]
    assert DetectionRecall()(truth, found) == 1.0
