# mistake: updates the weights by hand with a fixed learning rate instead of stepping the optimizer it is given
# id: optimizer.ignored
# fails: test_train_step_one_clean_sgd_step, test_train_step_works_with_adam
# feedback: never took a step
# feedback: by hand
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    model.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
