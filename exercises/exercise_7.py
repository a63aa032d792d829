"""Exercise 7: Adam by hand.

SGD moves every weight by the same multiple of its gradient. Adam adapts the
step to each weight. It keeps two running averages per parameter: m, of the
gradients (which way they have been pointing), and v, of the squared gradients
(how big they tend to be). Each step moves a weight by m / √v, so a weight
whose gradients are large and noisy takes careful steps, and one whose
gradients are small but steady is not left behind. Here you write that step
yourself and match `torch.optim.Adam` exactly.
"""

import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    """Take one step of Adam on `params`, in place.

    `states` holds one dict per parameter, in the same order as `params`; the
    caller keeps it from one call to the next. Before the first step each dict
    is {"step": 0, "m": zeros shaped like p, "v": zeros shaped like p}.

    For each parameter `p` whose `p.grad` is not None, with its dict `s`,
    g = p.grad and beta1, beta2 = betas:

        t = s["step"] + 1, stored back in s["step"]   (t is 1 on the first step)
        m ← beta1 · m + (1 − beta1) · g               average of the gradients
        v ← beta2 · v + (1 − beta2) · g²              average of the squared gradients
        m̂ = m / (1 − beta1ᵗ),   v̂ = v / (1 − beta2ᵗ)
        p ← p − lr · m̂ / (√v̂ + eps)

    m and v start at zero, so early on they come out too small; dividing by
    (1 − betaᵗ) corrects that bias (it matters less and less as t grows).

    - Keep the new step count, m and v in `s`: the next call carries on from them.
    - Change `p` in place, where autograd is not recording (torch.no_grad()).
    - Skip parameters whose `.grad` is None, and leave their dicts alone.
    - `params` may be a generator such as `model.parameters()`: go through it once.
    - Write the step yourself, without torch.optim, and keep no state of your
      own between calls: the next call may be on another model, with its own
      `states`.
    - Return None.

    The result must match `torch.optim.Adam(params, lr=lr, betas=betas, eps=eps)`
    step for step.
    """
    raise NotImplementedError
