"""Exercise 2: its ``probes`` and ``checks``."""
