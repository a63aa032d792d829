# mistake: bends the hidden layer with a sigmoid instead of the ReLU the exercise asks for
# id: network.wrong_activation
# fails: test_classifier_computes_linear_relu_linear
# feedback: sigmoid instead of a ReLU
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    return nn.Sequential(nn.Linear(in_features, hidden), nn.Sigmoid(), nn.Linear(hidden, num_classes))


def count_trainable_parameters(model):
    raise NotImplementedError
