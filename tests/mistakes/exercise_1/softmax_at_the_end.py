# mistake: ends the network with a softmax, so it returns probabilities instead of logits
# id: network.softmax_output
# fails: test_classifier_computes_linear_relu_linear
# feedback: softmax
# feedback: logits
# feedback: CrossEntropyLoss
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    return nn.Sequential(
        nn.Linear(in_features, hidden),
        nn.ReLU(),
        nn.Linear(hidden, num_classes),
        nn.Softmax(dim=1),
    )


def count_trainable_parameters(model):
    raise NotImplementedError
