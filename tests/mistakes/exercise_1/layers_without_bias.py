# mistake: builds the layers with bias=False, so 138 of the lesson's 101,770 parameters are missing
# id: network.no_bias
# fails: test_builds_the_lesson_network
# feedback: no biases
# feedback: 101,632
# feedback: bias=False
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    return nn.Sequential(
        nn.Linear(in_features, hidden, bias=False),
        nn.ReLU(),
        nn.Linear(hidden, num_classes, bias=False),
    )


def count_trainable_parameters(model):
    raise NotImplementedError
