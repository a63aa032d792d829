# mistake: counts parameter tensors (len of the list) instead of the numbers they hold
# id: count.tensors
# fails: test_counts_the_lesson_network, test_counts_only_trainable, test_buffers_are_not_parameters, test_shared_parameter_counts_once
# feedback: how many parameter tensors there are
# feedback: numel
def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    return len([p for p in model.parameters() if p.requires_grad])
