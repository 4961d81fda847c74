"""Import time of ``synapse_models`` versus ``synapseclient.models``, as whole processes, in one run.

Run from the repository root with the test extra installed::

    python tests/benchmarks/bench_import.py --runs 15

Each figure is the median wall time of ``python -c "import X"`` over the runs (interleaved, after one warm-up
run each so that bytecode caches exist), plus the bare interpreter for reference.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _time(statement: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    statements = {
        "python (no import)": "pass",
        "import synapse_models": "import synapse_models",
        "import synapseclient.models": "import synapseclient.models",
    }
    samples: dict[str, list[float]] = {name: [] for name in statements}
    for statement in statements.values():
        _time(statement)  # warm-up: compile bytecode once
    for _ in range(args.runs):
        for name, statement in statements.items():
            samples[name].append(_time(statement))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    for name, value in medians.items():
        print(f"{name:<30} median {value * 1000:7.1f} ms   min {min(samples[name]) * 1000:7.1f} ms")
    ratio = medians["import synapse_models"] / medians["import synapseclient.models"]
    print(f"ratio synapse_models / synapseclient.models: {ratio:.2f} (target <= 0.33)")
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, synapse_models; print(sorted(m for m in ('pandas', 'werkzeug', "
            "'sqlglot', 'tqdm', 'keyring', 'requests', 'urllib3', 'numpy') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"heavy modules loaded by 'import synapse_models': {heavy}")


if __name__ == "__main__":
    main()
