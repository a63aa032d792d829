"""Course authors' tools: everything that works on the course rather than on a submission.

- ``validate``: prove the course right (solutions pass, stubs fail, each mistake caught),
  with ``unfinished`` (what a new exercise still lacks) and ``corpus`` (the mistake files);
- ``release``: the folder students get (the engine's student side, public checks, reference
  data), with ``hidden`` (cutting hidden checks out) and ``leaks`` (the scan for what must not ship);
- ``notebooks``: a stub as a Jupyter notebook; ``gradescope``: the Gradescope autograder zip;
- ``scaffold``: ``grade new``, a new exercise's files in place.
"""
