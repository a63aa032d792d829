# mistake: returns loss.detach(): no graph any more, but still a tensor on the device, not a float
# id: loss.returned_as_tensor
# fails: test_train_step_on_matches_a_training_step
# feedback: should be a float, but it is a torch.Tensor
# feedback: it is detached
import torch


def pick_device():
    raise NotImplementedError


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    model.to(device)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs.to(device)), targets.to(device))
    loss.backward()
    optimizer.step()
    return loss.detach()
