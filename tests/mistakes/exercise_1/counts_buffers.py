# mistake: adds the buffers (BatchNorm's running statistics) to the trainable parameters
# id: count.buffers
# fails: test_buffers_are_not_parameters
# feedback: buffers
# feedback: running mean and variance
def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    stored = sum(b.numel() for b in model.buffers())
    return trainable + stored
