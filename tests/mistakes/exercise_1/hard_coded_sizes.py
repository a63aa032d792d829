# mistake: writes the lesson's sizes into the layers, ignoring the arguments
# id: network.sizes_hard_coded
# fails: test_classifier_uses_the_sizes_given
# feedback: ignores the sizes it is given
import torch
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    model = nn.Sequential(
        nn.Linear(784, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )
    return model


def count_trainable_parameters(model):
    raise NotImplementedError
