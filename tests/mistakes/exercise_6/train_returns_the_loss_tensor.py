# mistake: returns the loss tensor (still on the device, holding the graph) instead of a float
# id: loss.returned_as_tensor
# fails: test_train_step_on_matches_a_training_step
# feedback: should be a float, but it is a torch.Tensor
# feedback: loss.item()
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    model.to(device)
    inputs, targets = inputs.to(device), targets.to(device)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss
