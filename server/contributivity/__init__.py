"""Contributivity: each submission's share of the event's blend, and the credit it passes
back to the submissions it built on (the credit form and the contributivity page)."""
