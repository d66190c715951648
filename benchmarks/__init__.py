"""xmpptui's benchmark suite: `python -m benchmarks` (full) or `python -m benchmarks --quick` (small sizes).

Every figure is printed beside a baseline measured in the same run, so the ratio means something on any
machine. Nothing here asserts: full and quick runs both exit 0 and print PASS/FAIL per target.
"""
