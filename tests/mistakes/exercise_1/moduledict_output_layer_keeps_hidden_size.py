# mistake: layers in an nn.ModuleDict whose output layer maps hidden → hidden instead of hidden → num_classes
# id: network.output_layer_size
# fails: test_builds_the_lesson_network, test_classifier_uses_the_sizes_given
# feedback: Your output layer is not the one this network needs
# feedback: 10 scores, one per class
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, in_features, hidden, num_classes):
        super().__init__()
        self.layers = nn.ModuleDict({
            "hidden": nn.Linear(in_features, hidden),
            "out": nn.Linear(hidden, hidden),
        })

    def forward(self, x):
        return self.layers["out"](torch.relu(self.layers["hidden"](x)))


def build_classifier(in_features=784, hidden=128, num_classes=10):
    return Net(in_features, hidden, num_classes)


def count_trainable_parameters(model):
    raise NotImplementedError
