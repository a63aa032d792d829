# mistake: moves the data to the device but never the model
# id: device.model_not_moved
# fails: test_train_step_on_puts_model_and_data_on_the_device
# feedback: the model was never moved
# feedback: model.to(device)
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    inputs, targets = inputs.to(device), targets.to(device)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
