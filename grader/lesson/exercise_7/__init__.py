"""Exercise 7: its ``probes`` and ``checks``."""
