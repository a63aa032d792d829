# mistake: returns the class Classifier itself instead of an instance of it
# id: network.class_returned
# fails: test_builds_the_lesson_network, test_classifier_uses_the_sizes_given
# feedback: returned the class Classifier itself
# feedback: instance
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self, in_features=784, hidden=128, num_classes=10):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def build_classifier(in_features=784, hidden=128, num_classes=10):
    return Classifier


def count_trainable_parameters(model):
    raise NotImplementedError
