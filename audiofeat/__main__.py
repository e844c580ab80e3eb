"""``python -m audiofeat``: the same as the ``audiofeat`` command."""

from .cli import entry_point

if __name__ == "__main__":
    entry_point()
