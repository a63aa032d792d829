"""Exercise 6: its ``probes`` and ``checks``."""
