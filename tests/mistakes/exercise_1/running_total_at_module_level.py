# mistake: adds into a module-level total that is never reset, so a second call includes the first model's count
# id: state.kept
# fails: test_counts_the_lesson_network, test_counts_only_trainable
# feedback: never reset between calls
def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


total = 0


def count_trainable_parameters(model):
    global total
    for p in model.parameters():
        if p.requires_grad:
            total += p.numel()
    return total
