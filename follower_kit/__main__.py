"""``python -m follower_kit``: the ``follower-kit`` command line, for a Python whose scripts
folder is not on PATH (the same as ``python -m follower_kit.cli``)."""

from .cli import main

main()
