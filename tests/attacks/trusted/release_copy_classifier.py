# attack: a student's exercise_1.py built from a student release alone: build_classifier is the checks' known-wrong network builder (`_mistaken_builder`, pasted from the release's grader/lesson/exercise_1/checks.py) called with no mistake named, and count_trainable_parameters returns the "trainable" count that the release's probes work out for the checks (`_counts` in grader/lesson/exercise_1/probes.py)
# holds: a release ships no code that computes an answer: the known-wrong builders and counts stay with the instructor and only their outcomes on the public scenarios ship, as data; the copier scores 0
"""Exercise 1: Counting parameters (attacker: copies the release's builder and counter)."""

# paste: grader/lesson/exercise_1/checks.py _mistaken_builder


def build_classifier(in_features=784, hidden=128, num_classes=10):
    builder = globals().get("_mistaken_builder")
    if builder is None:
        raise NotImplementedError("the release ships no network builder to copy")
    return builder()(in_features, hidden, num_classes)


def count_trainable_parameters(model):
    try:
        from grader.lesson.exercise_1.probes import _counts
    except ImportError:
        raise NotImplementedError("the release's probes count nothing to copy") from None
    return _counts(model)["trainable"]
