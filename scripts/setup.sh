#!/usr/bin/env bash
# Installs everything batcoder needs on a fresh Debian/Ubuntu machine: system runtimes for the
# sandbox (ruby, go, bubblewrap), a virtual environment in .venv, CPU PyTorch and the project.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(ruby ruby-test-unit golang-go golang-github-stretchr-testify-dev bubblewrap)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install with your package manager: ${missing[*]}" >&2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
# The CPU build of PyTorch; without it a plain 'torch' requirement pulls a multi-GB CUDA build.
.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/pip install -q "torch==2.13.0"
.venv/bin/pip install -q -e ".[dev]"
