"""Exercise 1: Counting parameters.

Every weight and every bias of a network is a parameter: backward() gives each
one a gradient, its diagnostic score, and the optimizer moves each one at every
step. Before training anything, know how many there are. The lesson's small
classifier for 28×28 images (784 inputs, 128 hidden neurons, 10 classes) has
101,770 of them.
"""

import torch
from torch import nn


def build_classifier(in_features=784, hidden=128, num_classes=10):
    """Build and return a new network: Linear → ReLU → Linear.

    - The first Linear layer takes `in_features` inputs to `hidden` neurons,
      the ReLU bends its output, and the second Linear layer maps the `hidden`
      values to `num_classes` scores. Both layers keep their biases.
    - Use the sizes you are given: `build_classifier(in_features=20, hidden=12,
      num_classes=5)` must build a 20 → 12 → 5 network.
    - Return an instance (an `nn.Module` you can call on a batch of shape
      (B, in_features) to get scores of shape (B, num_classes)), not a class.
    - Every call builds a new network with its own parameters, from that
      call's sizes: keep nothing between calls.
    - The scores stay raw (logits): no softmax at the end, because
      `nn.CrossEntropyLoss` applies it itself.

    With the default sizes, the network has 101,770 trainable parameters.
    """
    raise NotImplementedError


def count_trainable_parameters(model):
    """Return how many numbers in `model` training can change, as a Python int.

    - Count values, not tensors: a (128, 784) weight holds 100,352 of them
      (`p.numel()`).
    - Count only parameters that require grad; a frozen parameter
      (`requires_grad=False`) gets no gradient and never moves.
    - Buffers are not parameters: a BatchNorm layer's running mean and variance
      are saved in `state_dict()` but training does not learn them.
    - A parameter shared by two layers is one set of numbers: count it once.
    - Frozen parameters can sit anywhere in the model, and each call counts the
      model it is given (keep no total between calls).
    """
    raise NotImplementedError
