# mistake: returns loss.detach(), a tensor cut from the graph, instead of a Python float
# id: loss.detached_tensor
# fails: test_train_step_returns_loss_before_update
# feedback: returned a tensor
# feedback: detached from the graph
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.detach()


def make_optimizer(model, name):
    raise NotImplementedError
