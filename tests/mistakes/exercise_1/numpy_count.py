# mistake: multiplies shapes with NumPy, so the total is a numpy.int64 rather than a Python int
# id: count.not_int
# fails: test_counts_the_lesson_network
# feedback: not a Python int
# feedback: numpy.int64
import numpy as np


def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    return sum(np.prod(p.shape) for p in model.parameters() if p.requires_grad)
