# mistake: counts every parameter, frozen ones (requires_grad=False) included
# id: frozen.touched
# fails: test_counts_only_trainable
# feedback: includes the frozen parameters
# feedback: p.requires_grad
def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    return sum(p.numel() for p in model.parameters())
