# mistake: adds up layer by layer, so a weight shared by two layers is counted twice
# id: count.shared_twice
# fails: test_shared_parameter_counts_once
# feedback: counted once for each layer that uses it
def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    total = 0
    for layer in model.children():
        total += sum(p.numel() for p in layer.parameters() if p.requires_grad)
    return total
