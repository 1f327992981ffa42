"""The image-classification workflow: images on disk, a torch model from the submission.

``X`` is an :class:`ImageSet` (a folder and image ids); the workflow decodes images in
batches, resizes them to the submission's ``image_size``, drops any alpha channel,
normalises them and, when training, flips them at random. The submission's
``image_classifier.py`` only builds the network::

    class ImageClassifier:
        image_size = 32      # pixels (square); optional, like the settings below
        epochs = 5
        batch_size = 32
        learning_rate = 1e-3
        flip = True          # random horizontal flips while training

        def build_model(self, n_classes):
            return torch.nn.Sequential(...)   # images (n, 3, size, size) -> logits

The model trains on the device :func:`problems.kit.torch_device.choose_device` picks
(the GPU when the sandbox grants one). torch is imported only when training, so the
module imports without it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..data import is_quick_test
from ..torch_device import DeviceChooser, choose_device
from .importing import import_element, take_rows

if TYPE_CHECKING:
    import torch

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
# Per-channel statistics of natural photographs (ImageNet), the usual normalisation.
CHANNEL_MEAN = (0.485, 0.456, 0.406)
CHANNEL_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ImageSet:
    """Images addressed by id in a folder: ``<folder>/<id>.jpg`` (or ``.jpeg``, ``.png``).

    Rows are selected like an array's (``image_set[rows]``), so fold indices and
    ``take_rows`` work on it.

    Examples
    --------
    >>> images = ImageSet("data/imgs", ["a", "b", "c"])
    >>> len(images), list(images[[2, 0]].ids)
    (3, ['c', 'a'])
    """

    folder: str
    ids: NDArray[Any] = field(default_factory=lambda: np.empty(0, dtype=object))

    def __post_init__(self) -> None:
        ids = np.empty(len(self.ids), dtype=object)
        ids[:] = [str(i) for i in self.ids]
        object.__setattr__(self, "ids", ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, rows: Any) -> ImageSet:
        return ImageSet(self.folder, np.atleast_1d(self.ids[rows]))

    def path(self, position: int) -> Path:
        """The file of the image at ``position``; raises ``FileNotFoundError`` if absent."""
        stem = Path(self.folder) / str(self.ids[position])
        for extension in ("", *IMAGE_EXTENSIONS):
            candidate = stem.with_name(stem.name + extension)
            if candidate.is_file():
                return candidate
        raise FileNotFoundError(f"No image file for id {self.ids[position]!r} in {self.folder}.")


def load_image(path: str | Path, *, size: int) -> NDArray[np.uint8]:
    """Decode an image as RGB ``(size, size, 3)``; transparency is laid over white.

    Examples
    --------
    >>> import tempfile
    >>> from PIL import Image
    >>> file = tempfile.NamedTemporaryFile(suffix=".png", delete=False).name
    >>> Image.new("RGBA", (40, 20), (255, 0, 0, 0)).save(file)
    >>> load_image(file, size=8)[0, 0].tolist()  # fully transparent: white
    [255, 255, 255]
    """
    from PIL import Image

    with Image.open(path) as opened:
        image = opened.convert("RGBA") if opened.mode in ("RGBA", "LA", "P") else opened
        if image.mode == "RGBA":
            background = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(background, image)
        rgb = image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
        return np.asarray(rgb, dtype=np.uint8)


def to_tensor(images: NDArray[np.uint8]) -> torch.Tensor:
    """``(n, h, w, 3)`` uint8 images as a normalised float ``(n, 3, h, w)`` tensor."""
    import torch

    pixels = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255
    mean = torch.tensor(CHANNEL_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CHANNEL_STD).view(1, 3, 1, 1)
    return (pixels - mean) / std


def iter_batches(
    images: ImageSet,
    *,
    size: int,
    batch_size: int,
    order: Sequence[int] | NDArray[np.intp] | None = None,
    cache: dict[int, NDArray[np.uint8]] | None = None,
) -> Iterator[tuple[NDArray[np.intp], NDArray[np.uint8]]]:
    """Yield ``(positions, images)`` batches, decoding each image once when ``cache`` is given."""
    positions = np.arange(len(images)) if order is None else np.asarray(order)
    for start in range(0, len(positions), batch_size):
        batch = positions[start : start + batch_size]
        decoded = []
        for position in batch:
            key = int(position)
            if cache is not None and key in cache:
                decoded.append(cache[key])
                continue
            pixels = load_image(images.path(key), size=size)
            if cache is not None:
                cache[key] = pixels
            decoded.append(pixels)
        yield batch, np.stack(decoded)


@dataclass
class TrainedImageClassifier:
    """A trained network with what prediction needs (size, batch size, device)."""

    model: Any
    image_size: int
    batch_size: int
    device: Any


class ImageClassifier:
    """Train the network built by the submission's ``ImageClassifier.build_model``.

    Parameters
    ----------
    label_names : sequence
        The classes, in the order of the kit's ``Predictions`` columns.
    element_name : str
        The submission file, without ``.py``.
    device_chooser : callable
        Returns the torch device to train and predict on; ``choose_device`` (CUDA when
        available) by default. Tests inject their own.
    seed : int
        Seeds torch and the batch order, so a training run can be repeated.

    Examples
    --------
    >>> ImageClassifier(label_names=["bee", "fly"]).element_names
    ['image_classifier']
    """

    def __init__(
        self,
        *,
        label_names: Sequence[Any],
        element_name: str = "image_classifier",
        device_chooser: DeviceChooser = choose_device,
        seed: int = 0,
    ) -> None:
        self.label_names = tuple(label_names)
        self.element_name = element_name
        self.device_chooser = device_chooser
        self.seed = seed

    @property
    def element_names(self) -> list[str]:
        return [self.element_name]

    def _label_positions(self, y: Any) -> NDArray[np.intp]:
        label_type = type(self.label_names[0])
        positions = {label: i for i, label in enumerate(self.label_names)}
        return np.array([positions[label_type(label)] for label in np.asarray(y)], dtype=np.intp)

    def train_submission(
        self, module_path: str, X: ImageSet, y: Any, train_is: Any = None
    ) -> TrainedImageClassifier:
        import torch

        spec = import_element(module_path, self.element_name).ImageClassifier()
        size = int(getattr(spec, "image_size", 32))
        batch_size = int(getattr(spec, "batch_size", 32))
        # --quick-test checks that the submission runs, not how well it learns.
        epochs = 1 if is_quick_test() else int(getattr(spec, "epochs", 5))
        flip = bool(getattr(spec, "flip", True))
        images, labels = take_rows(X, train_is), self._label_positions(take_rows(y, train_is))

        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        device = torch.device(self.device_chooser())
        model = spec.build_model(len(self.label_names)).to(device)
        optimizer = torch.optim.AdamW(
            model.parameters(), lr=float(getattr(spec, "learning_rate", 1e-3))
        )
        loss_function = torch.nn.CrossEntropyLoss()
        cache: dict[int, NDArray[np.uint8]] = {}
        model.train()
        for _ in range(epochs):
            order = rng.permutation(len(images))
            for batch, pixels in iter_batches(
                images, size=size, batch_size=batch_size, order=order, cache=cache
            ):
                if flip:
                    flipped = rng.random(len(pixels)) < 0.5
                    pixels = pixels.copy()
                    pixels[flipped] = pixels[flipped, :, ::-1]
                inputs = to_tensor(pixels).to(device)
                targets = torch.as_tensor(labels[batch], device=device)
                optimizer.zero_grad()
                loss = loss_function(model(inputs), targets)
                loss.backward()
                optimizer.step()
        return TrainedImageClassifier(model, size, batch_size, device)

    def test_submission(self, trained_model: TrainedImageClassifier, X: ImageSet) -> Any:
        import torch

        model = trained_model.model
        model.eval()
        probabilities = []
        with torch.no_grad():
            for _, pixels in iter_batches(
                X, size=trained_model.image_size, batch_size=trained_model.batch_size
            ):
                logits = model(to_tensor(pixels).to(trained_model.device))
                probabilities.append(torch.softmax(logits, dim=1).cpu().double().numpy())
        if not probabilities:
            return np.zeros((0, len(self.label_names)))
        return np.concatenate(probabilities)
