"""A small CNN that predicts a crater-centre heat map, radii and sub-cell offsets.

In the manner of CenterNet: at an eighth of the input resolution, each cell says how
likely a crater centre lies in it, the crater's log-radius and where in the cell the
centre sits. Dilated convolutions see up to the largest craters (radius 28 px) at
little cost, so it trains on CPU in minutes (and on the GPU when the sandbox has one).
"""

import numpy as np
import torch
from torch import nn

from problems.kit.data import is_quick_test
from problems.kit.torch_device import choose_device

STRIDE = 8
EPOCHS = 1 if is_quick_test() else 12
# Training sees random 112x112 crops (a quarter of the pixels, so four times faster);
# the network is fully convolutional and predicts whole patches.
CROP = 112
BATCH_SIZE = 16
MAX_PER_IMAGE = 20


def conv(n_in, n_out, *, stride=1, dilation=1):
    return nn.Sequential(
        nn.Conv2d(n_in, n_out, 3, stride=stride, padding=dilation, dilation=dilation),
        nn.BatchNorm2d(n_out),
        nn.ReLU(inplace=True),
    )


class HeatmapNet(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.body = nn.Sequential(
            nn.AvgPool2d(2),  # craters of radius 5 px are still 5 pixels across at half size
            conv(1, 16, stride=2),
            conv(16, width, stride=2),
            *(conv(width, width, dilation=d) for d in (1, 2, 4)),
        )
        # Channels: centre logit, log-radius (in cells), row offset, column offset.
        self.head = nn.Conv2d(width, 4, 1)
        nn.init.constant_(self.head.bias, 0.0)
        self.head.bias.data[0] = -4.0  # start out predicting "no crater" (rare positives)

    def forward(self, images):
        return self.head(self.body(images))


def normalise(images):
    x = torch.as_tensor(np.ascontiguousarray(images), dtype=torch.float32).unsqueeze(1)
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = x.std(dim=(2, 3), keepdim=True) + 1.0
    return (x - mean) / std


def targets(craters_per_image, size):
    """Heat map (Gaussian around each centre), log-radius and offsets, per cell."""
    n = len(craters_per_image)
    heat = np.zeros((n, size, size), np.float32)
    regression = np.zeros((n, 3, size, size), np.float32)
    has_crater = np.zeros((n, size, size), bool)
    cells = np.arange(size)
    for i, craters in enumerate(craters_per_image):
        for row, col, radius in craters:
            r, c = row / STRIDE, col / STRIDE
            sigma = max(0.5, radius / STRIDE / 3)
            blob = np.exp(-((cells[:, None] - r) ** 2 + (cells[None, :] - c) ** 2) / (2 * sigma**2))
            heat[i] = np.maximum(heat[i], blob)
            ri, ci = min(int(r), size - 1), min(int(c), size - 1)
            heat[i, ri, ci] = 1.0
            regression[i, :, ri, ci] = (np.log(radius / STRIDE), r - ri, c - ci)
            has_crater[i, ri, ci] = True
    return torch.from_numpy(heat), torch.from_numpy(regression), torch.from_numpy(has_crater)


def random_crops(images, craters_per_image, generator):
    """A random CROP x CROP window of each image, with the craters centred inside it."""
    crops, kept = [], []
    for image, craters in zip(images, craters_per_image):
        top, left = generator.integers(0, image.shape[0] - CROP + 1, size=2)
        crops.append(image[top : top + CROP, left : left + CROP])
        kept.append(
            [
                (r - top, c - left, rad)
                for r, c, rad in craters
                if top <= r < top + CROP and left <= c < left + CROP
            ]
        )
    return np.stack(crops), kept


def focal_loss(logits, heat):
    """CenterNet's penalty-reduced focal loss, averaged per crater."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    positive = heat >= 1.0
    loss_pos = -((1 - p) ** 2 * torch.log(p))[positive].sum()
    loss_neg = -((1 - heat) ** 4 * p**2 * torch.log(1 - p))[~positive].sum()
    return (loss_pos + loss_neg) / positive.sum().clamp(min=1)


class ObjectDetector:
    def __init__(self):
        self.device = choose_device()
        torch.manual_seed(0)
        self.net = HeatmapNet().to(self.device)

    def fit(self, X, y):
        generator = np.random.default_rng(0)
        optimizer = torch.optim.AdamW(self.net.parameters(), lr=3e-3, weight_decay=1e-4)
        n_steps = EPOCHS * int(np.ceil(len(X) / BATCH_SIZE))
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, 3e-3, total_steps=n_steps)
        size = CROP // STRIDE
        self.net.train()
        for _ in range(EPOCHS):
            order = generator.permutation(len(X))
            for start in range(0, len(X), BATCH_SIZE):
                rows = order[start : start + BATCH_SIZE]
                images, craters = random_crops(X[rows], [y[i] for i in rows], generator)
                if generator.random() < 0.5:  # a mirrored crater is still a crater
                    images = images[:, :, ::-1]
                    craters = [[(r, CROP - 1 - c, rad) for r, c, rad in cs] for cs in craters]
                heat, regression, has_crater = (t.to(self.device) for t in targets(craters, size))
                output = self.net(normalise(images).to(self.device))
                loss = focal_loss(output[:, 0], heat)
                mask = has_crater.unsqueeze(1).expand_as(regression)
                if mask.any():
                    loss = loss + nn.functional.l1_loss(output[:, 1:][mask], regression[mask])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
        return self

    @torch.no_grad()
    def predict(self, X):
        self.net.eval()
        detections = []
        for start in range(0, len(X), BATCH_SIZE):
            output = self.net(normalise(X[start : start + BATCH_SIZE]).to(self.device)).cpu()
            heat = torch.sigmoid(output[:, 0])
            peaks = heat == nn.functional.max_pool2d(heat[:, None], 3, 1, 1)[:, 0]
            for i in range(len(heat)):
                scores = torch.where(peaks[i], heat[i], torch.zeros_like(heat[i]))
                top = torch.topk(scores.flatten(), MAX_PER_IMAGE)
                image = []
                for score, index in zip(top.values.tolist(), top.indices.tolist()):
                    if score < 0.02:
                        break
                    r, c = divmod(index, heat.shape[2])
                    log_radius, d_row, d_col = output[i, 1:, r, c].tolist()
                    image.append(
                        (
                            score,
                            (r + d_row) * STRIDE,
                            (c + d_col) * STRIDE,
                            float(np.exp(log_radius)) * STRIDE,
                        )
                    )
                detections.append(image)
        return detections
