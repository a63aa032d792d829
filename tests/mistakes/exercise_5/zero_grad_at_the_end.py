# mistake: clears the gradients after the step, so the stale ones the model arrived with leak into the first step
# id: zero_grad.at_the_end
# fails: test_train_step_one_clean_sgd_step, test_train_step_works_with_adam
# feedback: zero_grad comes only at the end
# feedback: arrived
def train_step(model, loss_fn, optimizer, inputs, targets):
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
