# mistake: ignores the optimizer it was given and makes a fresh SGD inside the function
# id: optimizer.ignored
# fails: test_train_epoch_one_clean_step_per_batch, test_train_epoch_with_momentum
# feedback: a new optimizer built inside the function
import torch


def train_epoch(model, loss_fn, optimizer, batches):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
