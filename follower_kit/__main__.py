"""``python -m follower_kit``: the ``follower-kit`` command line, for a Python whose scripts
folder is not on PATH (the same as ``python -m follower_kit.cli``)."""

from .cli import main

if __name__ == "__main__":   # run as a module, not merely imported (by a doc tool, say)
    main(prog_name="follower-kit")
