# mistake: builds a fresh SGD on the moved parameters inside train_step_on, ignoring the optimizer it is given
# id: optimizer.ignored
# fails: test_train_step_on_matches_a_training_step
# feedback: never took a step
# feedback: don't build one of your own
import torch


def pick_device():
    raise NotImplementedError


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    model = model.to(device)
    sgd = torch.optim.SGD(model.parameters(), lr=0.05)
    sgd.zero_grad()
    loss = loss_fn(model(inputs.to(device)), targets.to(device))
    loss.backward()
    sgd.step()
    return loss.item()
