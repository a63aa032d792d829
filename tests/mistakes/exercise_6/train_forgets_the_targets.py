# mistake: moves the model and the inputs, but the targets stay on the CPU
# id: device.targets_not_moved
# fails: test_train_step_on_puts_model_and_data_on_the_device
# feedback: the targets were still on cpu
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    model = model.to(device)
    optimizer.zero_grad()
    outputs = model(inputs.to(device))
    loss = loss_fn(outputs, targets)
    loss.backward()
    optimizer.step()
    return loss.item()
