# mistake: updates a leaf parameter in place while autograd is recording
# id: update.recorded
# fails: test_sgd_step_matches_torch, test_sgd_leaves_autograd_and_grads_alone
# feedback: torch.no_grad()
# feedback: RuntimeError
def sgd_update(params, lr):
    for p in params:
        if p.grad is not None:
            p -= lr * p.grad


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
