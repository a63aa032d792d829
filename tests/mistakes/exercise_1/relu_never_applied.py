# mistake: defines a ReLU in __init__ but forward never applies it, so the network is linear
# id: network.no_relu
# fails: test_classifier_computes_linear_relu_linear
# feedback: straight line
# feedback: ReLU between the two layers is missing
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self, in_features, hidden, num_classes):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden, num_classes)

    def forward(self, x):
        x = self.fc1(x)
        return self.fc2(x)


def build_classifier(in_features=784, hidden=128, num_classes=10):
    return Classifier(in_features, hidden, num_classes)


def count_trainable_parameters(model):
    raise NotImplementedError
