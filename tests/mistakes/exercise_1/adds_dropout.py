# mistake: adds Dropout between the layers, so the same batch gives different scores each call
# id: network.random
# fails: test_classifier_computes_linear_relu_linear
# feedback: different scores for the same batch
# feedback: Dropout
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    return nn.Sequential(
        nn.Linear(in_features, hidden),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(hidden, num_classes),
    )


def count_trainable_parameters(model):
    raise NotImplementedError
