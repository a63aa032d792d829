"""Where student code runs: the only layer that ever executes it.

Shape::

    judge ──client──socket──▶ fork server (warm torch) ──fork──▶ worker (jailed)

- ``protocol``: what a job and a reply are, their statuses, and how they are framed;
- ``client``: the judge's handle on a fork server, ``ForkServer`` (starts it, sends jobs, ends it);
- ``fork_server``: the fork server itself; ``session``: one worker of it, forked and watched under
  its limits; ``procs``: the one toolkit for processes (start a child, read its answer
  through a pipe, reap it, say how it ended; /proc readings; ending a process tree);
- ``worker``: what runs inside a worker: load the submission, call what the job names,
  send plain data back; ``calls``: finding what a job names (``module:function``);
- ``wire``: that plain data's encoding (no pickle: nothing a worker sends is trusted);
  ``relay``: moving a student's bytes through the fork server without it holding them;
- ``jail``, ``cgroups``, ``syscalls`` (the seccomp filter): the walls around a worker; ``doctor``: which
  walls this machine allows;
- ``maths``: the maths settings every process computing an outcome uses;
- ``lazy_dynamo``: keeps torch's compiler out of every worker's start-up.

It knows nothing of courses or grades (``tests/test_structure.py`` holds it to that):
a job names a module and a function, the submission's code, and the limits.
"""
