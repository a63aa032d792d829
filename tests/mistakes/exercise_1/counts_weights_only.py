# mistake: counts only the tensors named "weight", leaving the biases out
# id: count.weights_only
# fails: test_counts_the_lesson_network
# feedback: weights only
# feedback: 101,632
def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    total = 0
    for name, p in model.named_parameters():
        if "weight" in name and p.requires_grad:
            total += p.numel()
    return total
