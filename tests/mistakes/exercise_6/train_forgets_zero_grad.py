# mistake: never clears the gradients, so the ones the model arrived with are added in
# id: zero_grad.missing
# fails: test_train_step_on_matches_a_training_step
# feedback: zero_grad is never called
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
    optimizer.step()
    return loss.item()
