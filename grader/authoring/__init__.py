"""Course authors' tools: everything that works on the course rather than on a submission.

- ``validate``: prove the course right (solutions and correct files pass, stubs fail, each mistake
  caught, nothing leaked), with ``unfinished`` (what a new exercise still lacks), ``corpus`` (the
  mistake and correct files) and ``findings`` (what it found, as text and JUnit XML);
- ``release``: the folder students get (the engine's student side, public checks, reference
  data), with ``hidden`` (cutting hidden checks out), ``leaks`` (the scan for what must not ship) and
  ``answers`` (the scan for shipped code that computes an answer, run in ``answer_scan``'s own process);
- ``notebooks``: a stub as a Jupyter notebook; ``gradescope``: the Gradescope autograder zip;
- ``scaffold``: ``grade new``, a new exercise's files in place, with ``signatures`` (the functions
  asked for, parsed) and ``templates`` (the files' text).
"""
