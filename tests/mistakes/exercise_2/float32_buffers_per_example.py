# mistake: averages per-example gradients into buffers made with torch.zeros(shape), which are float32 whatever the model's dtype
# id: grads.dtype_changed
# fails: test_uses_the_loss_fn_given, test_two_batches_in_a_row
# feedback: has dtype torch.float32
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    totals = {n: torch.zeros(p.shape) for n, p in trainable}
    for x, y in zip(inputs, targets):  # one example at a time, like the lesson's diagnosis
        loss = loss_fn(model(x.unsqueeze(0)), y.unsqueeze(0))
        for (n, _), g in zip(trainable, torch.autograd.grad(loss, [p for _, p in trainable])):
            totals[n] += g
    return {n: total / len(inputs) for n, total in totals.items()}
