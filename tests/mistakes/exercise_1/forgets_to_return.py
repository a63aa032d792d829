# mistake: builds the network but never returns it
# id: network.not_returned
# fails: test_builds_the_lesson_network, test_classifier_computes_linear_relu_linear
# feedback: returned None
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    model = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, num_classes))


def count_trainable_parameters(model):
    raise NotImplementedError
