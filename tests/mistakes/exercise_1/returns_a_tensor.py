# mistake: computes each size as a tensor, so the count comes back as a torch.Tensor
# id: count.not_int
# fails: test_counts_the_lesson_network
# feedback: torch.Tensor, not a Python int
import torch


def build_classifier(in_features=784, hidden=128, num_classes=10):
    raise NotImplementedError


def count_trainable_parameters(model):
    sizes = [torch.tensor(p.shape).prod() for p in model.parameters() if p.requires_grad]
    return torch.stack(sizes).sum()
