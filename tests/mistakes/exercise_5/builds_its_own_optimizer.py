# mistake: ignores the optimizer passed in and steps a new SGD of its own
# id: optimizer.ignored
# fails: test_train_step_one_clean_sgd_step, test_train_step_works_with_adam
# feedback: optimizer passed to train_step never took a step
# feedback: don't build one of your own
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    sgd = torch.optim.SGD(model.parameters(), lr=0.01)
    sgd.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    sgd.step()
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
