#!/usr/bin/env bash
# Installs driftlab into the current Python environment.
#   bash scripts/install.sh          the package with every extra (training, digits, dashboard)
#   bash scripts/install.sh --test   also what the test suite needs (lint and type checkers included),
#                                    and the browser tests' headless Chromium (Debian's package)
# Lighter installs are plain pip: `pip install .` (streams, detectors, scenario files, the CLI for
# those) or `pip install ".[torch]"` (training too, no dashboard).
# A torch that is already installed (a CUDA build, say) is kept. With no torch at all, the
# 2.13.0 build is installed first and pinned, so that pip never resolves the unpinned
# requirement to a newer release and its several GB of CUDA wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
pip() { python -m pip --disable-pip-version-check -q "$@"; }

# Debian's chromium for tests/browser (Playwright's own browser download does not work offline;
# the tests launch /usr/bin/chromium), with fonts-liberation (its recommended Helvetica/Arial
# metric fonts, which Bokeh's canvas text asks for). Skipped when chromium is already there.
install_chromium() {
    [ -x /usr/bin/chromium ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "install.sh: chromium needs root (or sudo) to install" >&2; return 1; }
        sudo="sudo -n"
    fi
    command -v apt-get >/dev/null || { echo "install.sh: no apt-get; install chromium at /usr/bin/chromium" >&2; return 1; }
    echo "install.sh: installing Debian's chromium for the browser tests"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold chromium fonts-liberation >/dev/null
    [ -x /usr/bin/chromium ]
}

python -c "import torch" 2>/dev/null || pip install "torch==2.13.0"

extras="all"
if [ "${1:-}" = "--test" ]; then
    extras="all,test"
    install_chromium
fi
pip install -e ".[${extras}]"
