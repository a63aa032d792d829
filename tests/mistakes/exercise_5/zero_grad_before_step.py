# mistake: calls zero_grad between backward() and step(), wiping the gradients the step needs
# id: zero_grad.misplaced
# fails: test_train_step_one_clean_sgd_step, test_train_step_works_with_adam
# feedback: cleared between backward() and step()
def train_step(model, loss_fn, optimizer, inputs, targets):
    outputs = model(inputs)
    loss = loss_fn(outputs, targets)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
