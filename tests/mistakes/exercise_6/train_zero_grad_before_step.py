# mistake: zero_grad sits between backward and step, wiping the gradients the step needs
# id: zero_grad.misplaced
# fails: test_train_step_on_matches_a_training_step
# feedback: did not change
# feedback: not between backward() and step()
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    model.to(device)
    inputs, targets = inputs.to(device), targets.to(device)
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()
