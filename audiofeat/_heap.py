"""Keep glibc's malloc from handing freed heap memory back to the OS after every call (page faults).

Effects on short clips (a 1 s augmentation clip through ``time_stretch``: STFT, vocoder, inverse STFT) make
a handful of 100-300 KB numpy temporaries per call. glibc trims the top of the heap whenever more than
``M_TRIM_THRESHOLD`` (dynamically 256-512 KB here) is free there, so the next call takes those pages again
from the kernel: 250-450 minor page faults (~2 us each) per augmented clip, a third of the augmentation
pipeline's time, and more or less of it depending on what the process happened to allocate before
(``bench_augment.py`` clips/s varied by 1.6x between runs of the same code).

:func:`keep_heap_pad` sets ``M_TOP_PAD`` (the free memory glibc keeps at the top of the heap when it grows or
trims it) to 8 MiB, and ``M_MMAP_THRESHOLD`` to 32 MiB, when :mod:`audiofeat` is imported (so in every process
that uses it: pipeline and DataLoader workers, forked or spawned, Ray workers): the process keeps at most
8 MiB more of its freed memory (per glibc arena: the main heap and each pool thread's), and the faults go
(0.5 per augmented clip; 610 -> ~0.4 per 5 s file extracted, which was 1.2 s of kernel time in a 1,000-file
run).

Plain feature calls need it as much: on a 5 s clip at 16 kHz (measured, one thread) ``stft`` took 874 page
faults and 2.3 ms a call instead of 0.7 ms, ``mfcc`` 608 faults and 2.1 ms instead of 1.0 ms; on two
threads the pool's own arenas were trimmed the same way (mfcc 2.0 ms). The trade: up to 8 MiB of freed
memory kept per glibc arena, and arrays below 32 MiB come from the heap (glibc's own dynamic threshold climbs
to that ceiling anyway once such an array has been freed). Arenas belong to the process, so a program that
runs features from many threads of its own keeps more: 16 threads running mfcc on 5 s clips held 42 MiB more
than without the pad, 64 threads 59 MiB (measured); after long work (10 min of audio) the memory returned to
the OS is the same with or without it.

Both are needed: setting any of glibc's thresholds switches off its *dynamic* mmap threshold, which then
stays wherever it was. In a process that had not yet freed a large block it is still 128 KiB, and every
array above that (a 5 s clip's 320 KB) is then mapped and unmapped again on each call, pad or no pad:
~800 page faults per ten such arrays (measured). 32 MiB is the ceiling glibc's dynamic rule itself can reach.

It is a no-op off glibc (macOS, Windows, musl) and when the environment variable
``AUDIOFEAT_MALLOC_TOP_PAD`` is ``0``; another value sets the pad in bytes. The user's own glibc settings win:
with ``MALLOC_TOP_PAD_`` or ``GLIBC_TUNABLES=...glibc.malloc.top_pad=...`` in the environment nothing is
changed, and the mmap threshold is left alone when ``MALLOC_MMAP_THRESHOLD_`` or
``glibc.malloc.mmap_threshold`` is set.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["keep_heap_pad"]

#: the pad kept by default (bytes)
DEFAULT_TOP_PAD = 8 << 20
_M_TOP_PAD = -2  # glibc's mallopt parameter numbers
_M_MMAP_THRESHOLD = -3
#: the mmap threshold pinned with the pad (bytes): glibc's own ceiling for its dynamic threshold (64-bit)
MMAP_THRESHOLD = 32 << 20


def keep_heap_pad(top_pad: int | None = None) -> bool:
    """Set glibc's ``M_TOP_PAD`` to ``top_pad`` bytes (default ``AUDIOFEAT_MALLOC_TOP_PAD`` or 8 MiB) and its
    ``M_MMAP_THRESHOLD`` to 32 MiB (unless the user set a threshold): see the module's text.

    Returns True when it was set; False off Linux/glibc, when disabled (``0``), when the user set the pad
    themselves (``MALLOC_TOP_PAD_``, or ``glibc.malloc.top_pad`` in ``GLIBC_TUNABLES``), or when the variable
    is not an integer. Never raises.
    """
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if top_pad is None:
        if "MALLOC_TOP_PAD_" in os.environ or "glibc.malloc.top_pad" in tunables:
            return False
        raw = os.environ.get("AUDIOFEAT_MALLOC_TOP_PAD", "").strip()
        try:
            top_pad = int(raw) if raw else DEFAULT_TOP_PAD
        except ValueError:
            return False
    if top_pad <= 0 or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
            return False  # not glibc (musl's mallopt does nothing anyway)
        users_threshold = "MALLOC_MMAP_THRESHOLD_" in os.environ or "glibc.malloc.mmap_threshold" in tunables
        if not users_threshold and not libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD):
            return False
        return bool(libc.mallopt(_M_TOP_PAD, int(min(top_pad, 1 << 30))))
    except (OSError, AttributeError, TypeError, ValueError):
        return False
