# mistake: never clears the gradients, so every backward() adds to the ones already there
# id: zero_grad.missing
# fails: test_train_step_one_clean_sgd_step, test_train_step_works_with_adam
# feedback: zero_grad is never called
def train_step(model, loss_fn, optimizer, inputs, targets):
    outputs = model(inputs)
    loss = loss_fn(outputs, targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
