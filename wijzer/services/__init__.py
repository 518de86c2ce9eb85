"""Plain functions that take a database session and plain arguments (no request, g or current_user).

Services ``add``/``flush``; the entry point (request, CLI command, job) commits.
"""
