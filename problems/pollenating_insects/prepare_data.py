"""Put the pollenating insects data in place (run this file; it works offline).

Offline by default: draws a seeded synthetic set of insect-like colour images in the
layout of the real data::

    data/imgs/<id>.jpg or <id>.png   images of varied sizes, some RGBA
    data/train.csv, data/test.csv    columns id, class (0..17)

With ``--real PATH`` it copies the real data from a folder in that same layout (an
``imgs/`` folder plus ``train.csv`` and ``test.csv``) instead.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFilter

DATA_DIR = Path(__file__).resolve().parent / "data"
N_CLASSES = 18
SEED = 20170301
# Class c has about LARGEST_CLASS * DECAY**c images: a long tail, as in the real data.
LARGEST_CLASS = 110
DECAY = 0.82
TEST_SHARE = 0.25
# Each class is a body colour and a pattern: 6 colours x 3 patterns.
BODY_COLOURS = [
    (200, 40, 30),
    (230, 180, 20),
    (40, 40, 40),
    (60, 110, 200),
    (60, 160, 60),
    (150, 80, 40),
]
PATTERNS = ("plain", "stripes", "spots")


def class_traits(label: int) -> tuple[tuple[int, int, int], str]:
    return BODY_COLOURS[label % len(BODY_COLOURS)], PATTERNS[label // len(BODY_COLOURS)]


def _jitter(rng: np.random.Generator, colour: tuple[int, int, int], amount: int) -> tuple[int, ...]:
    return tuple(int(np.clip(v + rng.integers(-amount, amount + 1), 0, 255)) for v in colour)


ABDOMEN = (46, 32, 82, 110)


def draw_insect(rng: np.random.Generator, label: int) -> Image.Image:
    """An insect of class ``label`` on a flower-coloured background (RGBA)."""
    canvas = 128  # drawn large, then rotated, placed and resized
    insect = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    draw = ImageDraw.Draw(insect)
    wing = (*_jitter(rng, (220, 220, 235), 20), 150)
    draw.ellipse((30, 30, 62, 58), fill=wing)
    draw.ellipse((66, 30, 98, 58), fill=wing)
    draw.ellipse((54, 18, 74, 36), fill=(*_jitter(rng, (30, 30, 30), 15), 255))
    insect.paste(_abdomen(rng, label, canvas), (0, 0), _abdomen_mask(canvas))
    insect = insect.rotate(float(rng.uniform(0, 360)), resample=Image.Resampling.BILINEAR)
    image = _background(rng, canvas)
    size = int(canvas * rng.uniform(0.6, 1.0))
    offset = (int(rng.integers(0, canvas - size + 1)), int(rng.integers(0, canvas - size + 1)))
    image.alpha_composite(insect.resize((size, size)), dest=offset)
    width, height = (int(v) for v in rng.integers(48, 129, size=2))
    return image.resize((width, height)).filter(ImageFilter.GaussianBlur(0.5))


def _abdomen(rng: np.random.Generator, label: int, canvas: int) -> Image.Image:
    """The class's body colour with its pattern (plain, stripes or spots)."""
    colour, pattern = class_traits(label)
    layer = Image.new("RGBA", (canvas, canvas), (*_jitter(rng, colour, 25), 255))
    draw = ImageDraw.Draw(layer)
    mark = (*_jitter(rng, (15, 15, 15), 10), 255)
    left, top, right, bottom = ABDOMEN
    if pattern == "stripes":
        for y in range(top + 14, bottom, 12):
            draw.rectangle((left, y, right, y + 5), fill=mark)
    elif pattern == "spots":
        for _ in range(4):
            x, y = int(rng.integers(left + 4, right - 12)), int(rng.integers(top + 12, bottom - 14))
            draw.ellipse((x, y, x + 9, y + 9), fill=mark)
    return layer


def _abdomen_mask(canvas: int) -> Image.Image:
    mask = Image.new("L", (canvas, canvas), 0)
    ImageDraw.Draw(mask).ellipse(ABDOMEN, fill=255)
    return mask


def _background(rng: np.random.Generator, size: int) -> Image.Image:
    """A blurred flower: a pastel base with a few large petals."""
    base = _jitter(rng, (200, 190, 160), 50)
    image = Image.new("RGBA", (size, size), (*base, 255))
    draw = ImageDraw.Draw(image)
    petal = _jitter(rng, (230, 200, 220), 30)
    for _ in range(5):
        x, y = (int(v) for v in rng.integers(-30, size, size=2))
        draw.ellipse((x, y, x + 60, y + 40), fill=(*petal, 255))
    return image.filter(ImageFilter.GaussianBlur(3))


def write_synthetic(data_dir: Path = DATA_DIR) -> None:
    """Draw the synthetic images and write ``train.csv`` / ``test.csv``."""
    rng = np.random.default_rng(SEED)
    folder = data_dir / "imgs"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for label in range(N_CLASSES):
        n_images = max(4, round(LARGEST_CLASS * DECAY**label))
        for k in range(n_images):
            image_id = f"{label:02d}{k:04d}"
            image = draw_insect(rng, label)
            # A fifth are RGBA PNGs with a partly transparent border, like cut-out photos.
            if rng.random() < 0.2:
                alpha = Image.new("L", image.size, 255)
                ImageDraw.Draw(alpha).rectangle((0, 0, image.size[0], 6), fill=0)
                image.putalpha(alpha)
                image.save(folder / f"{image_id}.png")
            else:
                image.convert("RGB").save(folder / f"{image_id}.jpg", quality=90)
            rows.append({"id": image_id, "class": label, "test": k % 4 == 3})
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=SEED)
    frame[~frame["test"]][["id", "class"]].to_csv(data_dir / "train.csv", index=False)
    frame[frame["test"]][["id", "class"]].to_csv(data_dir / "test.csv", index=False)


def copy_real(source: Path, data_dir: Path = DATA_DIR) -> None:
    """Copy ``imgs/``, ``train.csv`` and ``test.csv`` from ``source``."""
    for name in ("imgs", "train.csv", "test.csv"):
        if not (source / name).exists():
            raise SystemExit(f"{source} lacks {name} (expected imgs/, train.csv, test.csv).")
    if (data_dir / "imgs").exists():
        shutil.rmtree(data_dir / "imgs")
    shutil.copytree(source / "imgs", data_dir / "imgs")
    for name in ("train.csv", "test.csv"):
        shutil.copyfile(source / name, data_dir / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", type=Path, help="folder holding imgs/, train.csv, test.csv")
    arguments = parser.parse_args()
    if arguments.real:
        copy_real(arguments.real)
    else:
        write_synthetic()


if __name__ == "__main__":
    main()
