# mistake: takes the optimizer step before backward() has worked out the gradients
# id: step.before_backward
# fails: test_train_step_one_clean_sgd_step, test_train_step_works_with_adam
# feedback: it ran before backward()
def train_step(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    optimizer.step()
    loss.backward()
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
