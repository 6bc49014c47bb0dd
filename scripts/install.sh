#!/usr/bin/env bash
# Installs driftlab into the current Python environment.
#   bash scripts/install.sh          the package and the dashboard
#   bash scripts/install.sh --test   also what the test suite needs
# A torch that is already installed (a CUDA build, say) is kept. With no torch at all, the
# 2.13.0 build is installed first and pinned, so that pip never resolves the unpinned
# requirement to a newer release and its several GB of CUDA wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
pip() { python -m pip --disable-pip-version-check -q "$@"; }

python -c "import torch" 2>/dev/null || pip install "torch==2.13.0"

extras=""
if [ "${1:-}" = "--test" ]; then
    extras="[test]"
fi
pip install -e ".${extras}"
