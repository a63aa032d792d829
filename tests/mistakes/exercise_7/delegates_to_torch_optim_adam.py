# mistake: loads the dicts into a torch.optim.Adam built inside the function and lets its step() do the work
# id: step.torch_optim
# fails: test_adam_update_is_written_by_hand
# feedback: hands the step to torch.optim
# feedback: built torch.optim.Adam
import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    pairs = [(p, s) for p, s in zip(params, states) if p.grad is not None]
    if not pairs:
        return
    optimizer = torch.optim.Adam([p for p, _ in pairs], lr=lr, betas=betas, eps=eps)
    for p, s in pairs:
        optimizer.state[p] = {"step": torch.tensor(float(s["step"])), "exp_avg": s["m"], "exp_avg_sq": s["v"]}
    optimizer.step()
    for p, s in pairs:
        s["step"] = int(optimizer.state[p]["step"].item())
