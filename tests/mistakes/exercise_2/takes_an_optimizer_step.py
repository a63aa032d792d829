# mistake: thinks computing gradients means training, so it also takes an optimizer step
# id: step.taken
# fails: test_parameters_unchanged, test_two_batches_in_a_row
# feedback: optimizer.step()'s job
# feedback: learning rate 0.01
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return {name: p.grad for name, p in model.named_parameters() if p.requires_grad}
