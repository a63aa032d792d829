# mistake: calls backward twice (keeping the graph), so the gradients are added up twice and SGD's step doubles
# id: gradients.scaled
# fails: test_train_step_one_clean_sgd_step
# feedback: not where one sgd step on the batch puts them
# feedback: 2× the expected one
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward(retain_graph=True)
    loss.backward()  # "to be sure the gradients are there"
    optimizer.step()
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
