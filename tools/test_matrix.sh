#!/usr/bin/env bash
# Run the project's `make test` inside Debian chroots, one per QGIS version the host does not
# have (see docs/compatibility.md):
#
#   bookworm          Debian 12, QGIS 3.22
#   trixie            Debian 13, QGIS 3.40
#   trixie-backports  Debian 13 with QGIS from trixie-backports (3.44), chosen by an apt pin
#
# Usage: tools/test_matrix.sh [--fresh] [TARGET...]     (as root; `make test-matrix MATRIX=...`)
#        tools/test_matrix.sh --shell TARGET            (a shell in a prepared chroot)
#
# For every target, one after the other:
#   1. the chroot base ${CISC_MATRIX_DIR}/<target> is built with `debootstrap --variant=minbase`
#      when absent (or with --fresh), reused otherwise;
#   2. apt sources (and, for backports, the pin), the host's extra CA certificates, resolv.conf;
#   3. a fresh `git clone` of this checkout's HEAD (committed state only; or CISC_MATRIX_REF) into
#      /root/src;
#   4. /proc, /sys, /dev, /dev/pts bound in (a private tmpfs on /dev/shm); they are always
#      unmounted again, on success, failure, timeout, Ctrl-C or TERM;
#   5. under a memory cap (cgroup v1 or v2, else prlimit --as) and a time limit, inside a clean
#      environment (env -i: none of the host's PIP_* settings), `make setup`, then the marker
#      ${CISC_MATRIX_DIR}/<target>.prepared, then `make test`;
#   6. the versions (QGIS, GDAL, numpy, Python, PyQt, Qt) read inside the chroot and one result
#      line appended to ${CISC_MATRIX_DIR}/results.tsv; the full output is in <target>.log.
# The exit status is non-zero when any target failed.
#
# Environment (all optional):
#   CISC_MATRIX_DIR            where chroots, logs and results live   (/var/tmp/cisc-matrix)
#   CISC_MATRIX_MEMORY         memory cap of a target's run            (8G)
#   CISC_MATRIX_TIMEOUT        time limit of `make test`                (60m; timeout(1) syntax)
#   CISC_MATRIX_SETUP_TIMEOUT  time limit of apt upgrade / make setup   (60m)
#   CISC_MATRIX_PYTEST_ARGS    passed as PYTEST_ARGS to `make test`     (empty: the whole suite)
#   CISC_MATRIX_REF            the commit to test                       (HEAD)
#   CISC_MATRIX_FRESH=1        same as --fresh
#   CISC_MATRIX_MIRROR         Debian mirror                            (http://deb.debian.org/debian)
#   CISC_MATRIX_SECURITY_MIRROR                                  (http://deb.debian.org/debian-security)
set -euo pipefail

# -- configuration ----------------------------------------------------------------------------
REPO=$(git -C "$(dirname "${BASH_SOURCE[0]}")/.." rev-parse --show-toplevel)
MATRIX_DIR=${CISC_MATRIX_DIR:-/var/tmp/cisc-matrix}
MIRROR=${CISC_MATRIX_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${CISC_MATRIX_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
MEMORY=${CISC_MATRIX_MEMORY:-8G}
TEST_TIMEOUT=${CISC_MATRIX_TIMEOUT:-60m}
SETUP_TIMEOUT=${CISC_MATRIX_SETUP_TIMEOUT:-60m}
PYTEST_ARGS=${CISC_MATRIX_PYTEST_ARGS:-}
REF=${CISC_MATRIX_REF:-HEAD}
FRESH=${CISC_MATRIX_FRESH:-0}
DEFAULT_MATRIX="bookworm trixie trixie-backports"
SRC=/root/src                  # the clone, as seen inside the chroot
BASE_STAMP=.cisc-matrix-base   # written into a chroot once debootstrap has completed
RESULTS=$MATRIX_DIR/results.tsv

# The whole environment of everything run inside a chroot (used with `env -i`): the host's
# PIP_* variables point at local wheel folders that do not exist there; pip uses PyPI directly,
# checking certificates against the chroot's bundle (which includes the host's extra CAs).
#
# Every process this script starts carries CISC_MATRIX_RUN_ID (exported for debootstrap, and in
# CHROOT_ENV): the cleanup only ever kills processes with this run's id, never someone else's
# session in the same chroot.
CISC_MATRIX_RUN_ID="test_matrix-$$-$(date +%s)"
export CISC_MATRIX_RUN_ID
CHROOT_ENV=(
    CISC_MATRIX_RUN_ID="$CISC_MATRIX_RUN_ID"
    HOME=/root
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    LANG=C.UTF-8
    TERM="${TERM:-dumb}"
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt
    DEBIAN_FRONTEND=noninteractive
)

# -- state used by the cleanup trap ------------------------------------------------------------
CUR_ROOT=""      # chroot (or debootstrap target) the current target works in
CUR_BUILD=""     # a debootstrap target directory (<target>.new): everything below it is ours
OUR_MOUNTS=()    # the mount points this script made, in mounting order
OWNED_ROOT=""    # a chroot that had no mounts when we took it: all mounts below it are ours
CUR_CG=""        # memory cgroup directory of the current target
CHILD_PID=""     # the background subshell running the current limited command
LIMIT_MODE=""    # cgroup-v1 | cgroup-v2 | prlimit
LIMIT_BYTES=0
TARGET_LOCK_FD=""
LOG=/dev/null    # the current target's log
CUR_TARGET=""

# Result fields of the current target (one line of results.tsv).
R_COMMIT="-" R_QGIS="-" R_GDAL="-" R_NUMPY="-" R_PYTHON="-" R_PYQT="-" R_QT="-"
R_STATUS="FAIL" R_RESULT="" R_PEAK="-" R_TIMES=""

# -- small helpers -----------------------------------------------------------------------------
usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

die() {
    echo "test_matrix: error: $*" >&2
    exit 2
}

# A progress message on stderr and in the current target's log.
log() {
    local line
    line="[$(date -u +%H:%M:%SZ)] ${CUR_TARGET:+$CUR_TARGET: }$*"
    echo "$line" >&2
    echo "== $line" >>"$LOG" 2>/dev/null || true
}

# Records a failure reason for the current target (first reason wins) and returns 1.
fail() {
    R_STATUS=FAIL
    [[ -n $R_RESULT ]] || R_RESULT="$*"
    log "FAIL: $*"
    return 1
}

# Appends "what duration" to the current target's list of durations.
add_time() {
    R_TIMES+="${R_TIMES:+, }$*"
}

fmt_duration() {
    local s=$1
    if ((s >= 3600)); then
        printf '%dh%02dm%02ds' $((s / 3600)) $((s % 3600 / 60)) $((s % 60))
    elif ((s >= 60)); then
        printf '%dm%02ds' $((s / 60)) $((s % 60))
    else
        printf '%ds' "$s"
    fi
}

# Refuses to delete anything that is not strictly inside MATRIX_DIR or that has mounts below
# it (someone may be using that chroot). Only a half-built <target>.new, which nobody but this
# script uses, is unmounted first (debootstrap's own mounts after a killed run).
safe_rm() {
    local path=$1
    [[ -n $path && $path == "$MATRIX_DIR"/?* && $path != *..* ]] || die "refusing to remove '$path'"
    [[ -e $path ]] || return 0
    [[ $path == *.new ]] && unmount_all_under "$path"
    if [[ -n $(mounts_under "$path") ]]; then
        echo "test_matrix: refusing to remove '$path': mounted below it (in use?)" >&2
        return 1
    fi
    rm -rf --one-file-system -- "$path"
}

# Mount points at or below a path, deepest first (reverse lexical order puts /x/dev/pts
# before /x/dev). Paths are compared as written in /proc/self/mountinfo, which escapes
# blanks; MATRIX_DIR is checked to contain none.
mounts_under() {
    awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# Unmounts everything at or below a path; a lazy unmount when a normal one fails (busy).
unmount_all_under() {
    local prefix=$1 mp pass
    [[ -n $prefix ]] || return 0
    for pass in 1 2 3; do
        local -a mps=()
        mapfile -t mps < <(mounts_under "$prefix")
        ((${#mps[@]})) || return 0
        for mp in "${mps[@]}"; do
            umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null ||
                echo "test_matrix: warning: cannot unmount $mp (pass $pass)" >&2
        done
    done
    if [[ -n $(mounts_under "$prefix") ]]; then
        echo "test_matrix: warning: mounts left under $prefix:" >&2
        mounts_under "$prefix" >&2
    fi
}

# PIDs of this run's processes (CISC_MATRIX_RUN_ID in their environment) whose root directory
# is the chroot or below it.
chroot_pids() {
    local root=$1 p r
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        if [[ $r == "$root" || $r == "$root"/* ]] &&
            grep -qzx "CISC_MATRIX_RUN_ID=$CISC_MATRIX_RUN_ID" "$p/environ" 2>/dev/null; then
            echo "${p#/proc/}"
        fi
    done
}

# Unmounts the mounts this script made, last first (lazily when busy); OUR_MOUNTS keeps only
# those that could not be unmounted.
unmount_ours() {
    local i mp
    local -a left=()
    for ((i = ${#OUR_MOUNTS[@]} - 1; i >= 0; i--)); do
        mp=${OUR_MOUNTS[i]}
        if awk -v p="$mp" '$5 == p { found = 1 } END { exit !found }' /proc/self/mountinfo; then
            if ! umount "$mp" 2>/dev/null && ! umount -l "$mp" 2>/dev/null; then
                echo "test_matrix: warning: cannot unmount $mp" >&2
                left=("$mp" "${left[@]}")
            fi
        fi
    done
    OUR_MOUNTS=("${left[@]}")
}

# True when a process exists and is not a zombie (a killed child we have not reaped yet).
alive() {
    local state
    state=$(sed -E 's/^.*\) ([A-Z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) && [[ -n $state && $state != Z ]]
}

# PIDs in a cgroup (v1 and v2 both have cgroup.procs).
cgroup_pids() {
    if [[ -n $1 && -r $1/cgroup.procs ]]; then
        cat "$1/cgroup.procs" 2>/dev/null || true
    fi
}

# Stops the processes this script started for the current target: the limited subshell, what
# is in its cgroup and whatever still runs inside the chroot. TERM first, KILL after 10 s.
kill_target_processes() {
    local -a pids
    local sig i
    for sig in TERM KILL; do
        for i in 1 2 3 4 5 6 7 8 9 10; do
            mapfile -t pids < <({
                [[ -n $CHILD_PID ]] && alive "$CHILD_PID" && echo "$CHILD_PID"
                cgroup_pids "$CUR_CG"
                [[ -n $CUR_ROOT ]] && chroot_pids "$CUR_ROOT"
            } | sort -u)
            ((${#pids[@]})) || return 0
            if ((i == 1)); then
                echo "test_matrix: sending $sig to leftover processes: ${pids[*]}" >&2
                kill "-$sig" "${pids[@]}" 2>/dev/null || true
            fi
            sleep 1
        done
    done
}

# Removes a cgroup directory (v1 or v2) once empty.
remove_cgroup() {
    local cg=$1 i
    [[ -n $cg && -d $cg ]] || return 0
    for i in 1 2 3 4 5 6 7 8 9 10; do
        rmdir "$cg" 2>/dev/null && return 0
        if [[ -f $cg/cgroup.kill ]]; then
            { echo 1 >"$cg/cgroup.kill"; } 2>/dev/null || true
        fi
        local -a pids
        mapfile -t pids < <(cgroup_pids "$cg")
        if ((${#pids[@]})); then
            kill -KILL "${pids[@]}" 2>/dev/null || true
        fi
        sleep 1
    done
    echo "test_matrix: warning: could not remove cgroup $cg" >&2
}

# Everything that must be undone for the current target; safe to call more than once and
# from the traps (never fails).
cleanup_target() {
    kill_target_processes || true
    CHILD_PID=""
    # Mounts made inside the chroot by the processes we ran (a test mounting a small tmpfs,
    # say) would otherwise outlive the run: below a chroot we took unmounted, all are ours.
    if [[ -n $OWNED_ROOT ]]; then
        local extra
        extra=$(mounts_under "$OWNED_ROOT" | grep -vxF -f <(printf '%s\n' "${OUR_MOUNTS[@]}") | tr '\n' ' ' || true)
        if [[ -n $extra ]]; then
            echo "test_matrix: warning: the run left mounts inside the chroot, unmounting: $extra" >&2
            echo "== warning: the run left mounts inside the chroot: $extra" >>"$LOG" 2>/dev/null || true
        fi
        unmount_all_under "$OWNED_ROOT" || true
        mapfile -t OUR_MOUNTS < <(mounts_under "$OWNED_ROOT")   # whatever could not be unmounted
        OWNED_ROOT=""
    fi
    unmount_ours || true
    if [[ -n $CUR_BUILD ]]; then
        unmount_all_under "$CUR_BUILD" || true
    fi
    remove_cgroup "$CUR_CG" || true
    CUR_CG=""
    CUR_ROOT=""
    CUR_BUILD=""
    if [[ -n $TARGET_LOCK_FD ]]; then
        exec {TARGET_LOCK_FD}>&- || true
        TARGET_LOCK_FD=""
    fi
}

on_exit() {
    local rc=$?
    trap - EXIT
    trap '' INT TERM HUP
    cleanup_target
    exit "$rc"
}

on_signal() {
    local sig=$1
    # Ignore further signals while cleaning up. (Careful in here: a shell function run in
    # $(...) must not use `return`; bash 5.2 then kills the shell from within a trap.)
    trap - EXIT
    trap '' INT TERM HUP
    log "interrupted by SIG$sig, cleaning up"
    if [[ -n $CUR_TARGET ]]; then
        R_STATUS=FAIL
        R_RESULT="interrupted (SIG$sig)${R_RESULT:+; $R_RESULT}"
        [[ -n $CUR_CG ]] && R_PEAK=$(memory_peak)
        cleanup_target
        write_result || true
    fi
    cleanup_target
    [[ $sig == INT ]] && exit 130
    exit 143
}

# Runs a command inside the chroot with the clean environment (no limits; short commands).
in_chroot() {
    chroot "$CUR_ROOT" /usr/bin/env -i "${CHROOT_ENV[@]}" "$@"
}

# Takes a per-target lock so that a --shell session and a test run never share a chroot.
lock_target() {
    local target=$1
    exec {TARGET_LOCK_FD}>"$MATRIX_DIR/$target.lock"
    flock -n "$TARGET_LOCK_FD"
}

# -- building and configuring the chroot ------------------------------------------------------

ensure_host_tools() {
    local missing=() t
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    for t in git chroot timeout flock numfmt prlimit awk; do
        command -v "$t" >/dev/null || die "'$t' is needed on the host"
    done
    if ((${#missing[@]})); then
        echo "test_matrix: installing on the host: ${missing[*]}" >&2
        if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; }; then
            die "cannot install ${missing[*]}"
        fi
    fi
}

# Builds ${MATRIX_DIR}/<target> from nothing with debootstrap unless a complete one exists
# (--fresh: always). It is built as <target>.new and renamed once complete, so an interrupted
# build is never mistaken for a base.
ensure_base() {
    local target=$1 suite=$2 root=$MATRIX_DIR/$1
    if [[ $FRESH == 1 ]]; then
        log "--fresh: removing $root"
        safe_rm "$root" || return 1
    fi
    if [[ -f $root/$BASE_STAMP ]]; then
        log "reusing base $root ($(head -n1 "$root/$BASE_STAMP"))"
        return 0
    fi
    if [[ -e $root ]]; then
        log "incomplete base $root: rebuilding"
        safe_rm "$root" || return 1
    fi
    local new=$root.new t0=$SECONDS
    safe_rm "$new" || return 1
    CUR_ROOT=$new CUR_BUILD=$new   # debootstrap mounts /proc itself; the trap cleans up after it
    log "debootstrap --variant=minbase $suite into $new"
    # In the background and waited for, like run_limited, so that a signal is handled at once.
    debootstrap --variant=minbase --include=make,git,ca-certificates \
        "$suite" "$new" "$MIRROR" </dev/null >>"$LOG" 2>&1 &
    CHILD_PID=$!
    local rc=0
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    ((rc == 0)) || return 1
    unmount_all_under "$new"
    echo "$suite minbase, built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $MIRROR" >"$new/$BASE_STAMP"
    mv "$new" "$root"
    CUR_ROOT="" CUR_BUILD=""
    add_time "build $(fmt_duration $((SECONDS - t0)))"
    log "base built in $(fmt_duration $((SECONDS - t0)))"
}

# Apt sources (+ the backports pin), CA certificates, DNS; redone on every run so that a
# reused base always matches this script.
configure_chroot() {
    local root=$1 suite=$2 backports=$3
    {
        echo "# written by tools/test_matrix.sh"
        echo "deb $MIRROR $suite main"
        echo "deb $MIRROR $suite-updates main"
        echo "deb $SECURITY_MIRROR $suite-security main"
        if ((backports)); then echo "deb $MIRROR $suite-backports main"; fi
    } >"$root/etc/apt/sources.list" || return 1
    rm -f "$root/etc/apt/sources.list.d/debian.sources"
    local pin=$root/etc/apt/preferences.d/cisc-matrix-backports
    if ((backports)); then
        # Everything trixie-backports has (qgis, python3-qgis, qgis-providers, libqgis*, and the
        # newer libraries they need) wins over trixie: the same choice as
        # `apt-get -t trixie-backports`, so the Makefile's plain `apt-get install` gets 3.44.
        cat >"$pin" <<EOF || return 1
# written by tools/test_matrix.sh: QGIS and its dependencies from $suite-backports
Package: *
Pin: release n=$suite-backports
Pin-Priority: 990
EOF
    else
        rm -f "$pin"
    fi
    printf 'Acquire::Retries "3";\n' >"$root/etc/apt/apt.conf.d/90cisc-matrix"
    # No daemon may start inside the chroot (it would keep the mounts busy).
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
    rm -f "$root/etc/resolv.conf" && cp -L /etc/resolv.conf "$root/etc/resolv.conf" || return 1
    # The host's extra CAs (e.g. a TLS-inspecting proxy's): without them pip fails its
    # certificate checks inside the chroot.
    mkdir -p "$root/usr/local/share/ca-certificates"
    local -a cas
    shopt -s nullglob
    cas=(/usr/local/share/ca-certificates/*)
    shopt -u nullglob
    if ((${#cas[@]})); then
        cp -a "${cas[@]}" "$root/usr/local/share/ca-certificates/" || return 1
    fi
    chroot "$root" /usr/bin/env -i "${CHROOT_ENV[@]}" update-ca-certificates >>"$LOG" 2>&1
}

# A fresh clone of the host checkout's HEAD, or of CISC_MATRIX_REF (committed state: no
# .venv, .hypothesis, stamps or uncommitted edits).
clone_source() {
    local root=$1 sha
    sha=$(git -C "$REPO" rev-parse --verify --quiet "$REF^{commit}") || return 1
    R_COMMIT=${sha:0:12}
    rm -rf --one-file-system -- "${root:?}$SRC"
    git clone --quiet --no-hardlinks "$REPO" "$root$SRC" >>"$LOG" 2>&1 &&
        git -C "$root$SRC" checkout --quiet --detach "$sha" >>"$LOG" 2>&1 || return 1
    log "cloned $REPO at $R_COMMIT into $SRC"
}

# Binds /proc, /sys, /dev and /dev/pts into the chroot, each made private so that nothing
# mounted below them propagates back to the host; /dev/shm is a private tmpfs. Refuses a chroot
# that already has mounts (another session in it, or leftovers of a run killed with -9: then
# `umount -R` them by hand once sure nobody uses them).
mount_chroot() {
    local root=$1 d
    CUR_ROOT=$root
    if [[ -n $(mounts_under "$root") ]]; then
        echo "test_matrix: $root already has mounts (in use?):" >&2
        mounts_under "$root" >&2
        return 1
    fi
    OWNED_ROOT=$root
    for d in proc sys dev dev/pts; do
        mkdir -p "$root/$d"
        mount --bind "/$d" "$root/$d" || return 1
        OUR_MOUNTS+=("$root/$d")
        mount --make-private "$root/$d" || return 1
    done
    mkdir -p "$root/dev/shm"
    mount -t tmpfs -o mode=1777,nosuid,nodev cisc-matrix-shm "$root/dev/shm" || return 1
    OUR_MOUNTS+=("$root/dev/shm")
}

# -- the memory cap ---------------------------------------------------------------------------
# A memory cgroup below the one this script runs in (so any cap already on us still applies):
# v1 (memory.limit_in_bytes, memory.memsw.limit_in_bytes) or v2 (memory.max, memory.swap.max).
# If neither works: prlimit --as on the command (a cruder cap on address space).
setup_memory_limit() {
    local target=$1 rel parent cg
    LIMIT_BYTES=$(numfmt --from=iec "$MEMORY") || die "bad CISC_MATRIX_MEMORY '$MEMORY'"
    CUR_CG="" LIMIT_MODE=prlimit
    if [[ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]]; then
        rel=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
        parent=/sys/fs/cgroup/memory${rel%/}
        cg=$parent/cisc-matrix-$target
        remove_cgroup "$cg"
        if mkdir "$cg" 2>/dev/null; then
            CUR_CG=$cg
            if echo "$LIMIT_BYTES" >"$cg/memory.limit_in_bytes" 2>/dev/null; then
                if [[ -f $cg/memory.memsw.limit_in_bytes ]]; then
                    { echo "$LIMIT_BYTES" >"$cg/memory.memsw.limit_in_bytes"; } 2>/dev/null || true
                fi
                LIMIT_MODE=cgroup-v1
            else
                remove_cgroup "$cg"
                CUR_CG=""
            fi
        fi
    elif [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
        rel=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
        parent=/sys/fs/cgroup${rel%/}
        cg=$parent/cisc-matrix-$target
        remove_cgroup "$cg"
        # The memory controller must be enabled for the parent's children (this fails when
        # the parent holds processes itself and is not the root: then prlimit it is).
        if grep -qw memory "$parent/cgroup.subtree_control" 2>/dev/null ||
            { echo +memory >"$parent/cgroup.subtree_control"; } 2>/dev/null; then
            if mkdir "$cg" 2>/dev/null; then
                CUR_CG=$cg
                if echo "$LIMIT_BYTES" >"$cg/memory.max" 2>/dev/null; then
                    if [[ -f $cg/memory.swap.max ]]; then
                        { echo 0 >"$cg/memory.swap.max"; } 2>/dev/null || true
                    fi
                    LIMIT_MODE=cgroup-v2
                else
                    remove_cgroup "$cg"
                    CUR_CG=""
                fi
            fi
        fi
    fi
    log "memory cap $MEMORY ($LIMIT_MODE${CUR_CG:+ $CUR_CG})"
}

# Peak memory of the current cgroup (includes the page cache its processes filled), human readable.
# (No `return` in here: it is used in $(...) from the signal trap, where bash mishandles one.)
memory_peak() {
    local f peak="-"
    for f in memory.max_usage_in_bytes memory.peak; do
        if [[ $peak == - && -n $CUR_CG && -r $CUR_CG/$f ]]; then
            peak=$(numfmt --to=iec --format='%.1f' "$(cat "$CUR_CG/$f")")
        fi
    done
    echo "$peak"
}

# Number of OOM kills in the cgroup so far.
oom_kills() {
    local n=""
    if [[ -n $CUR_CG && -r $CUR_CG/memory.oom_control ]]; then
        n=$(awk '$1 == "oom_kill" { print $2 }' "$CUR_CG/memory.oom_control")
    elif [[ -n $CUR_CG && -r $CUR_CG/memory.events ]]; then
        n=$(awk '$1 == "oom_kill" { print $2 }' "$CUR_CG/memory.events")
    fi
    echo "${n:-0}"
}

# Runs a command inside the chroot, in the clean environment, under the memory cap and a time
# limit (timeout(1): TERM, then KILL a minute later), output to the log. The command runs in a
# background subshell that we `wait` for, so that Ctrl-C / TERM reach our trap immediately.
run_limited() {
    local limit=$1
    shift
    local -a cmd=(timeout --kill-after=60 "$limit" chroot "$CUR_ROOT" /usr/bin/env -i "${CHROOT_ENV[@]}" "$@")
    (
        if [[ -n $CUR_CG ]]; then
            echo "$BASHPID" >"$CUR_CG/cgroup.procs"
        else
            cmd=(prlimit "--as=$LIMIT_BYTES" -- "${cmd[@]}")
        fi
        exec "${cmd[@]}"
    ) </dev/null >>"$LOG" 2>&1 &
    CHILD_PID=$!
    local rc=0
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    return "$rc"
}

# -- one target ----------------------------------------------------------------------------------

# The versions inside the chroot, tab separated: QGIS GDAL numpy Python PyQt Qt.
read_versions() {
    local out pkg
    out=$(in_chroot QT_QPA_PLATFORM=offscreen timeout 300 python3 -c '
import sys
from qgis.core import Qgis
from osgeo import gdal
import numpy
from PyQt5.QtCore import PYQT_VERSION_STR, QT_VERSION_STR
print("\t".join([Qgis.QGIS_VERSION, gdal.__version__, numpy.__version__,
                 sys.version.split()[0], PYQT_VERSION_STR, QT_VERSION_STR]))
' 2>>"$LOG" | tail -n1) || return 1
    # shellcheck disable=SC2016  # ${Version} is dpkg-query's field, not a shell expansion
    pkg=$(in_chroot dpkg-query -W -f='${Version}' qgis 2>>"$LOG") || return 1
    IFS=$'\t' read -r R_QGIS R_GDAL R_NUMPY R_PYTHON R_PYQT R_QT <<<"$out"
    [[ -n $R_QT ]] || return 1
    R_QGIS="$R_QGIS (deb $pkg)"
    log "versions: QGIS $R_QGIS, GDAL $R_GDAL, numpy $R_NUMPY, Python $R_PYTHON, PyQt $R_PYQT, Qt $R_QT"
}

# The last pytest summary line of the log ("2 failed, 268 passed in 52.10s"), if any.
pytest_summary() {
    { grep -E '^=+ .* in [0-9][0-9.]*s( \([0-9:]+\))? =+$' "$LOG" || true; } | tail -n1 | sed -E 's/^=+ //; s/ =+$//'
}

run_target() {
    local target=$1 suite backports=0 root=$MATRIX_DIR/$1 t0=$SECONDS rc t
    case $target in
        bookworm) suite=bookworm ;;
        trixie) suite=trixie ;;
        trixie-backports) suite=trixie backports=1 ;;
        *) fail "unknown target"; return 1 ;;
    esac
    rm -f "$MATRIX_DIR/$target.prepared" "$MATRIX_DIR/$target.failed-tests"
    lock_target "$target" || { fail "chroot in use (a --shell session?)"; return 1; }
    # Someone else's mounts in it: leave that chroot (and its /root/src) alone.
    if [[ -n $(mounts_under "$root") ]]; then
        fail "chroot in use: $root has mounts ($(mounts_under "$root" | tr '\n' ' '))"
        return 1
    fi

    ensure_base "$target" "$suite" || { fail "building the base failed (see $target.log)"; return 1; }
    configure_chroot "$root" "$suite" "$backports" || { fail "configuring the chroot failed"; return 1; }
    clone_source "$root" || { fail "git clone of $REF failed"; return 1; }
    mount_chroot "$root" || { fail "mounting /proc, /sys, /dev failed (chroot in use?)"; return 1; }
    setup_memory_limit "$target"

    # Set-up: bring the chroot up to date (with the pin, for backports), then `make setup`
    # (installs QGIS and the rest with apt, builds .venv with pip from PyPI).
    t=$SECONDS
    log "apt-get update and dist-upgrade"
    rc=0
    run_limited "$SETUP_TIMEOUT" sh -c 'apt-get update -q && apt-get dist-upgrade -y -q' || rc=$?
    ((rc == 0)) || { fail "apt-get update/dist-upgrade failed (rc $rc)"; return 1; }
    log "make setup"
    run_limited "$SETUP_TIMEOUT" make -C "$SRC" setup || rc=$?
    if ((rc == 124 || rc == 137)); then
        fail "make setup timed out after $SETUP_TIMEOUT"
        return 1
    fi
    ((rc == 0)) || { fail "make setup failed (rc $rc, see $target.log)"; return 1; }
    add_time "setup $(fmt_duration $((SECONDS - t)))"
    read_versions || { fail "cannot read the QGIS/GDAL/numpy/PyQt versions"; return 1; }
    if ((backports)) && [[ $R_QGIS != *bpo* ]]; then
        fail "QGIS is not the backports build: $R_QGIS"
        return 1
    fi
    {
        echo "chroot $root ready: QGIS and the project's packages installed, $SRC/.venv built"
        echo "commit $R_COMMIT, QGIS $R_QGIS, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "enter it with: tools/test_matrix.sh --shell $target"
    } >"$MATRIX_DIR/$target.prepared"
    log "prepared: $MATRIX_DIR/$target.prepared"

    # The tests.
    t=$SECONDS
    # A new cgroup (same cap) for the tests: their peak is then theirs alone, not the page cache
    # apt and pip left charged to the set-up's.
    remove_cgroup "$CUR_CG"
    setup_memory_limit "$target"
    local -a make_args=(make -C "$SRC" test)
    [[ -n $PYTEST_ARGS ]] && make_args+=("PYTEST_ARGS=$PYTEST_ARGS")
    log "${make_args[*]} (time limit $TEST_TIMEOUT)"
    rc=0
    run_limited "$TEST_TIMEOUT" "${make_args[@]}" || rc=$?
    R_PEAK=$(memory_peak)
    add_time "test $(fmt_duration $((SECONDS - t)))"
    local summary ooms last_file
    summary=$(pytest_summary)
    ooms=$(oom_kills)
    grep -E '^(FAILED|ERROR) ' "$LOG" | sed -E 's/ - .*//' >"$MATRIX_DIR/$target.failed-tests" || true
    [[ -s $MATRIX_DIR/$target.failed-tests ]] || rm -f "$MATRIX_DIR/$target.failed-tests"
    log "make test: rc $rc, ${summary:-no pytest summary}, memory peak $R_PEAK, OOM kills $ooms," \
        "$(fmt_duration $((SECONDS - t)))"
    if ((rc == 0)); then
        R_STATUS=PASS
        R_RESULT=${summary:-make test passed}
        return 0
    fi
    # Which test file was running when pytest died (its progress line is the last one).
    last_file=$(grep -oE '^tests/[^ ]+\.py' "$LOG" | tail -n1 || true)
    if ((ooms > 0)); then
        fail "killed by the OOM killer at the $MEMORY cap (peak $R_PEAK)${last_file:+ in $last_file}${summary:+; $summary}"
    elif ((rc == 124 || rc == 137)); then
        fail "timed out after $TEST_TIMEOUT${last_file:+ in $last_file}${summary:+; $summary}"
    elif [[ -n $summary ]]; then
        fail "$summary"
    else
        fail "make test failed (rc $rc), no pytest summary${last_file:+; last file $last_file}"
    fi
}

# Appends the current target's line to results.tsv and prints it.
write_result() {
    local times=$R_TIMES
    if [[ ! -s $RESULTS ]]; then
        printf '%s\n' "$(printf '%s\t' date_utc target commit qgis gdal numpy python pyqt qt status result memory_peak durations | sed 's/\t$//')" >"$RESULTS"
    fi
    local result=${R_RESULT//$'\t'/ }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$CUR_TARGET" "$R_COMMIT" "$R_QGIS" "$R_GDAL" "$R_NUMPY" \
        "$R_PYTHON" "$R_PYQT" "$R_QT" "$R_STATUS" "$result" "$R_PEAK" "${times:--}" >>"$RESULTS"
    printf 'RESULT %-16s %-4s QGIS %s | GDAL %s | numpy %s | Python %s | PyQt %s | Qt %s | %s | peak %s | %s\n' \
        "$CUR_TARGET" "$R_STATUS" "$R_QGIS" "$R_GDAL" "$R_NUMPY" "$R_PYTHON" "$R_PYQT" "$R_QT" \
        "$result" "$R_PEAK" "${times:--}"
}

# --shell TARGET: an interactive shell in an existing chroot (mounts in place, clean
# environment), everything unmounted when it exits.
shell_target() {
    local target=$1 root=$MATRIX_DIR/$1
    [[ -f $root/$BASE_STAMP ]] || die "no chroot at $root: run the matrix for $target first"
    lock_target "$target" || die "$target is in use by a test run or another shell"
    mount_chroot "$root" || die "mounting failed"
    echo "test_matrix: shell in $root (exit to unmount)" >&2
    local rc=0
    chroot "$root" /usr/bin/env -i "${CHROOT_ENV[@]}" QT_QPA_PLATFORM=offscreen \
        bash -c "cd $SRC 2>/dev/null; exec bash -i" || rc=$?
    cleanup_target
    return "$rc"
}

# -- main ------------------------------------------------------------------------------------------
main() {
    local shell_for="" arg
    local -a targets=()
    while (($#)); do
        arg=$1
        shift
        case $arg in
            -h | --help) usage; exit 0 ;;
            --fresh) FRESH=1 ;;
            --shell) (($#)) || die "--shell needs a target"; shell_for=$1; shift ;;
            --) targets+=("$@"); break ;;
            -*) die "unknown option $arg (see --help)" ;;
            *) targets+=("$arg") ;;
        esac
    done
    # Targets may also come as one word list (make passes $(MATRIX) split already).
    ((${#targets[@]})) || read -r -a targets <<<"$DEFAULT_MATRIX"
    [[ -n $shell_for ]] && targets=("$shell_for")
    for arg in "${targets[@]}"; do
        case $arg in
            bookworm | trixie | trixie-backports) ;;
            *) die "unknown target '$arg' (known: $DEFAULT_MATRIX)" ;;
        esac
    done
    (($(id -u) == 0)) || die "must run as root (debootstrap, chroot, mounts, cgroups)"
    [[ $MATRIX_DIR == /* && $MATRIX_DIR != *[[:space:]]* && $MATRIX_DIR != / ]] ||
        die "CISC_MATRIX_DIR must be an absolute path without blanks"
    mkdir -p "$MATRIX_DIR"

    trap on_exit EXIT
    trap 'on_signal INT' INT
    trap 'on_signal TERM' TERM
    trap 'on_signal HUP' HUP

    if [[ -n $shell_for ]]; then
        shell_target "$shell_for"
        return
    fi

    # One matrix run at a time on this machine (2 cores: the chroot tests never overlap).
    exec 9>"$MATRIX_DIR/.matrix.lock"
    flock -n 9 || die "another test_matrix run is active (lock $MATRIX_DIR/.matrix.lock)"
    ensure_host_tools

    local failed=0 t0
    for CUR_TARGET in "${targets[@]}"; do
        R_COMMIT="-" R_QGIS="-" R_GDAL="-" R_NUMPY="-" R_PYTHON="-" R_PYQT="-" R_QT="-"
        R_STATUS="FAIL" R_RESULT="" R_PEAK="-" R_TIMES=""
        LOG=$MATRIX_DIR/$CUR_TARGET.log
        [[ -f $LOG ]] && mv -f "$LOG" "$LOG.prev"
        : >"$LOG"
        t0=$SECONDS
        log "start (log $LOG)"
        run_target "$CUR_TARGET" || failed=1
        cleanup_target
        add_time "total $(fmt_duration $((SECONDS - t0)))"
        write_result
        log "done: $R_STATUS"
        if ((${#OUR_MOUNTS[@]})); then
            echo "test_matrix: warning: mounts left: ${OUR_MOUNTS[*]}" >&2
            failed=1
        fi
    done
    CUR_TARGET="" LOG=/dev/null
    echo "results: $RESULTS" >&2
    return "$failed"
}

main "$@"
