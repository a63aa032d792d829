# mistake: torch.func.grad over a pytree of every parameter, so frozen ones get a gradient too
# id: grads.frozen_included
# fails: test_frozen_parameters_left_out, test_named_layers_and_mse_loss
# feedback: frozen parameters
from torch.func import functional_call, grad


def compute_gradients(model, loss_fn, inputs, targets):
    params = {name: p.detach() for name, p in model.named_parameters()}

    def loss_of(params):
        return loss_fn(functional_call(model, params, (inputs,)), targets)

    return grad(loss_of)(params)
