# mistake: always uses cross-entropy instead of the loss_fn it is given
# id: loss.own_loss_fn
# fails: test_train_step_rmsprop_and_mse
# feedback: not the loss_fn you were given
import torch.nn.functional as F


def train_step(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
