# mistake: measures the loss again after the step and returns that, not the loss before the update
# id: loss.after_step
# fails: test_train_step_returns_loss_before_update
# feedback: loss after the update
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        new_loss = loss_fn(model(inputs), targets)
    return new_loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
