"""The torch image workflow: loading images, fold rows, device choice, train/predict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from problems.kit.torch_device import choose_device
from problems.kit.workflows import take_rows
from problems.kit.workflows.image_classifier import (
    ImageClassifier,
    ImageSet,
    iter_batches,
    load_image,
)

SUBMISSION = """
from torch import nn


class ImageClassifier:
    image_size = 8
    epochs = 3
    batch_size = 4
    learning_rate = 0.05

    def build_model(self, n_classes):
        return nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, n_classes))
"""


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """Red images (class "red") and blue ones ("blue"), of several sizes and formats."""
    for i in range(12):
        colour = (220, 20, 20) if i % 2 == 0 else (20, 20, 220)
        size = (10 + i, 20 - i)
        if i % 3 == 0:
            Image.new("RGBA", size, (*colour, 255)).save(tmp_path / f"img{i}.png")
        else:
            Image.new("RGB", size, colour).save(tmp_path / f"img{i}.jpg")
    return tmp_path


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "image_classifier.py").write_text(SUBMISSION)
    return folder


def labels(n: int) -> np.ndarray:
    return np.array(["red" if i % 2 == 0 else "blue" for i in range(n)], dtype=object)


def test_image_set_rows_follow_fold_indices(image_folder):
    images = ImageSet(str(image_folder), [f"img{i}" for i in range(12)])
    fold = take_rows(images, np.array([3, 5]))
    assert isinstance(fold, ImageSet)
    assert list(fold.ids) == ["img3", "img5"]
    assert fold.path(0).name == "img3.png"
    assert fold.path(1).name == "img5.jpg"


def test_missing_image_names_its_id(image_folder):
    with pytest.raises(FileNotFoundError, match="nope"):
        ImageSet(str(image_folder), ["nope"]).path(0)


def test_rgba_images_become_rgb_over_white(tmp_path):
    pixels = np.zeros((4, 4, 4), dtype=np.uint8)
    pixels[..., 0] = 255  # red
    pixels[:2, ..., 3] = 255  # top half opaque, bottom half transparent
    Image.fromarray(pixels, "RGBA").save(tmp_path / "half.png")
    loaded = load_image(tmp_path / "half.png", size=4)
    assert loaded.shape == (4, 4, 3)
    assert loaded[0, 0].tolist() == [255, 0, 0]
    assert loaded[3, 3].tolist() == [255, 255, 255]


def test_batches_resize_every_image_and_decode_once_with_a_cache(image_folder):
    images = ImageSet(str(image_folder), [f"img{i}" for i in range(12)])
    cache: dict[int, np.ndarray] = {}
    batches = list(iter_batches(images, size=6, batch_size=5, cache=cache))
    assert [len(positions) for positions, _ in batches] == [5, 5, 2]
    assert all(pixels.shape[1:] == (6, 6, 3) for _, pixels in batches)
    assert len(cache) == 12


def test_choose_device_prefers_cuda_when_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_device() == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_device() == torch.device("cpu")


def test_workflow_asks_for_cuda_by_default_when_the_sandbox_has_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    workflow = ImageClassifier(label_names=["red", "blue"])
    assert workflow.device_chooser() == torch.device("cuda")


def test_workflow_moves_model_and_batches_to_the_chosen_device(image_folder, submission):
    chosen = []
    moved_inputs = []

    def chooser() -> torch.device:
        chosen.append(True)
        return torch.device("cpu")

    original_to = torch.Tensor.to

    def recording_to(tensor, *args, **kwargs):
        moved_inputs.append(args[0] if args else kwargs.get("device"))
        return original_to(tensor, *args, **kwargs)

    workflow = ImageClassifier(label_names=["red", "blue"], device_chooser=chooser)
    images = ImageSet(str(image_folder), [f"img{i}" for i in range(12)])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.Tensor, "to", recording_to)
        trained = workflow.train_submission(str(submission), images, labels(12))
    assert chosen == [True]
    assert trained.device == torch.device("cpu")
    assert all(p.device == torch.device("cpu") for p in trained.model.parameters())
    assert moved_inputs and all(torch.device(d) == torch.device("cpu") for d in moved_inputs)


def test_workflow_learns_colours_and_returns_probabilities(image_folder, submission):
    workflow = ImageClassifier(
        label_names=["red", "blue"], device_chooser=lambda: torch.device("cpu")
    )
    images = ImageSet(str(image_folder), [f"img{i}" for i in range(12)])
    trained = workflow.train_submission(str(submission), images, labels(12), train_is=np.arange(8))
    probabilities = workflow.test_submission(trained, images[np.arange(8, 12)])
    assert probabilities.shape == (4, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    # Columns follow label_names: rows 8 and 10 are red, 9 and 11 blue.
    assert probabilities.argmax(axis=1).tolist() == [0, 1, 0, 1]


def test_quick_test_trains_a_single_epoch(image_folder, submission, monkeypatch):
    steps = []
    original_step = torch.optim.AdamW.step

    def counting_step(self, *args, **kwargs):
        steps.append(1)
        return original_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", counting_step)
    monkeypatch.setenv("RAMP_TEST_MODE", "1")
    workflow = ImageClassifier(
        label_names=["red", "blue"], device_chooser=lambda: torch.device("cpu")
    )
    images = ImageSet(str(image_folder), [f"img{i}" for i in range(12)])
    workflow.train_submission(str(submission), images, labels(12))
    assert len(steps) == 3  # 12 images in batches of 4: one epoch, not the submission's 3
