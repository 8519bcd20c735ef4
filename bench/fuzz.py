"""Long fuzzing: the properties of tests/fuzz (webhook receiver, app proxy, signed links, inbound mail) with many
more examples than CI runs, random rather than derandomized, keeping failures for replay.

    .venv/bin/python bench/fuzz.py [--examples 20000] [--target webhooks] [--seed N] [--database sqlite]

It runs pytest on the same test files with the hypothesis profile `shippromise-fuzz-long`. A
failure prints the shrunk example and an `@reproduce_failure(...)` line; the example is also kept in
`.hypothesis/` (git-ignored), so running the same command again replays it first.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("webhooks", "app_proxy", "signed_links", "inbound_email")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/fuzz.py", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000, help="examples per property (default 20000)")
    parser.add_argument("--target", choices=TARGETS, action="append", help="one property file (repeatable)")
    parser.add_argument("--seed", type=int, help="hypothesis seed, to repeat a run exactly")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), help="only this database")
    args = parser.parse_args(argv)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics",
               *(f"tests/fuzz/test_fuzz_{target}.py" for target in args.target or TARGETS)]
    if args.seed is not None:
        command.append(f"--hypothesis-seed={args.seed}")
    if args.database:
        command += ["-k", args.database]
    env = {**os.environ, "SHIPPROMISE_FUZZ_PROFILE": "shippromise-fuzz-long",
           "SHIPPROMISE_FUZZ_EXAMPLES": str(args.examples)}
    print("$ python", " ".join(command[1:]), f"# {args.examples} examples per property", flush=True)
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
