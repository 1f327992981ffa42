"""The pollenating insects kit: synthetic images, the real layout, quick-test subset."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from problems.kit import load_kit
from problems.kit.workflows import take_rows

KIT_DIR = Path(__file__).resolve().parents[3] / "problems" / "pollenating_insects"


def load_prepare_data():
    spec = importlib.util.spec_from_file_location("insects_prepare", KIT_DIR / "prepare_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_first_use_draws_a_long_tailed_set_of_varied_images(tmp_path):
    X, y = load_kit(KIT_DIR).get_train_data(tmp_path)
    counts = pd.Series(y).value_counts().sort_index()
    assert list(counts.index) == list(range(18))
    assert counts[0] > 10 * counts[17]  # long tail: class 0 common, class 17 rare
    files = sorted((tmp_path / "data" / "imgs").iterdir())
    suffixes = {f.suffix for f in files}
    assert suffixes == {".jpg", ".png"}
    sizes = {Image.open(f).size for f in files[:40]}
    assert len(sizes) > 10
    assert any(Image.open(f).mode == "RGBA" for f in files if f.suffix == ".png")
    # Every id resolves to a file, also after selecting fold rows.
    fold = take_rows(X, np.arange(0, len(X), 50))
    assert all(fold.path(i).is_file() for i in range(len(fold)))


def test_generation_is_deterministic(tmp_path):
    prepare = load_prepare_data()
    first = np.asarray(prepare.draw_insect(np.random.default_rng(5), 3))
    second = np.asarray(prepare.draw_insect(np.random.default_rng(5), 3))
    assert np.array_equal(first, second)


def test_real_layout_is_copied_and_read(tmp_path):
    source = tmp_path / "real"
    (source / "imgs").mkdir(parents=True)
    for i, colour in enumerate([(255, 0, 0), (0, 0, 255), (0, 255, 0)]):
        Image.new("RGB", (30, 20), colour).save(source / "imgs" / f"{1000 + i}.jpg")
    pd.DataFrame({"id": ["1000", "1001"], "class": [4, 7]}).to_csv(
        source / "train.csv", index=False
    )
    pd.DataFrame({"id": ["1002"], "class": [4]}).to_csv(source / "test.csv", index=False)
    kit_copy = tmp_path / "kit"
    load_prepare_data().copy_real(source, kit_copy / "data")
    X, y = load_kit(KIT_DIR).get_train_data(kit_copy)
    assert list(X.ids) == ["1000", "1001"]
    assert list(y) == [4, 7]
    assert X.path(1).name == "1001.jpg"


def test_quick_test_keeps_a_small_subset(monkeypatch):
    monkeypatch.setenv("RAMP_TEST_MODE", "1")
    kit = load_kit(KIT_DIR)
    X, y = kit.get_train_data()
    assert len(X) == len(y) == 64
    assert len(kit.get_cv(X, y)) == 2
