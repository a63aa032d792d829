# mistake: puts a ReLU after the output layer too, so no score can be negative
# id: network.relu_output
# fails: test_classifier_computes_linear_relu_linear
# feedback: ReLU after the last Linear layer
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    layers = []
    for n_in, n_out in [(in_features, hidden), (hidden, num_classes)]:
        layers.append(nn.Linear(n_in, n_out))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def count_trainable_parameters(model):
    raise NotImplementedError
