# mistake: thinks backward() updates the weights, so never calls optimizer.step()
# id: step.missing
# fails: test_train_step_one_clean_sgd_step, test_train_step_works_with_adam
# feedback: never called optimizer.step()
# feedback: backward() only works out the gradients
def train_step(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
