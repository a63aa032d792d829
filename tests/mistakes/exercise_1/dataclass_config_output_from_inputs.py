# mistake: a dataclass of sizes, but the output layer reads the input size, so it is in_features → num_classes
# id: network.output_layer_size
# fails: test_builds_the_lesson_network
# feedback: Your output layer is not the one this network needs
# feedback: hidden size to the number of classes
from collections import OrderedDict
from dataclasses import dataclass

from torch import nn


@dataclass(frozen=True)
class Sizes:
    inputs: int
    hidden: int
    classes: int


def build_classifier(in_features=784, hidden=128, num_classes=10):
    s = Sizes(in_features, hidden, num_classes)
    return nn.Sequential(OrderedDict(
        fc1=nn.Linear(s.inputs, s.hidden),
        act=nn.ReLU(),
        fc2=nn.Linear(s.inputs, s.classes),
    ))


def count_trainable_parameters(model):
    raise NotImplementedError
