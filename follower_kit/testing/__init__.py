"""Local stand-ins for the outside world and their spec validators (the fake AppView, the
lexicon validator), for tests, demos and benchmarks."""
