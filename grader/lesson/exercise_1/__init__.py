"""Exercise 1: its ``probes`` and ``checks``."""
