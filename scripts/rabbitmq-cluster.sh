#!/usr/bin/env bash
# A local three-node RabbitMQ cluster on this one machine, for tests of quorum queues surviving the loss of nodes.
# It runs Debian's rabbitmq-server package (3.10) directly, next to (and independent of) the system node
# rabbit@localhost on 5672/15672/25672, which it never touches.
#
#   scripts/rabbitmq-cluster.sh start            start the nodes that are not running (all at once), form the
#                                                cluster on first start, make sure of the vhosts and of guest
#   scripts/rabbitmq-cluster.sh stop             stop all three nodes (3, 2, then 1)
#   scripts/rabbitmq-cluster.sh stop-node N      stop node N (1..3)
#   scripts/rabbitmq-cluster.sh start-node N     start node N and wait until the cluster sees it running again
#   scripts/rabbitmq-cluster.sh status           one line per node, then the cluster's running nodes
#   scripts/rabbitmq-cluster.sh destroy          stop all and remove CLUSTER_DIR
#   scripts/rabbitmq-cluster.sh uris [VHOST]     kombu failover URL list for VHOST (default "/", as %2F)
#
#   node               AMQP (127.0.0.1)  distribution  management HTTP (127.0.0.1)
#   cimer-1@localhost  5681              25681         15681
#   cimer-2@localhost  5682              25682         15682
#   cimer-3@localhost  5683              25683         15683
#
# Everything a node writes is under CLUSTER_DIR/cimer-N (mnesia/, log/, rabbitmq.pid, rabbitmq.conf). The nodes
# and this script's rabbitmqctl calls share the cluster's own Erlang cookie, CLUSTER_DIR/home/.erlang.cookie
# (HOME points there), never the system node's. The nodes run as the calling user (root here), not as `rabbitmq`:
# Debian's /usr/sbin wrappers would switch to that user, reset HOME to /var/lib/rabbitmq (the system cookie) and
# write the system node's startup_log, so the script calls /usr/lib/rabbitmq/bin/* itself. The system files
# /etc/rabbitmq/{rabbitmq-env.conf,rabbitmq.conf,enabled_plugins,conf.d} are not read (they name the system node
# and its port); each node gets its own.
#
# After a full stop, RabbitMQ nodes wait at boot for the peers that were running when they stopped, so `start`
# starts all stopped nodes at once; `start-node N` is for bringing back one node while at least one other runs.
#
# Environment: CLUSTER_DIR (default <repository>/var/rabbitmq-cluster), CLUSTER_VHOSTS (default
# "/ cimer_test cimer_bench"), CLUSTER_TIMEOUT (seconds a node may take to start or stop, default 90),
# CLUSTER_MEMORY_HIGH_WATERMARK (per node, default 1GB), RABBITMQ_BIN_DIR (default /usr/lib/rabbitmq/bin).
# Exit status: 0 on success, 1 on failure (with the tail of the failing node's log), 2 on bad usage; `status` only
# reports (0).
#
# Times measured on the 2-core development machine (busy with other work): `start` from nothing 17-26 s (node 1
# first, then 2 and 3 together), after `stop` 11-13 s, on a running cluster about 2 s; `stop` 7-11 s;
# `stop-node` 2-5 s; `start-node` 7-14 s. Each node takes about 150 MB.
set -euo pipefail

SCRIPT_NAME="${0##*/}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(dirname "$SCRIPT_DIR")"

CLUSTER_DIR="$(realpath -m -- "${CLUSTER_DIR:-$REPO_ROOT/var/rabbitmq-cluster}")"
CLUSTER_VHOSTS="${CLUSTER_VHOSTS-/ cimer_test cimer_bench}"
TIMEOUT="${CLUSTER_TIMEOUT:-90}"
MEMORY_HIGH_WATERMARK="${CLUSTER_MEMORY_HIGH_WATERMARK:-1GB}"
RABBITMQ_BIN_DIR="${RABBITMQ_BIN_DIR:-/usr/lib/rabbitmq/bin}"

readonly NODES=(1 2 3)
readonly NODE_HOST=localhost
readonly AMQP_PORT_BASE=5680 DIST_PORT_BASE=25680 MGMT_PORT_BASE=15680
readonly MARKER="$CLUSTER_DIR/.cimer-rabbitmq-cluster"   # says "this directory is ours" (for destroy)
readonly FORMED="$CLUSTER_DIR/.formed"                   # nodes 2 and 3 have joined node 1

# --- messages and small helpers ---------------------------------------------------------------------------------

say() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2
    exit 1
}
usage() {
    sed -n '6,13p' "${BASH_SOURCE[0]}" | sed 's/^#   //'
}

node_name() { printf 'cimer-%s@%s' "$1" "$NODE_HOST"; }
node_dir() { printf '%s/cimer-%s' "$CLUSTER_DIR" "$1"; }
node_pid_file() { printf '%s/rabbitmq.pid' "$(node_dir "$1")"; }
node_log() { printf '%s/log/%s.log' "$(node_dir "$1")" "$(node_name "$1")"; }
node_startup_log() { printf '%s/log/startup.log' "$(node_dir "$1")"; }
amqp_port() { echo $((AMQP_PORT_BASE + $1)); }
dist_port() { echo $((DIST_PORT_BASE + $1)); }
mgmt_port() { echo $((MGMT_PORT_BASE + $1)); }

check_node_arg() {
    [[ "${1:-}" =~ ^[123]$ ]] || { printf '%s: error: node must be 1, 2 or 3, not "%s"\n' "$SCRIPT_NAME" "${1:-}" >&2; exit 2; }
}

# What every rabbitmq-server and rabbitmqctl process of this cluster gets: none of the caller's RABBITMQ_* or ERL_*
# settings, the cluster's own cookie (through HOME), no system rabbitmq-env.conf, and its own range of ports for
# the CLI's Erlang distribution (the system's CLI uses 35672-35682).
while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(RABBITMQ_|ERL_)' || true)
export HOME="$CLUSTER_DIR/home"
export RABBITMQ_CONF_ENV_FILE="$CLUSTER_DIR/rabbitmq-env.conf"
export RABBITMQ_CTL_DIST_PORT_MIN=35691 RABBITMQ_CTL_DIST_PORT_MAX=35720
export ERL_EPMD_ADDRESS=127.0.0.1   # as the system node's; used only if a node has to start epmd itself

# rabbitmqctl against node N, quiet.
ctl() {
    local n="$1"
    shift
    "$RABBITMQ_BIN_DIR/rabbitmqctl" -q -n "$(node_name "$n")" "$@"
}

# The OS pid of node N's Erlang VM if it is alive, else nothing (and status 1).
node_pid() {
    local pid
    pid="$(cat "$(node_pid_file "$1")" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q beam "/proc/$pid/cmdline" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}
vm_up() { node_pid "$1" >/dev/null; }

# How node N sees the cluster: three lines "members: ...", "running: ..." (what cluster_status calls the running
# nodes: their database is up) and "ready: ..." (RabbitMQ has finished booting there), each a list of node names.
# Fails if N cannot be asked.
cluster_view() {
    local out kind
    out="$(ctl "$1" eval 'All = rabbit_nodes:all(), lists:flatten(
        [[" members:", atom_to_list(N)] || N <- All] ++
        [[" running:", atom_to_list(N)] || N <- rabbit_nodes:all_running()] ++
        [[" ready:", atom_to_list(N)] || N <- All, rpc:call(N, rabbit, is_running, [], 5000) =:= true]).' \
        2>/dev/null)" || return 1
    for kind in members running ready; do
        printf '%s: %s\n' "$kind" "$({ grep -o " $kind:[^ \"]*" <<<"$out" || true; } | sed "s/^ $kind://" | sort | tr '\n' ' ')"
    done
}
view_field() { sed -n "s/^$1: //p" <<<"$2"; }          # view_field ready "$view"
in_list() { [[ " $1 " == *" $(node_name "$2") "* ]]; }   # in_list "$nodes" N

# The end of node N's log, and what its VM printed itself since it was last started if that tells of a failure
# (a node that dies before its logging is set up, or on a bad config, says why only there).
show_log_tail() {
    local n="$1" log startup
    log="$(node_log "$n")"
    if [[ -s "$log" ]]; then
        printf '%s: --- last lines of %s ---\n' "$SCRIPT_NAME" "$log" >&2
        tail -n 25 "$log" >&2
    fi
    startup="$(awk '/^==== .* starting /{buf=""} {buf = buf $0 "\n"} END{printf "%s", buf}' \
        "$(node_startup_log "$n")" 2>/dev/null || true)"
    if grep -qiE 'error|crash|terminated|failed' <<<"$startup"; then
        printf '%s: --- last lines of %s ---\n' "$SCRIPT_NAME" "$(node_startup_log "$n")" >&2
        tail -n 25 <<<"$startup" >&2
    fi
}

# --- layout -----------------------------------------------------------------------------------------------------

prepare() {
    if [[ -d "$CLUSTER_DIR" && ! -e "$MARKER" && -n "$(ls -A "$CLUSTER_DIR" 2>/dev/null)" ]]; then
        die "$CLUSTER_DIR exists, is not empty and was not made by $SCRIPT_NAME; set CLUSTER_DIR elsewhere"
    fi
    mkdir -p "$CLUSTER_DIR" "$HOME"
    # The nodes run as whoever runs this script; another user could not read the cookie or write the data.
    [[ -O "$CLUSTER_DIR" && -O "$HOME" ]] || die "$CLUSTER_DIR belongs to another user; run as its owner"
    : >"$MARKER"
    if [[ ! -s "$HOME/.erlang.cookie" ]]; then
        local cookie
        cookie="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F')"
        (umask 077 && printf '%s' "$cookie" >"$HOME/.erlang.cookie")
    fi
    chmod 400 "$HOME/.erlang.cookie"
    printf '# This cluster does not read /etc/rabbitmq/rabbitmq-env.conf; settings come from %s.\n' \
        "$SCRIPT_NAME" >"$RABBITMQ_CONF_ENV_FILE"
    printf '[rabbitmq_management].\n' >"$CLUSTER_DIR/enabled_plugins"
    local n d
    for n in "${NODES[@]}"; do
        d="$(node_dir "$n")"
        mkdir -p "$d/mnesia" "$d/log"
        cat >"$d/rabbitmq.conf" <<EOF
# Written by $SCRIPT_NAME; rewritten at every start.
# AMQP listener: RABBITMQ_NODE_IP_ADDRESS/RABBITMQ_NODE_PORT (127.0.0.1:$(amqp_port "$n")).
management.tcp.ip = 127.0.0.1
management.tcp.port = $(mgmt_port "$n")
# Three nodes and the system one share the machine: a fixed, modest memory limit per node.
vm_memory_high_watermark.absolute = $MEMORY_HIGH_WATERMARK
disk_free_limit.absolute = 100MB
# Quorum queues keep the Raft write-ahead log in memory up to this size (default 512 MB).
raft.wal_max_size_bytes = 67108864
collect_statistics_interval = 10000
cluster_name = cimer-local
# guest may log in only over loopback (the default); clients connect to 127.0.0.1.
loopback_users.guest = true
log.file.level = info
log.console = false
EOF
        # Nodes 2 and 3 join node 1 by themselves when they boot with an empty database (first start only; once
        # they have data, this is not read). Node 1 is started and booted first; `form_cluster` checks the result.
        if ((n != 1)); then
            cat >>"$d/rabbitmq.conf" <<EOF
cluster_formation.peer_discovery_backend = classic_config
cluster_formation.classic_config.nodes.1 = $(node_name 1)
cluster_formation.classic_config.nodes.2 = $(node_name "$n")
cluster_formation.discovery_retry_limit = 10
cluster_formation.discovery_retry_interval = 1000
EOF
        fi
    done
}

# --- starting and stopping --------------------------------------------------------------------------------------

# Start node N's VM in the background, detached from this shell (its own session, no inherited descriptors).
launch_node() {
    local n="$1" d
    d="$(node_dir "$n")"
    printf '\n==== %s starting %s ====\n' "$(date '+%F %T')" "$(node_name "$n")" >>"$(node_startup_log "$n")"
    (
        cd "$d"
        RABBITMQ_NODENAME="$(node_name "$n")"
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
        RABBITMQ_NODE_PORT="$(amqp_port "$n")"
        RABBITMQ_DIST_PORT="$(dist_port "$n")"
        RABBITMQ_MNESIA_BASE="$d/mnesia"
        RABBITMQ_LOG_BASE="$d/log"
        RABBITMQ_PID_FILE="$(node_pid_file "$n")"
        RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf"
        RABBITMQ_CONFIG_FILES="$d/conf.d/*.conf"
        RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config"
        RABBITMQ_ENABLED_PLUGINS_FILE="$CLUSTER_DIR/enabled_plugins"
        # Four Erlang VMs on two cores: do not pin schedulers to cores; distribution on loopback only.
        RABBITMQ_SCHEDULER_BIND_TYPE=u
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
        export RABBITMQ_NODENAME RABBITMQ_NODE_IP_ADDRESS RABBITMQ_NODE_PORT RABBITMQ_DIST_PORT RABBITMQ_MNESIA_BASE \
            RABBITMQ_LOG_BASE RABBITMQ_PID_FILE RABBITMQ_CONFIG_FILE RABBITMQ_CONFIG_FILES RABBITMQ_ADVANCED_CONFIG_FILE \
            RABBITMQ_ENABLED_PLUGINS_FILE RABBITMQ_SCHEDULER_BIND_TYPE RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS
        exec setsid "$RABBITMQ_BIN_DIR/rabbitmq-server" </dev/null >>"$(node_startup_log "$n")" 2>&1
    ) &
    disown "$!" 2>/dev/null || true
}

# Wait until node N has booted (rabbit running). Fails early if its VM dies.
await_node() {
    local n="$1" deadline=$((SECONDS + TIMEOUT)) out
    while ! vm_up "$n"; do
        if ((SECONDS >= deadline)); then
            printf '%s: error: %s did not start within %s s\n' "$SCRIPT_NAME" "$(node_name "$n")" "$TIMEOUT" >&2
            show_log_tail "$n"
            return 1
        fi
        # The VM writes its pid file early; before that, a launcher that has already exited means it failed.
        if [[ -n "${LAUNCHED[$n]:-}" ]] && ! kill -0 "${LAUNCHED[$n]}" 2>/dev/null; then
            sleep 0.5
            vm_up "$n" && break
            printf '%s: error: %s exited while starting\n' "$SCRIPT_NAME" "$(node_name "$n")" >&2
            show_log_tail "$n"
            return 1
        fi
        sleep 0.2
    done
    local left=$((deadline - SECONDS))
    ((left > 0)) || left=1
    if ! out="$(ctl "$n" await_startup --timeout "$left" 2>&1)"; then
        printf '%s: error: %s did not finish booting within %s s: %s\n' "$SCRIPT_NAME" "$(node_name "$n")" \
            "$TIMEOUT" "$(tail -n 3 <<<"$out" | tr '\n' ' ')" >&2
        show_log_tail "$n"
        return 1
    fi
}

declare -A LAUNCHED=()

# Start the given nodes (those whose VM is not up) all at once, then wait for every given node.
start_nodes() {
    local n failed=0
    local -A waiter=()
    for n in "$@"; do
        if ! vm_up "$n"; then
            rm -f "$(node_pid_file "$n")"
            launch_node "$n"
            LAUNCHED[$n]=$!
        fi
    done
    for n in "$@"; do
        await_node "$n" &
        waiter[$n]=$!
    done
    for n in "$@"; do
        wait "${waiter[$n]}" || failed=1
    done
    return "$failed"
}

# RabbitMQ 3.10 with the management plugin spends 5 s of every stop in a call that times out: when the rabbit
# app stops, the management agent's event handler (rabbit_mgmt_db_handler) asks the stopping node for an event
# refresh. Removed while the node still runs, it returns at once. (Harmless if the handler is not there.)
unhook_management_stats() {
    ctl "$1" eval 'gen_event:delete_handler(rabbit_event, rabbit_mgmt_db_handler, []).' >/dev/null 2>&1 || true
}

# Stop node N and wait until its VM has exited. UNHOOKED=1: unhook_management_stats was already called.
stop_node() {
    local n="$1" pid deadline
    pid="$(node_pid "$n")" || return 0
    [[ "${UNHOOKED:-0}" == 1 ]] || unhook_management_stats "$n"
    # `rabbitmqctl stop` returns once RabbitMQ has stopped; the VM exits about a second later. If the node cannot
    # be reached, SIGTERM is RabbitMQ's own graceful stop too; SIGKILL only as the last resort.
    if ! timeout "$TIMEOUT" "$RABBITMQ_BIN_DIR/rabbitmqctl" -q -n "$(node_name "$n")" stop >/dev/null 2>&1; then
        warn "rabbitmqctl could not stop $(node_name "$n"); sending SIGTERM to pid $pid"
        kill -TERM "$pid" 2>/dev/null || true
    fi
    deadline=$((SECONDS + TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            warn "$(node_name "$n") (pid $pid) still running after $TIMEOUT s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 1
            break
        fi
        sleep 0.1
    done
    rm -f "$(node_pid_file "$n")"
}

# Join nodes 2 and 3 to node 1 where node 1 does not list them as members.
form_cluster() {
    local view members n
    view="$(cluster_view 1)" || die "cannot read the cluster membership from $(node_name 1)"
    members="$(view_field members "$view")"
    for n in 2 3; do
        in_list "$members" "$n" && continue
        say "joining $(node_name "$n") to $(node_name 1)"
        ctl "$n" stop_app >/dev/null || die "cannot stop the app of $(node_name "$n") to join it to $(node_name 1)"
        ctl "$n" join_cluster "$(node_name 1)" >/dev/null ||
            { show_log_tail "$n"; die "$(node_name "$n") could not join $(node_name 1)"; }
        ctl "$n" start_app >/dev/null || { show_log_tail "$n"; die "$(node_name "$n") did not start after joining"; }
    done
    : >"$FORMED"
}

# Run the given commands (each one string, eval'ed) at the same time; fail if any fails. Every rabbitmqctl call
# costs about half a second of CPU, mostly starting the CLI's Erlang VM, so independent ones run together.
run_together() {
    local c pids=() failed=0
    for c in "$@"; do
        eval "$c" &
        pids+=("$!")
    done
    for c in "${pids[@]}"; do wait "$c" || failed=1; done
    return "$failed"
}

# The vhosts in CLUSTER_VHOSTS exist; guest exists, is an administrator and has .* .* .* on each of them.
# guest keeps RabbitMQ's default loopback-only restriction: clients of this cluster connect to 127.0.0.1.
ensure_vhosts_and_guest() {
    local n="$1" tmp="$CLUSTER_DIR/.lists" v vhosts users perms todo=()
    rm -rf "$tmp"
    mkdir -p "$tmp"
    run_together \
        "ctl $n --no-table-headers list_vhosts name >'$tmp/vhosts'" \
        "ctl $n --no-table-headers list_users >'$tmp/users'" \
        "ctl $n --no-table-headers list_user_permissions guest >'$tmp/perms' 2>/dev/null || :" ||
        die "cannot list vhosts and users on $(node_name "$n")"
    vhosts="$(cat "$tmp/vhosts")" users="$(cat "$tmp/users")" perms="$(cat "$tmp/perms")"
    for v in $CLUSTER_VHOSTS; do
        grep -qxF -- "$v" <<<"$vhosts" && continue
        say "adding vhost $v"
        todo+=("ctl $n add_vhost $(printf '%q' "$v") >/dev/null")
    done
    if ! grep -q '^guest[[:space:]]' <<<"$users"; then
        say "adding user guest"
        todo+=("ctl $n add_user guest guest >/dev/null")
    fi
    ((${#todo[@]} == 0)) || run_together "${todo[@]}" || die "cannot add vhosts or guest on $(node_name "$n")"
    todo=()
    if ! grep -q '^guest[[:space:]].*administrator' <<<"$users"; then
        say "tagging guest administrator"
        todo+=("ctl $n set_user_tags guest administrator >/dev/null")
    fi
    for v in $CLUSTER_VHOSTS; do
        grep -qxF -- "$(printf '%s\t.*\t.*\t.*' "$v")" <<<"$perms" && continue
        todo+=("ctl $n set_permissions -p $(printf '%q' "$v") guest '.*' '.*' '.*' >/dev/null")
    done
    ((${#todo[@]} == 0)) || run_together "${todo[@]}" || die "cannot set guest's permissions on $(node_name "$n")"
}

# --- subcommands ------------------------------------------------------------------------------------------------

cmd_start() {
    prepare
    local n down=() view
    for n in "${NODES[@]}"; do vm_up "$n" || down+=("$n"); done
    # Already running and formed: only make sure of the vhosts (no-op when they are there).
    if ((${#down[@]} == 0)) && [[ -e "$FORMED" ]] && view="$(cluster_view 1)" &&
        in_list "$(view_field ready "$view")" 1 && in_list "$(view_field ready "$view")" 2 &&
        in_list "$(view_field ready "$view")" 3 && in_list "$(view_field members "$view")" 2 &&
        in_list "$(view_field members "$view")" 3; then
        ensure_vhosts_and_guest 1
        return 0
    fi
    if ((${#down[@]})); then
        say "starting $(for n in "${down[@]}"; do printf '%s ' "$(node_name "$n")"; done)"
    fi
    if [[ -e "$FORMED" ]]; then
        # All at once: after a full stop, each node waits at boot for the peers that were running when it stopped.
        start_nodes "${NODES[@]}" || die "the cluster did not come up (see above); '$SCRIPT_NAME stop' stops what did"
    else
        # First start: node 1 forms the cluster, then 2 and 3 boot into it (see peer discovery in rabbitmq.conf).
        start_nodes 1 || die "$(node_name 1) did not come up (see above)"
        start_nodes 2 3 || die "nodes 2 and 3 did not come up (see above); '$SCRIPT_NAME stop' stops what did"
    fi
    form_cluster
    ensure_vhosts_and_guest 1
    ((${#down[@]})) && say "running: AMQP 127.0.0.1:5681-5683, management http://127.0.0.1:15681-15683"
    return 0
}

cmd_stop() {
    local n up=() unhook=()
    for n in 3 2 1; do
        if vm_up "$n"; then
            up+=("$n")
            unhook+=("unhook_management_stats $n")
        fi
    done
    ((${#up[@]})) || return 0
    run_together "${unhook[@]}" || true
    # One after the other, node 1 last: it then boots on its own, the others wait for a peer that ran after them.
    for n in "${up[@]}"; do
        say "stopping $(node_name "$n")"
        UNHOOKED=1 stop_node "$n"
    done
}

cmd_stop_node() {
    check_node_arg "${1:-}"
    local n="$1"
    if ! vm_up "$n"; then
        say "$(node_name "$n") is not running"
        return 0
    fi
    say "stopping $(node_name "$n")"
    stop_node "$n"
}

cmd_start_node() {
    check_node_arg "${1:-}"
    local n="$1" other="" m deadline view
    [[ -e "$FORMED" ]] || die "the cluster has not been formed yet; run '$SCRIPT_NAME start' first"
    for m in "${NODES[@]}"; do
        [[ "$m" == "$n" ]] && continue
        if vm_up "$m"; then other="$m"; break; fi
    done
    [[ -n "$other" ]] || warn "no other node is running; $(node_name "$n") boots only if it was the last one to stop (else use '$SCRIPT_NAME start')"
    prepare
    if vm_up "$n"; then
        say "$(node_name "$n") is already running"
    else
        say "starting $(node_name "$n")"
    fi
    start_nodes "$n" || die "$(node_name "$n") did not come up"
    # Rejoined: a peer's cluster_status lists it among the running nodes, and RabbitMQ is ready on it.
    [[ -n "$other" ]] || other="$n"
    deadline=$((SECONDS + TIMEOUT))
    until view="$(cluster_view "$other")" && in_list "$(view_field running "$view")" "$n" &&
        in_list "$(view_field ready "$view")" "$n"; do
        ((SECONDS < deadline)) || { show_log_tail "$n"; die "$(node_name "$other") does not see $(node_name "$n") running after $TIMEOUT s"; }
        sleep 0.5
    done
}

cmd_status() {
    local n v pid state view="" from="" running="" ready=""
    # Ask the first node that answers, preferring one that has finished booting (a booting one knows less).
    for n in "${NODES[@]}"; do
        if ! vm_up "$n" || ! v="$(cluster_view "$n")"; then continue; fi
        [[ -z "$from" ]] && view="$v" from="$n"
        if in_list "$(view_field ready "$v")" "$n"; then
            view="$v" from="$n"
            break
        fi
    done
    running="$(view_field running "$view")" ready="$(view_field ready "$view")"
    for n in "${NODES[@]}"; do
        if pid="$(node_pid "$n")"; then
            state="booting or app stopped (VM up)"
            in_list "$ready" "$n" && state=running
            printf '%-18s %-8s pid %-7s amqp 127.0.0.1:%s  management http://127.0.0.1:%s\n' \
                "$(node_name "$n")" "$state" "$pid" "$(amqp_port "$n")" "$(mgmt_port "$n")"
        else
            printf '%-18s %s\n' "$(node_name "$n")" "not running"
        fi
    done
    if [[ -n "$from" ]]; then
        printf 'cluster running nodes (cluster_status of %s): %s\n' "$(node_name "$from")" "${running% }"
    else
        printf 'cluster running nodes: none\n'
    fi
}

cmd_destroy() {
    if [[ ! -e "$CLUSTER_DIR" ]]; then
        say "$CLUSTER_DIR does not exist"
        return 0
    fi
    [[ -e "$MARKER" ]] || die "$CLUSTER_DIR was not made by $SCRIPT_NAME; not removing it"
    cmd_stop
    rm -rf -- "$CLUSTER_DIR"
    say "removed $CLUSTER_DIR"
}

cmd_uris() {
    local vhost="${1:-/}" n sep="" out=""
    case "$vhost" in
        /) vhost=%2F ;;
        *%*) ;;
        *) vhost="${vhost//\//%2F}" ;;
    esac
    for n in "${NODES[@]}"; do
        out+="${sep}pyamqp://guest:guest@127.0.0.1:$(amqp_port "$n")/$vhost"
        sep=";"
    done
    printf '%s\n' "$out"
}

main() {
    [[ -x "$RABBITMQ_BIN_DIR/rabbitmq-server" ]] ||
        die "$RABBITMQ_BIN_DIR/rabbitmq-server not found (apt-get install rabbitmq-server, or set RABBITMQ_BIN_DIR)"
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        stop-node) cmd_stop_node "$@" ;;
        start-node) cmd_start_node "$@" ;;
        status) cmd_status ;;
        destroy) cmd_destroy ;;
        uris) cmd_uris "$@" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
