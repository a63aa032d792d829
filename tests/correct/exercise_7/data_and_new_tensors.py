"""Correct, with .data instead of torch.no_grad(), indexing the states, and new tensors stored back in each dict."""


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    for i, p in enumerate(params):
        if p.grad is None:
            continue
        g = p.grad.data
        s = states[i]
        s["step"] = s["step"] + 1
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g.pow(2)
        m_hat = s["m"] / (1 - b1 ** s["step"])
        v_hat = s["v"] / (1 - b2 ** s["step"])
        p.data.sub_(lr * m_hat / (v_hat.sqrt() + eps))
