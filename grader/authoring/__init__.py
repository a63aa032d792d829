"""Course authors' tools: everything that works on the course rather than on a submission.

- ``validate``: prove the course right (solutions pass, stubs fail, each mistake caught);
- ``release``: the folder students get (the engine's student side, public checks, reference data);
- ``notebooks``: a stub as a Jupyter notebook; ``gradescope``: the Gradescope autograder zip;
- ``scaffold``: ``grade new``, a new exercise's files in place.
"""
