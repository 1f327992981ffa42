"""A classical blob detector: Laplacian of Gaussian over scales on local contrast.

A crater shows as a bright half and a dark half (the sun lights one wall); the
squared deviation from the local mean turns it into one bright blob of about the
crater's size, which a scale-normalised Laplacian of Gaussian then finds. It works
at half resolution, which is plenty for craters of radius 5 and more.
"""

import numpy as np
from scipy import ndimage

# Blob radii searched, in half-resolution pixels.
RADII = np.geomspace(3.0, 16.0, 8)
# The LoG peak of a crater's contrast blob sits at about 1.15 times its radius.
SCALE_BIAS = 1.15
MAX_PER_IMAGE = 15


def blob_responses(image):
    """Scale-normalised LoG response of the local-contrast map, one layer per radius."""
    small = ndimage.zoom(image.astype(float), 0.5, order=1)
    contrast = ndimage.gaussian_gradient_magnitude(small, 1.0)
    sigmas = RADII / np.sqrt(2.0)
    return np.stack([-(s**2) * ndimage.gaussian_laplace(contrast, s) for s in sigmas])


def find_blobs(responses, threshold):
    """The strongest maxima over space and scale: (response, row, col, radius), full size."""
    peaks = responses == ndimage.maximum_filter(responses, size=(3, 5, 5))
    peaks &= responses > threshold
    blobs = [
        (float(responses[k, r, c]), 2.0 * r, 2.0 * c, 2.0 * RADII[k] / SCALE_BIAS)
        for k, r, c in zip(*np.nonzero(peaks))
    ]
    return sorted(blobs, reverse=True)[:MAX_PER_IMAGE]


class ObjectDetector:
    def fit(self, X, y):
        # Calibrate confidences on the responses at true craters: a typical crater's
        # response maps to confidence 0.5, the default score threshold.
        strengths = []
        for image, craters in zip(X, y):
            if not len(craters):
                continue
            responses = blob_responses(image)
            for row, col, radius in craters:
                k = int(np.argmin(np.abs(RADII - radius * SCALE_BIAS / 2.0)))
                r = int(np.clip(round(row / 2), 0, responses.shape[1] - 1))
                c = int(np.clip(round(col / 2), 0, responses.shape[2] - 1))
                strengths.append(responses[k, r, c])
        self.scale_ = float(np.median(strengths)) if strengths else 1.0
        return self

    def predict(self, X):
        detections = []
        for image in X:
            blobs = find_blobs(blob_responses(image), threshold=0.3 * self.scale_)
            detections.append(
                [(1.0 - 0.5 ** (s / self.scale_), r, c, radius) for s, r, c, radius in blobs]
            )
        return detections
