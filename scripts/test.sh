#!/usr/bin/env bash
# Installs batcoder (scripts/setup.sh) and runs the whole test suite. Exit status: pytest's, except
# that "no tests collected" (5) is a failure too.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
.venv/bin/python -m pytest "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "test: pytest collected no tests" >&2
  exit 1
fi
exit $status
