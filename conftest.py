"""Root pytest configuration: docstring examples of modules whose optional dependency is missing are skipped."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("torch") is None:
    collect_ignore.append("audiofeat/nn.py")
if importlib.util.find_spec("numba") is None:
    collect_ignore.append("audiofeat/_numba_loops.py")
