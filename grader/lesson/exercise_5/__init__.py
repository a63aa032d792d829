"""Exercise 5: its ``probes`` and ``checks``."""
