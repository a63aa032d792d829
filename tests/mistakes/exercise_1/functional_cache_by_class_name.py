# mistake: caches counts in a dict keyed by the model's class name, so two different Sequentials share one count
# id: state.kept
# fails: test_counts_the_lesson_network
# feedback: the answer of an earlier call
import functools


_counts = {}


def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    key = type(model).__name__
    if key not in _counts:
        _counts[key] = functools.reduce(
            lambda acc, p: acc + (p.numel() if p.requires_grad else 0), model.parameters(), 0)
    return _counts[key]
