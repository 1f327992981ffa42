"""A deeper CNN on 40x40 images with batch norm, global pooling and random flips.

Three convolution blocks see the whole insect (patterns as well as colours); global
average pooling makes it indifferent to where the insect sits; flips and more epochs
make up for the few images of the rare classes.
"""

from torch import nn


def block(n_in, n_out):
    return nn.Sequential(
        nn.Conv2d(n_in, n_out, 3, padding=1),
        nn.BatchNorm2d(n_out),
        nn.ReLU(),
        nn.Conv2d(n_out, n_out, 3, padding=1),
        nn.BatchNorm2d(n_out),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


class ImageClassifier:
    image_size = 40
    epochs = 12
    batch_size = 32
    learning_rate = 3e-3
    flip = True

    def build_model(self, n_classes):
        return nn.Sequential(
            block(3, 16),
            block(16, 32),
            block(32, 64),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(64, n_classes),
        )
