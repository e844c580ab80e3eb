"""Compare two junit XML files: tests that pass in the first (baseline) but fail in the second (patched).

    python compare.py baseline.xml patched.xml [--out DIR]

A test is identified by ``classname::name`` (pytest's nodeid up to the file path spelling). Writes
``regressions.txt`` (one nodeid and its first error line per test) and ``groups.txt`` (regressions grouped
by exception type and message with numbers stripped, largest group first) to DIR, and prints a summary.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import xml.etree.ElementTree as ET


def load(path: str) -> dict[str, tuple[str, str, str]]:
    """nodeid -> (status, message, text)"""
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        nodeid = f"{case.get('classname')}::{case.get('name')}"
        status, message, text = "passed", "", ""
        for child in case:
            if child.tag in ("failure", "error"):
                status, message, text = child.tag, child.get("message") or "", child.text or ""
                break
            if child.tag == "skipped":
                status, message = "skipped", child.get("message") or ""
        out[nodeid] = (status, message, text)
    return out


def signature(message: str, text: str) -> str:
    """A grouping key: the exception line, numbers and array reprs stripped."""
    line = ""
    for ln in text.splitlines():  # pytest marks the exception line with 'E   '
        if ln.startswith("E   ") and re.match(r"E\s+\w[\w.]*(Error|Exception|Warning|Exit)\b", ln):
            line = ln[1:].strip()
            break
    if not line:
        line = message.splitlines()[0] if message else "(no message)"
    line = re.sub(r"array\(.*", "array(...)", line)
    line = re.sub(r"0x[0-9a-f]+", "0x…", line)
    line = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "N", line)
    return line[:200]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("baseline")
    ap.add_argument("patched")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    base, pat = load(a.baseline), load(a.patched)
    passed = [k for k, v in base.items() if v[0] == "passed"]
    missing = [k for k in passed if k not in pat]
    regressed = [k for k in passed if k in pat and pat[k][0] in ("failure", "error")]
    skipped = [k for k in passed if k in pat and pat[k][0] == "skipped"]
    fixed = [k for k, v in base.items() if v[0] in ("failure", "error") and pat.get(k, ("",))[0] == "passed"]
    counts = collections.Counter(v[0] for v in base.values())
    summary = [
        f"baseline: {len(base)} tests {dict(counts)}",
        f"patched:  {len(pat)} tests {dict(collections.Counter(v[0] for v in pat.values()))}",
        f"pass unpatched: {len(passed)}; of those fail patched: {len(regressed)}, "
        f"skipped patched: {len(skipped)}, not run patched: {len(missing)}",
        f"fail unpatched but pass patched: {len(fixed)}",
    ]
    groups = collections.defaultdict(list)
    for k in regressed:
        groups[signature(pat[k][1], pat[k][2])].append(k)
    by_file = collections.Counter(k.split("::")[0] for k in regressed)
    summary.append("regressions by file: " + ", ".join(f"{f} {n}" for f, n in by_file.most_common()))
    print("\n".join(summary))
    print("\ngroups (count, signature, example):")
    for sig, ks in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(ks):6d}  {sig}\n        e.g. {ks[0]}")
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "regressions.txt"), "w") as fh:
            for k in regressed:
                fh.write(f"{k}\t{signature(pat[k][1], pat[k][2])}\n")
        with open(os.path.join(a.out, "groups.txt"), "w") as fh:
            fh.write("\n".join(summary) + "\n\n")
            for sig, ks in sorted(groups.items(), key=lambda kv: -len(kv[1])):
                fh.write(f"## {len(ks)}  {sig}\n")
                fh.writelines(f"   {k}\n" for k in ks)
        with open(os.path.join(a.out, "fixed.txt"), "w") as fh:
            fh.writelines(f"{k}\n" for k in fixed)


if __name__ == "__main__":
    main()
