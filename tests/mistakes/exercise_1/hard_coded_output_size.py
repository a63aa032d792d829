# mistake: uses in_features and hidden but keeps 10 output classes written in
# id: network.sizes_hard_coded
# fails: test_classifier_uses_the_sizes_given
# feedback: hard-coded
# feedback: 10
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    return nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def count_trainable_parameters(model):
    raise NotImplementedError
