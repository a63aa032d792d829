# mistake: train_step is made by a factory whose closure keeps the first model and its optimizer for good
# id: state.kept
# fails: test_train_step_works_with_adam
# feedback: with a second model
# feedback: keep nothing between calls
import torch


def _make_train_step():
    kept = {}

    def step(model, loss_fn, optimizer, inputs, targets):
        model = kept.setdefault("model", model)
        optimizer = kept.setdefault("optimizer", optimizer)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return float(loss)

    return step


train_step = _make_train_step()


def make_optimizer(model, name):
    raise NotImplementedError
