"""Correct: layers in an nn.ModuleList, torch.relu in forward; count with torch.numel and filter."""
import torch
from torch import nn


class TwoLayerNet(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

    def forward(self, x):
        first, last = self.layers
        return last(torch.relu(first(x)))


def build_classifier(in_features=784, hidden=128, num_classes=10):
    return TwoLayerNet([in_features, hidden, num_classes])


def count_trainable_parameters(model):
    trainable = filter(lambda p: p.requires_grad, model.parameters())
    return int(sum(map(torch.numel, trainable)))
