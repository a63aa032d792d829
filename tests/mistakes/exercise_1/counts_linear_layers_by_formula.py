# mistake: counts in*out + out for each nn.Linear, missing BatchNorm's parameters and counting frozen layers
# id: count.linear_only
# fails: test_buffers_are_not_parameters
# feedback: Linear layers only
# feedback: BatchNorm's weight and bias are parameters too
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    total = 0
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            total += layer.in_features * layer.out_features + layer.out_features
    return total
