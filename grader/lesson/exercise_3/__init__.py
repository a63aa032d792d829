"""Exercise 3: its ``probes`` and ``checks``."""
