"""Autograder for the PyTorch lesson "Optimizers and Gradients".

The judge (pytest with a course's checks) never runs student code: it asks a
worker process, forked from a warm fork server, to call the student's function
through a probe and send back plain data, then compares that with the reference
solution's.

- ``isolation``: where student code runs (fork server, worker, jail);
- ``grading``: where grades are decided (the pytest plugin, the judge, feedback, results);
- ``batch``: grading a class; ``authoring``: working on the course (validate, release, new exercises);
- ``cli``: the grade command, the only code that knows click; ``autograder``: what runs inside
  Gradescope for each submission; ``jupyter``: the check for a course notebook's last cell;
- ``course``: course.toml read; ``errors``: the grader's own exception types;
- ``lesson``: this lesson's content, which the rest finds through course.toml, never by name.
"""

__version__ = "0.1.0"
