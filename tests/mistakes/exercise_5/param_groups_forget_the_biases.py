# mistake: builds param_groups for the weights (to treat biases apart) and forgets to add a group for the biases
# id: optimizer.params_missing
# fails: test_make_optimizer_builds_the_named_optimizer
# feedback: are not in it
# feedback: '0.bias'
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    groups = [{"params": weights, "weight_decay": 1e-4}]
    if name == "sgd":
        return torch.optim.SGD(groups, lr=0.1)
    return torch.optim.Adam(groups, lr=1e-3)
