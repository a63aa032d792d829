# mistake: a module-level flag skips model.to(device) once it has run, so a second model stays on the CPU
# id: state.kept
# fails: test_train_step_on_puts_model_and_data_on_the_device
# feedback: Called again with a second model
# feedback: keep nothing between calls
import torch

_model_on_device = False


def pick_device():
    raise NotImplementedError


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    global _model_on_device
    if not _model_on_device:
        model.to(device)
        _model_on_device = True
    inputs, targets = inputs.to(device), targets.to(device)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
