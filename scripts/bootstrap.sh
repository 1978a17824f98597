#!/usr/bin/env bash
# Set up everything hcp-dr needs on a fresh Debian 12 machine; a no-op when nothing changed.
#
#   Debian packages  etcd-server etcd-client curl  (apt-get update only if one is missing; the
#                    package's own etcd service is kept from running)
#   Python           .venv from requirements-dev.txt -c constraints.txt
#   Node             node_modules from package-lock.json (npm ci): aws-cdk CLI, asl-validator
#
# Each step is skipped while the hash of its inputs matches the stamp under .stamps/.
# Usage: scripts/bootstrap.sh [apt|python|node]...   (default: all three)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
STAMPS=$ROOT/.stamps
PYTHON=${PYTHON:-python3}
APT_PACKAGES=(etcd-server etcd-client curl)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

# This machine kind's pip.conf names local index folders that may not exist: pip warns once
# per package. Not an error; kept out of the output.
PIP_NOISE='is ignored: it is neither a file nor a directory'

log() { printf '[bootstrap] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Hash of the given files' contents plus extra strings (tool versions).
inputs_hash() {
    local extra=$1; shift
    { cat "$@"; printf '%s' "$extra"; } | sha256sum | cut -d' ' -f1
}

stamp_matches() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
write_stamp() { mkdir -p "$STAMPS"; printf '%s\n' "$2" >"$STAMPS/$1"; }

# --- Debian packages ------------------------------------------------------------------------
setup_apt() {
    local missing=() package
    for package in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        # Keep maintainer scripts from starting the etcd service while installing.
        local policy=/usr/sbin/policy-rc.d created_policy=0
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
            as_root chmod 755 "$policy"
            created_policy=1
        fi
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}" >/dev/null
        if [ "$created_policy" -eq 1 ]; then as_root rm -f "$policy"; fi
    fi
    stop_system_etcd
}

# The package's etcd service (pidfile /run/etcd.pid, user etcd) must not hold 127.0.0.1:2379:
# the project starts its own etcd processes. Only that service is touched, by its pidfile.
stop_system_etcd() {
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
        if systemctl is-enabled --quiet etcd 2>/dev/null || systemctl is-active --quiet etcd; then
            log "disabling the system etcd service"
            as_root systemctl disable --now etcd >/dev/null 2>&1 || true
        fi
    elif [ -x /etc/init.d/etcd ] && command -v update-rc.d >/dev/null \
            && ls /etc/rc[2-5].d/S*etcd >/dev/null 2>&1; then
        as_root update-rc.d etcd disable >/dev/null 2>&1 || true
    fi
    local pidfile
    for pidfile in /run/etcd.pid /var/run/etcd.pid; do
        if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            log "stopping the system etcd service (pid $(cat "$pidfile"))"
            as_root start-stop-daemon --stop --quiet --retry 10 --pidfile "$pidfile" \
                --exec /usr/bin/etcd || true
        fi
    done
}

# --- Python ---------------------------------------------------------------------------------
setup_python() {
    local version
    version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    case "$version" in 3.1[1-9]) ;; *) log "need Python >= 3.11, $PYTHON is $version"; exit 1;; esac
    local hash
    hash=$(inputs_hash "python=$version" requirements.txt requirements-dev.txt constraints.txt)
    if [ -x .venv/bin/python ] && stamp_matches venv "$hash"; then
        return
    fi
    if [ ! -x .venv/bin/python ]; then
        log "creating .venv with $PYTHON ($version)"
        "$PYTHON" -m venv .venv
    fi
    log "pip install -r requirements-dev.txt -c constraints.txt"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        -r requirements-dev.txt -c constraints.txt 2> >(grep -v "$PIP_NOISE" >&2)
    write_stamp venv "$hash"
}

# --- Node -----------------------------------------------------------------------------------
setup_node() {
    command -v node >/dev/null && command -v npm >/dev/null \
        || { log "node and npm are required (Node >= 20)"; exit 1; }
    local hash
    hash=$(inputs_hash "node=$(node --version)" package.json package-lock.json)
    if [ -x node_modules/.bin/cdk ] && [ -x node_modules/.bin/asl-validator ] \
            && stamp_matches node "$hash"; then
        return
    fi
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    write_stamp node "$hash"
}

steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(apt python node)
for step in "${steps[@]}"; do
    case "$step" in
        apt) setup_apt ;;
        python) setup_python ;;
        node) setup_node ;;
        *) log "unknown step: $step (apt, python, node)"; exit 2 ;;
    esac
done
