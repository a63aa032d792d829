"""Autograder for the PyTorch lesson "Optimizers and Gradients".

The judge (pytest with the checks in ``grader.checks``) never runs student code:
it asks a worker process, forked from a warm fork server, to call the student's
function through a probe and send back plain data, then compares that with the
reference solution's.
"""

__version__ = "0.1.0"
