# attack: a 672-byte file whose exception's class is named by 31 MB of text, and whose momentum function is an object of a 31 MB class: the worker caps the message, never the type's name, so every check's feedback carries 31 MB into feedback.md, results.json and the gradebook
# holds: every text the judge stores is capped (a line says how much was cut); the batch completes; 0 points
"""Exercise 3: A manual SGD step (attacker: a class name the size of a film)."""

BIG = "=" * (31 << 20)


def sgd_update(params, lr):
    raise type(BIG, (Exception,), {})("see the name")


sgd_momentum_update = type(BIG, (), {})()
