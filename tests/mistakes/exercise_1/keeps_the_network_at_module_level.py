# mistake: builds the network once and keeps it in a module-level variable, so later calls get the first network back
# id: state.kept
# fails: test_classifier_uses_the_sizes_given
# feedback: returned the very network
# feedback: module level
from torch import nn

_model = None


def build_classifier(in_features=784, hidden=128, num_classes=10):
    global _model
    if _model is None:
        _model = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, num_classes))
    return _model


def count_trainable_parameters(model):
    raise NotImplementedError
