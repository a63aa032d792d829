"""Where grades are decided: the judge, which never runs student code itself.

- ``runner``: grade one submission's exercises in one pytest session;
- ``plugin``: the pytest plugin that turns a course's checks into ``CheckResult``s;
- ``lab``: the fixture a check asks for outcomes: a probe on the student's code (in a worker),
  on the reference and on a known-wrong implementation; ``references``: where reference outcomes come from;
- ``probes``: what a probe is; ``content``: how a course's probes, checks and hints are found;
- ``compare``, ``numerics``: tensors compared with per-dtype, per-device tolerances;
- ``feedback``: what went wrong, the evidence, what to change, derived from another feedback or
  from ``reported_error`` (an error in the student's code, as the worker reported it); ``mistakes``:
  the known mistakes a check can name; ``simulations``: known-wrong implementations, naming a
  mistake by its effect;
- ``results``: the one result type, its plain JSON and Gradescope's results.json;
  ``report``: the terminal view; ``markdown``: feedback.md;
- ``find``: the one rule that finds a student's file (folders, zips, nesting);
  ``submission``, ``notebook``: reading it into ``chunk``s of code; ``bounded``: parsing it under
  limits, in a child process;
- ``untrusted``: students' text capped and escaped for the terminal, CSV, Markdown and HTML.
"""
