#!/usr/bin/env bash
# Sets up a fresh Debian machine for crmmine: the C++ dependencies from Debian, a virtual
# environment in .venv with the build tools and Python dependencies from PyPI, and crmmine
# itself built and installed into it. Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(g++ make libeigen3-dev libboost-graph-dev doctest-dev liblbfgspp-dev clang-format)
VENV=${CRMMINE_VENV:-.venv}

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating the virtual environment $VENV"
  python3 -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
# setuptools and wheel build the peers that PyPI ships only as source (pyfim), since
# --no-build-isolation below builds them with this environment's own tools.
"${PIP[@]}" install "scikit-build-core>=0.10" "pybind11>=2.10" "cmake>=3.18" ninja \
  "setuptools>=70.1" wheel
echo "setup: building and installing crmmine into $VENV"
"${PIP[@]}" install --no-build-isolation ".[test,bench,dev]"
