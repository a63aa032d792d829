# mistake: adds up the sizes of state_dict(), which holds buffers (and frozen and repeated shared tensors)
# id: count.buffers
# fails: test_buffers_are_not_parameters
# feedback: buffers
# feedback: state_dict()
# feedback: 436
def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    total = 0
    for name, tensor in model.state_dict().items():
        total += tensor.numel()
    return total
