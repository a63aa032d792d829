# mistake: picks its own device with pick_device() instead of using the one it was given
# id: device.argument_ignored
# fails: test_train_step_on_puts_model_and_data_on_the_device
# feedback: Use the `device` argument
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    device = pick_device()
    model.to(device)
    inputs, targets = inputs.to(device), targets.to(device)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
