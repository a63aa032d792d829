"""Exercise 4: its ``probes`` and ``checks``."""
