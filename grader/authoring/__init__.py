"""Course authors' tools: everything that works on the course rather than on a submission.

- ``validate``: prove the course right (solutions pass, stubs fail, each mistake caught);
- ``release``: the folder students get (the engine's student side, public checks, reference data);
  ``hidden``: which checks are held back, and cutting them out; ``leaks``: the scan that proves
  a release gives away no solution line and no hidden check;
- ``notebooks``: a stub as a Jupyter notebook; ``gradescope``: the Gradescope autograder zip;
- ``scaffold``: ``grade new``, a new exercise's files in place.
"""
