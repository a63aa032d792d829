# mistake: takes torch.autograd.grad over the trainable parameters but pairs the gradients with every parameter, frozen ones included
# id: code.raises
# fails: test_train_epoch_called_again
# feedback: pairing the two in order goes wrong
import torch


def train_epoch(model, loss_fn, optimizer, batches):
    trainable = [p for p in model.parameters() if p.requires_grad]
    losses = []
    for inputs, targets in batches:
        loss = loss_fn(model(inputs), targets)
        grads = torch.autograd.grad(loss, trainable)
        for p, g in zip(model.parameters(), grads):
            p.grad = g  # replaces the old gradient: nothing stale is left
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
