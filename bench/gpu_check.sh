#!/usr/bin/env bash
# On a machine with a CUDA GPU: the CUDA-marked tests, then every solution, correct variant and
# mistake graded on the GPU and on the CPU with their verdicts compared. Prints a summary line;
# exit status 0 only when both hold. Run from anywhere: bash bench/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || { python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && PY=.venv/bin/python; }
"$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else "no CUDA GPU visible to torch")' || exit 2
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1
"$PY" -m pytest -q -m cuda -p no:randomly 2>&1 | tail -3
tests=${PIPESTATUS[0]}
verdicts_out=$("$PY" bench/gpu_verdicts.py --device cuda --against cpu)
verdicts=$?
echo "$verdicts_out" | tail -20
echo "gpu_check: cuda tests $([ "$tests" = 0 ] && echo passed || echo FAILED); $(echo "$verdicts_out" | tail -1)"
[ "$tests" = 0 ] && [ "$verdicts" = 0 ]
