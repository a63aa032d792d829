"""Exercise 1: Counting parameters (reference solution)."""

from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    """Build and return a new network: Linear → ReLU → Linear."""
    return nn.Sequential(
        nn.Linear(in_features, hidden),   # (B, in_features) -> (B, hidden)
        nn.ReLU(),
        nn.Linear(hidden, num_classes),   # (B, hidden) -> (B, num_classes): raw scores
    )


def count_trainable_parameters(model):
    """Return how many numbers in `model` training can change, as a Python int."""
    # parameters() lists a shared parameter once and never lists buffers.
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
