# attack: a student's exercise_4.py built from a student release alone: train_epoch runs each batch through the grader's own training loop, `train` in the release's grader/lesson/exercise_5/probes.py (the loop that tries out a student's optimizer in exercise 5), one step per batch, and returns the losses it recorded
# holds: a release ships no code that computes an answer: exercise 5's probe trains its own fixed task and cannot be handed other batches; the copier scores 0
"""Exercise 4: Where zero_grad goes (attacker: calls exercise 5's probe training loop)."""


def train_epoch(model, loss_fn, optimizer, batches):
    from grader.lesson.exercise_5 import probes

    losses = []
    for inputs, targets in batches:
        ran = probes.train(model, optimizer, inputs, targets, steps=1, batch_size=len(inputs))
        losses.append(ran["losses"][0])
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
