# mistake: skips as many parameters from the front as are frozen, as if frozen layers always came first
# id: count.frozen_first
# fails: test_counts_only_trainable
# feedback: as if frozen parameters always came first
# feedback: its own requires_grad flag
def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    params = list(model.parameters())
    frozen = sum(1 for p in params if not p.requires_grad)
    return sum(p.numel() for p in params[frozen:])
