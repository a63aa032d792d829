"""The instructor's side of grading a class: ``grade batch``.

- ``run``: the batch from start to summary; ``pool``: the judge processes it hands students to;
- ``judge``: one such judge process (grades with ``grader.grading``, keeps its fork server warm);
- ``records``: the rows main stores from a judge's reply (graded, missing or error; retried or not);
- ``intake``: reading a SUBMISSIONS folder (zips made safe, nesting undone);
- ``fingerprint``: what a stored verdict depends on, so that a resumed batch regrades only what changed;
- ``gradebook``: the sqlite store, the one source of truth; ``exports``: grades.csv, results.json,
  feedback.md and the summary, all written from it.
- ``lms``: ``grade export``'s files for Canvas, Moodle or as grades.csv, from the store; ``roster``:
  who each submission folder is in the LMS.
- ``classreport``: the class report's figures, read from the store; ``plots``: its histograms (SVG);
  ``report_html`` (with ``report_assets``): the one HTML page, ``grade report`` and the batch's last step;
- ``guards``: one writer per RESULTS folder, and SIGTERM treated as Ctrl-C; ``meter``: the progress line.
- On a Dask cluster (``grade batch --cluster``): ``cluster``, the instructor's side; ``on_worker``, the
  worker plugin and task, with ``warm_judges`` (a worker's judges, kept warm between batches).
"""
