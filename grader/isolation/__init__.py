"""Where student code runs: the only layer that ever executes it.

Shape::

    judge ──client.Sandbox──socket──> server (fork server, warm torch) ──fork──> worker (jailed)

- ``protocol``: what a job and a reply are, and how they are framed on the socket;
- ``client``: the judge's handle on a fork server (starts, asks, ends it);
- ``server``: the fork server, which forks one worker per submission (``session``) and watches it;
- ``worker``: what runs inside a worker: load the submission, run a probe, send plain data;
- ``wire``: that plain data's encoding (no pickle: nothing a worker sends is trusted);
- ``jail``, ``cgroups``: the walls around a worker; ``doctor``: which walls this machine allows;
- ``procs``: other processes as /proc shows them (alive, memory, CPU time), and ending them;
- ``lazy_dynamo``: keeps torch's compiler out of every worker's start-up.

It knows nothing of courses or grades: a job names a probe module and a function.
"""
