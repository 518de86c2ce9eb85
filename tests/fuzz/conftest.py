"""Hypothesis without its per-example deadline: a deadline is a timed assertion, and on a busy 2-core CI machine
it fails for reasons that have nothing to do with the code (speed is measured in benchmarks/)."""

from hypothesis import settings

settings.register_profile("wijzer", deadline=None)
settings.load_profile("wijzer")
