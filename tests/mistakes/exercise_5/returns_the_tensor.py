# mistake: returns the loss tensor instead of a Python float
# id: loss.graph_kept
# fails: test_train_step_returns_loss_before_update
# feedback: returned a tensor
# feedback: loss.item()
def train_step(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss


def make_optimizer(model, name):
    raise NotImplementedError
