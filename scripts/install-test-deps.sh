#!/usr/bin/env bash
# Installs the system programs that Station's test suite drives, from Debian packages, when
# they are missing. Idempotent: with everything present it changes nothing and touches no
# network. Runs as root (or through passwordless sudo); exits non-zero with a clear message
# when something is missing and cannot be installed.
#
# Add a line to NEEDED when a test starts using another program.
set -euo pipefail

# "package:program" pairs; a program is found on PATH, or in /usr/sbin and /sbin (sshd).
NEEDED=(
    "tmux:tmux"
    "less:less"
    "openssh-server:sshd"
    "openssh-client:ssh-keygen"
)

have() {
    command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 || -x /sbin/$1 ]]
}

missing=()
for pair in "${NEEDED[@]}"; do
    package=${pair%%:*}
    program=${pair#*:}
    have "$program" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "install-test-deps: everything the tests need is installed"
    exit 0
fi

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "install-test-deps: missing ${missing[*]}; run this script as root or install them with:" >&2
    echo "    apt-get install ${missing[*]}" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: missing ${missing[*]} and apt-get is not available; install them with your package manager" >&2
    exit 1
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get update -qq; then
    echo "install-test-deps: apt-get update failed; cannot install ${missing[*]}" >&2
    exit 1
fi
if ! "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "install-test-deps: apt-get install ${missing[*]} failed" >&2
    exit 1
fi

for pair in "${NEEDED[@]}"; do
    program=${pair#*:}
    if ! have "$program"; then
        echo "install-test-deps: ${pair%%:*} was installed but $program is still not found" >&2
        exit 1
    fi
done
echo "install-test-deps: installed ${missing[*]}"
