"""A small CNN on 32x32 images: two convolution blocks and a linear layer."""

from torch import nn


class ImageClassifier:
    image_size = 32
    epochs = 6
    batch_size = 32
    learning_rate = 2e-3
    flip = False

    def build_model(self, n_classes):
        return nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 8 * 8, n_classes),
        )
