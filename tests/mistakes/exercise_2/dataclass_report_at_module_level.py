# mistake: fills one GradientReport dataclass kept at module level, so every call hands back the same dict
# id: state.kept
# fails: test_called_again_on_another_model, test_two_batches_in_a_row
# feedback: the very same dict object
# feedback: module level
from dataclasses import dataclass, field


@dataclass
class GradientReport:
    gradients: dict = field(default_factory=dict)
    batches_seen: int = 0


REPORT = GradientReport()


def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss_fn(model(inputs), targets).backward()
    for name, p in model.named_parameters():
        if p.requires_grad:
            REPORT.gradients[name] = p.grad.detach().clone()
    REPORT.batches_seen += 1
    return REPORT.gradients
