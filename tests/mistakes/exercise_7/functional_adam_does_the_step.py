# mistake: calls torch.optim's functional Adam (torch.optim.adam.adam) on the dicts' tensors instead of writing the update
# id: step.torch_optim
# fails: test_adam_update_is_written_by_hand
# feedback: ran torch.optim's own Adam update
import torch
from torch.optim.adam import adam


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    pairs = [(p, s) for p, s in zip(params, states) if p.grad is not None]
    steps = [torch.tensor(float(s["step"])) for _, s in pairs]
    with torch.no_grad():
        adam([p for p, _ in pairs], [p.grad for p, _ in pairs], [s["m"] for _, s in pairs],
             [s["v"] for _, s in pairs], [], steps, amsgrad=False, beta1=betas[0], beta2=betas[1], lr=lr,
             weight_decay=0.0, eps=eps, maximize=False)
    for (_, s), t in zip(pairs, steps):
        s["step"] = int(t.item())
