#!/usr/bin/env bash
# Installs what the fuzz targets need on a fresh Debian machine: a C++ compiler, with which
# `libfuzzer-sys` builds libFuzzer from the sources it ships. Everything else comes from
# crates.io through cargo, on the stable toolchain. Run as root (or with sudo).
set -euo pipefail
if command -v g++ >/dev/null 2>&1; then
    echo "g++ found: $(g++ --version | head -1)"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends g++
