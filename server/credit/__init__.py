"""Credit: how a submission's blend contributivity flows back to the code it built on.

Pure functions on plain data (``service.py``); the web layer reads the links and the
contributivities from the database, calls them, and stores what they return.
"""
