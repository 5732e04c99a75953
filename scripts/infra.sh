#!/usr/bin/env bash
# Make sure the infrastructure CİMER needs on a development or CI machine (Debian 12) is installed and running:
# a Python >= 3.11 that can make virtual environments, PostgreSQL on 127.0.0.1:5432 (user `postgres`, no password)
# and RabbitMQ on 127.0.0.1:5672 with the project's vhosts.
#
#   scripts/infra.sh [all|python|postgresql|rabbitmq|status]     (default: all)
#
# Idempotent: whatever is already there and running is left alone (never stopped, restarted or reinstalled).
# Quiet when all is well (one summary line per component); says what it does when it acts.
# Installs with apt-get. Starts services directly (pg_ctlcluster, rabbitmq-server -detached) where systemd is not
# running, as in containers and CI, and through systemd where it is. Needs root only when it has to install, start
# or configure something; then, run as someone else, it says so and exits 1.
#
# Environment: CIMER_VHOSTS (default "cimer cimer_test"), PYTHON (default python3),
#              CIMER_PG_TIMEOUT (default 60 s), CIMER_RABBITMQ_TIMEOUT (default 90 s).
set -euo pipefail

readonly PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres
readonly AMQP_HOST=127.0.0.1 AMQP_PORT=5672 AMQP_USER=guest
readonly MIN_PYTHON=3.11

CIMER_VHOSTS="${CIMER_VHOSTS:-cimer cimer_test}"
PYTHON="${PYTHON:-python3}"
PG_TIMEOUT="${CIMER_PG_TIMEOUT:-60}"
RABBITMQ_TIMEOUT="${CIMER_RABBITMQ_TIMEOUT:-90}"

# rabbitmqctl, pg_ctlcluster's helpers and friends live in sbin, which a normal user's PATH may lack.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

SCRIPT_NAME="${0##*/}"
APT_UPDATED=0
ARGS=()
SUMMARY=()

# --- messages and small helpers ---------------------------------------------------------------------------------

say() { printf 'infra: %s\n' "$*"; }
warn() { printf 'infra: warning: %s\n' "$*" >&2; }
die() {
    printf 'infra: error: %s\n' "$*" >&2
    exit 1
}

# One scratch directory per run, made in the main shell (so the EXIT trap knows it even when the helpers that use it
# run inside $(...) subshells) and removed on exit.
WORK_DIR=""
cleanup() {
    if [[ -n "$WORK_DIR" ]]; then
        rm -rf -- "$WORK_DIR"
    fi
}
init_work_dir() {
    WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/cimer-infra.XXXXXX")"
    trap cleanup EXIT
}

new_temp_dir() {
    [[ -n "$WORK_DIR" ]] || die "internal: init_work_dir was not called"
    mktemp -d "$WORK_DIR/XXXXXX"
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Everything that changes the machine goes through here first.
require_root() {
    is_root && return 0
    die "root is needed to $1. Run it as root, or with sudo: sudo $0${ARGS[*]:+ ${ARGS[*]}}"
}

# True while fewer than `timeout` seconds have passed since `start` (both in $SECONDS).
within() { (($1 + $2 > SECONDS)); }

# Runs a command with its output in a log file; on failure shows the end of the log and stops.
run_logged() {
    local what="$1" log
    shift
    log="$(new_temp_dir)/output.log"
    if ! "$@" </dev/null >"$log" 2>&1; then
        tail -n 25 "$log" >&2
        die "$what failed (command: $*)"
    fi
}

# --- apt ----------------------------------------------------------------------------------------------------------

apt_install() {
    require_root "install $*"
    command -v apt-get >/dev/null || die "apt-get not found: install $* yourself (this script knows Debian only)"
    export DEBIAN_FRONTEND=noninteractive
    if ((APT_UPDATED == 0)); then
        say "updating the apt package lists"
        run_logged "apt-get update" apt-get -o DPkg::Lock::Timeout=120 update
        APT_UPDATED=1
    fi
    say "installing $* with apt-get (this can take a minute)"
    run_logged "apt-get install $*" apt-get -o DPkg::Lock::Timeout=120 install -y "$@"
}

# --- probes -------------------------------------------------------------------------------------------------------

# Does something accept TCP connections on host:port? (bash's /dev/tcp; no extra tools needed)
tcp_listening() {
    local host="$1" port="$2"
    # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
}

systemd_running() { [[ -d /run/systemd/system ]]; }

# --- Python -------------------------------------------------------------------------------------------------------

python_version_ok() {
    "$1" -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$MIN_PYTHON'.split('.'))))" 2>/dev/null
}

python_version() { "$1" -c 'import platform; print(platform.python_version())'; }

# Can this Python make a virtual environment with pip in it? Debian's Python needs python3-venv for both: the
# `venv` module alone is there, ensurepip (which puts pip into a new environment) is not. Creating a venv without
# pip and importing ensurepip checks both in well under a second (a full venv with pip takes seconds).
python_can_venv() {
    local py="$1" dir
    dir="$(new_temp_dir)"
    "$py" -m venv --without-pip "$dir/venv" >/dev/null 2>&1 && "$py" -c 'import ensurepip' >/dev/null 2>&1
}

# Is this python3 Debian's own (so apt-get can add what it lacks)?
python_from_debian() {
    local real
    real="$(readlink -f "$1")"
    command -v dpkg >/dev/null && dpkg -S "$real" >/dev/null 2>&1
}

ensure_python() {
    local py
    py="$(command -v "$PYTHON" || true)"
    if [[ -z "$py" ]]; then
        [[ "$PYTHON" == python3 ]] || die "$PYTHON not found (PYTHON=$PYTHON)"
        say "python3 not found"
        apt_install python3 python3-venv python3-dev
        py="$(command -v python3)" || die "python3 still not found after installing it"
    fi
    python_version_ok "$py" ||
        die "$py is Python $(python_version "$py"); CİMER needs $MIN_PYTHON or newer (set PYTHON=... to choose another)"
    if ! python_can_venv "$py"; then
        if python_from_debian "$py"; then
            say "$py cannot create virtual environments with pip"
            apt_install python3-venv python3-dev
            python_can_venv "$py" || die "$py still cannot create virtual environments after installing python3-venv"
        else
            die "$py (not Debian's python3) cannot create virtual environments with pip: rebuild that Python with" \
                "ensurepip, or choose another with PYTHON=..."
        fi
    fi
    SUMMARY+=("python: $(python_version "$py") at $py (venv and pip available)")
}

status_python() {
    local py
    py="$(command -v "$PYTHON" || true)"
    if [[ -z "$py" ]]; then
        SUMMARY+=("python: $PYTHON not found")
        return 1
    fi
    if ! python_version_ok "$py"; then
        SUMMARY+=("python: $(python_version "$py") at $py is older than $MIN_PYTHON")
        return 1
    fi
    if ! python_can_venv "$py"; then
        SUMMARY+=("python: $(python_version "$py") at $py cannot create virtual environments with pip")
        return 1
    fi
    SUMMARY+=("python: $(python_version "$py") at $py (venv and pip available)")
}

# --- PostgreSQL ---------------------------------------------------------------------------------------------------

# 0: accepting connections; 1: something listens but does not accept yet (starting up); 2: nothing listens.
pg_state() {
    local host="$1" port="$2" rc=0
    if command -v pg_isready >/dev/null; then
        pg_isready -q -h "$host" -p "$port" -t 3 || rc=$?
        case "$rc" in
            0) return 0 ;;
            1) return 1 ;;
            *) return 2 ;;
        esac
    fi
    tcp_listening "$host" "$port" && return 0
    return 2
}

pg_installed() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

pg_newest_version() { find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1; }

# "version cluster status" of the local Debian cluster configured for the port, if any (status: online or down).
pg_cluster_on_port() {
    command -v pg_lsclusters >/dev/null || return 0
    pg_lsclusters -h 2>/dev/null | awk -v port="$1" '$3 == port { print $1, $2, $4; exit }'
}

# Control a cluster: through systemd where it runs (so it stays in charge), directly where it does not.
pg_control() {
    local action="$1" version="$2" cluster="$3"
    if systemd_running; then
        run_logged "systemctl $action postgresql@$version-$cluster" systemctl "$action" "postgresql@$version-$cluster"
    else
        run_logged "pg_ctlcluster $version $cluster $action" \
            pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" "$action"
    fi
}

pg_wait_ready() {
    local start=$SECONDS
    while within "$start" "$PG_TIMEOUT"; do
        pg_state "$PG_HOST" "$PG_PORT" && return 0
        sleep 1
    done
    die "PostgreSQL did not accept connections on $PG_HOST:$PG_PORT within ${PG_TIMEOUT}s (see /var/log/postgresql/)"
}

pg_start() {
    local found version cluster status
    require_root "start PostgreSQL"
    found="$(pg_cluster_on_port "$PG_PORT")"
    if [[ -n "$found" ]]; then
        read -r version cluster status <<<"$found"
        if [[ "$status" == online* ]]; then
            # Someone else is starting it (its pid file is there, its port not yet): wait for it instead.
            say "PostgreSQL $version/$cluster is already starting"
            return 0
        fi
    else
        version="$(pg_newest_version)"
        cluster=main
        [[ -n "$version" ]] || die "no PostgreSQL server found under /usr/lib/postgresql"
        if [[ -f "/etc/postgresql/$version/$cluster/postgresql.conf" ]]; then
            die "PostgreSQL cluster $version/$cluster exists but is not configured for port $PG_PORT; CİMER expects" \
                "$PG_HOST:$PG_PORT (see pg_lsclusters)"
        fi
        say "creating PostgreSQL cluster $version/$cluster on port $PG_PORT"
        run_logged "pg_createcluster" pg_createcluster --port "$PG_PORT" "$version" "$cluster"
    fi
    say "starting PostgreSQL $version/$cluster"
    pg_control start "$version" "$cluster"
}

# Can the project's user log in over TCP without a password, as the services do? Prints psql's error if not.
pg_login_error() {
    command -v psql >/dev/null || {
        echo "psql not found"
        return 0
    }
    # shellcheck disable=SC2069 # on purpose: psql's errors to the caller, its output away
    PGCONNECT_TIMEOUT=5 psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -w -Atqc 'select 1' 2>&1 >/dev/null ||
        true
}

pg_can_login() { [[ -z "$(pg_login_error)" ]]; }

readonly PG_HBA_MARKER="# CİMER development/CI (scripts/infra.sh)"

# Development and CI convenience only: lets anyone on this machine connect over loopback TCP as any user without a
# password. Production uses managed credentials (DATABASE_SERVER / <SERVICE>_DATABASE_URL with a password or
# certificates, set by the deployment), never this script.
pg_trust_loopback() {
    local found version cluster hba tmp
    found="$(pg_cluster_on_port "$PG_PORT")"
    [[ -n "$found" ]] || die "cannot log in to $PG_HOST:$PG_PORT as $PG_USER without a password, and that port is" \
        "not served by a local Debian cluster this script could configure: $(pg_login_error)"
    read -r version cluster _ <<<"$found"
    hba="/etc/postgresql/$version/$cluster/pg_hba.conf"
    [[ -f "$hba" ]] || die "$hba not found"
    grep -qF "$PG_HBA_MARKER" "$hba" &&
        die "$hba already trusts loopback connections, yet logging in as $PG_USER fails: $(pg_login_error)"
    require_root "let $PG_USER log in over $PG_HOST without a password (edit $hba)"
    say "allowing password-less loopback TCP logins in $hba (development/CI only)"
    tmp="$(new_temp_dir)/pg_hba.conf"
    # First matching line wins, so these go on top. Rewriting in place keeps the file's owner and mode. (No backup
    # next to it: an extra file there would keep pg_dropcluster from removing the directory.)
    {
        echo "$PG_HBA_MARKER: loopback TCP without a password, for development and CI only;"
        echo "# production uses managed credentials. To undo, delete these lines up to the blank one and reload."
        echo "host    all             all             127.0.0.1/32            trust"
        echo "host    all             all             ::1/128                 trust"
        echo
        cat "$hba"
    } >"$tmp"
    cat "$tmp" >"$hba"
    pg_control reload "$version" "$cluster"
    local start=$SECONDS # the server rereads the file a moment after the reload returns
    until pg_can_login || ! within "$start" 10; do sleep 1; done
    pg_can_login || die "still cannot log in as $PG_USER after editing $hba: $(pg_login_error)"
}

ensure_postgresql() {
    local state=0
    pg_state "$PG_HOST" "$PG_PORT" || state=$?
    if ((state == 2)); then
        say "nothing listens on $PG_HOST:$PG_PORT"
        if ! pg_installed; then
            apt_install postgresql
        fi
        # The package's own scripts may have started it already (where an init system is allowed to).
        pg_state "$PG_HOST" "$PG_PORT" || state=$?
        ((state == 2)) && pg_start
    fi
    pg_wait_ready
    command -v psql >/dev/null || apt_install postgresql-client
    pg_can_login || pg_trust_loopback
    SUMMARY+=("postgresql: ready on $PG_HOST:$PG_PORT")
}

status_postgresql() {
    local state=0 error
    pg_state "$PG_HOST" "$PG_PORT" || state=$?
    case "$state" in
        2)
            SUMMARY+=("postgresql: nothing listens on $PG_HOST:$PG_PORT")
            return 1
            ;;
        1)
            SUMMARY+=("postgresql: $PG_HOST:$PG_PORT does not accept connections yet")
            return 1
            ;;
    esac
    error="$(pg_login_error)"
    if [[ -n "$error" ]]; then
        SUMMARY+=("postgresql: cannot log in as $PG_USER without a password: $(one_line "$error")")
        return 1
    fi
    SUMMARY+=("postgresql: ready on $PG_HOST:$PG_PORT")
}

# --- RabbitMQ -----------------------------------------------------------------------------------------------------

rabbit_installed() { command -v rabbitmq-server >/dev/null && command -v rabbitmqctl >/dev/null; }

# Debian's wrappers let only root and the rabbitmq user talk to the node (they need its Erlang cookie).
# (stdin closed: rabbitmqctl reads it, and would swallow the input of a loop around it)
rabbitctl() { rabbitmqctl -q "$@" </dev/null; }

# Erlang names the node rabbit@<short hostname> and must resolve that name. Some containers' hostnames do not
# resolve; then (and only if nobody chose a node name already) name it rabbit@localhost.
rabbit_fix_nodename() {
    local env_file=/etc/rabbitmq/rabbitmq-env.conf host
    host="$(hostname -s 2>/dev/null || uname -n)"
    host="${host%%.*}"
    getent hosts "$host" >/dev/null && return 0
    [[ -n "${RABBITMQ_NODENAME:-}" ]] && return 0
    [[ -f "$env_file" ]] && grep -qE '^[[:space:]]*(export[[:space:]]+)?(RABBITMQ_)?NODENAME=' "$env_file" && return 0
    say "hostname '$host' does not resolve: naming the RabbitMQ node rabbit@localhost in $env_file"
    mkdir -p "${env_file%/*}"
    printf '\n# scripts/infra.sh: this machine'"'"'s hostname did not resolve.\nNODENAME=rabbit@localhost\n' >>"$env_file"
}

# Is the Erlang node up (perhaps still booting, so not yet listening for AMQP)?
rabbit_node_up() { rabbitmq-diagnostics -q ping </dev/null >/dev/null 2>&1; }

rabbit_start() {
    local log
    require_root "start RabbitMQ"
    if rabbit_node_up; then
        say "RabbitMQ is already starting"
        return 0
    fi
    rabbit_fix_nodename
    say "starting RabbitMQ"
    if systemd_running; then
        run_logged "systemctl start rabbitmq-server" systemctl start rabbitmq-server
    else
        # -detached returns at once; readiness is awaited below. Its console chatter goes to a log of our own.
        log="$(new_temp_dir)/rabbitmq-start.log"
        rabbitmq-server -detached </dev/null >"$log" 2>&1 || {
            cat "$log" >&2
            die "rabbitmq-server -detached failed"
        }
    fi
}

rabbit_wait_ready() {
    local start=$SECONDS
    while within "$start" "$RABBITMQ_TIMEOUT"; do
        # await_startup fails at once while the node is not up at all, and waits while it boots.
        if rabbitctl await_startup --timeout 10 >/dev/null 2>&1 && tcp_listening "$AMQP_HOST" "$AMQP_PORT"; then
            return 0
        fi
        sleep 2
    done
    die "RabbitMQ did not start within ${RABBITMQ_TIMEOUT}s (see /var/log/rabbitmq/; try: rabbitmq-diagnostics status)"
}

# The vhosts asked for, one per line (CIMER_VHOSTS is split on whitespace, never glob-expanded).
wanted_vhosts() {
    local -a vhosts=()
    read -r -a vhosts <<<"$CIMER_VHOSTS" || true
    if ((${#vhosts[@]})); then
        printf '%s\n' "${vhosts[@]}"
    fi
}

# The same on one line, for messages.
wanted_vhosts_line() {
    local -a vhosts=()
    read -r -a vhosts <<<"$CIMER_VHOSTS" || true
    echo "${vhosts[*]}"
}

# Folds a command's output into one line, for messages.
one_line() { tr -s '\n\t' '  ' <<<"$1" | sed 's/ *$//'; }

# Every rabbitmqctl call starts an Erlang VM (most of a second), so the lists are read once and searched here.
rabbit_vhosts() { rabbitctl list_vhosts name --no-table-headers; }
rabbit_permissions() { rabbitctl list_user_permissions "$AMQP_USER" --no-table-headers; }

# in_vhost_list <vhost> <output of rabbit_vhosts>
in_vhost_list() { grep -qxF -- "$1" <<<"$2"; }

# has_all_permissions <vhost> <output of rabbit_permissions>: configure, write and read all ".*"
has_all_permissions() {
    awk -F'\t' -v vhost="$1" '$1 == vhost && $2 == ".*" && $3 == ".*" && $4 == ".*" { found = 1 } END { exit !found }' \
        <<<"$2"
}

rabbit_ensure_vhosts() {
    local vhost existing permissions vhosts=()
    existing="$(rabbit_vhosts 2>&1)" ||
        die "something listens on $AMQP_HOST:$AMQP_PORT but rabbitmqctl cannot reach the local RabbitMQ node (a" \
            "broker in a container?): make sure vhosts $(wanted_vhosts_line) exist and $AMQP_USER may use them." \
            "rabbitmqctl said: $(one_line "$(tail -n 3 <<<"$existing")")"
    permissions="$(rabbit_permissions 2>&1)" ||
        die "cannot read the permissions of RabbitMQ user $AMQP_USER: $(one_line "$permissions")"
    mapfile -t vhosts < <(wanted_vhosts)
    for vhost in "${vhosts[@]}"; do
        if ! in_vhost_list "$vhost" "$existing"; then
            say "creating RabbitMQ vhost $vhost"
            # Another run may create it at the same moment: only its absence afterwards is an error.
            rabbitctl add_vhost "$vhost" >/dev/null 2>&1 || in_vhost_list "$vhost" "$(rabbit_vhosts)" ||
                die "could not create RabbitMQ vhost $vhost (try: rabbitmqctl add_vhost $vhost)"
        fi
        if ! has_all_permissions "$vhost" "$permissions"; then
            say "giving $AMQP_USER full permissions on RabbitMQ vhost $vhost"
            run_logged "rabbitmqctl set_permissions" rabbitctl set_permissions -p "$vhost" "$AMQP_USER" '.*' '.*' '.*'
        fi
    done
}

# Why rabbitmqctl cannot be used here, if it cannot.
rabbitctl_unusable_reason() {
    if ! rabbit_installed; then
        echo "rabbitmqctl is not installed here"
    elif ! is_root && [[ "$(id -un)" != rabbitmq ]]; then
        echo "only root can use rabbitmqctl"
    fi
}

# The management HTTP API is how `cimer-broker` and `cimer-institution` set up users and permissions.
rabbit_ensure_management() {
    rabbitmq-plugins -q list -e -m </dev/null 2>/dev/null | grep -qx rabbitmq_management && return 0
    require_root "enable RabbitMQ's management plugin"
    say "enabling RabbitMQ's management plugin"
    run_logged "rabbitmq-plugins enable rabbitmq_management" rabbitmq-plugins enable rabbitmq_management
    local start=$SECONDS
    until tcp_listening "$AMQP_HOST" 15672 || ! within "$start" 30; do sleep 1; done
    tcp_listening "$AMQP_HOST" 15672 || die "RabbitMQ's management API did not start on $AMQP_HOST:15672"
}

ensure_rabbitmq() {
    local vhosts reason
    vhosts="$(wanted_vhosts_line)"
    if ! tcp_listening "$AMQP_HOST" "$AMQP_PORT"; then
        say "nothing listens on $AMQP_HOST:$AMQP_PORT"
        rabbit_installed || apt_install rabbitmq-server
        # The package's own scripts may have started it already (where an init system is allowed to).
        tcp_listening "$AMQP_HOST" "$AMQP_PORT" || rabbit_start
        rabbit_wait_ready
    fi
    if [[ -z "$vhosts" ]]; then
        SUMMARY+=("rabbitmq: ready on $AMQP_HOST:$AMQP_PORT, vhosts: none asked for")
        return 0
    fi
    reason="$(rabbitctl_unusable_reason)"
    if [[ -n "$reason" ]]; then
        warn "$reason: RabbitMQ vhosts $vhosts not checked"
        SUMMARY+=("rabbitmq: ready on $AMQP_HOST:$AMQP_PORT, vhosts: not checked ($reason)")
        return 0
    fi
    rabbit_ensure_vhosts
    rabbit_ensure_management
    SUMMARY+=("rabbitmq: ready on $AMQP_HOST:$AMQP_PORT, vhosts: $vhosts, management API on 15672")
}

status_rabbitmq() {
    local vhost vhosts reason existing permissions missing=() wanted=()
    vhosts="$(wanted_vhosts_line)"
    if ! tcp_listening "$AMQP_HOST" "$AMQP_PORT"; then
        SUMMARY+=("rabbitmq: nothing listens on $AMQP_HOST:$AMQP_PORT")
        return 1
    fi
    reason="$(rabbitctl_unusable_reason)"
    if [[ -z "$vhosts" ]]; then
        SUMMARY+=("rabbitmq: ready on $AMQP_HOST:$AMQP_PORT, vhosts: none asked for")
    elif [[ -n "$reason" ]]; then
        SUMMARY+=("rabbitmq: ready on $AMQP_HOST:$AMQP_PORT, vhosts: not checked ($reason)")
    elif ! existing="$(rabbit_vhosts 2>/dev/null)" || ! permissions="$(rabbit_permissions 2>/dev/null)"; then
        SUMMARY+=("rabbitmq: listening on $AMQP_HOST:$AMQP_PORT, but rabbitmqctl cannot reach the node")
        return 1
    else
        mapfile -t wanted < <(wanted_vhosts)
        for vhost in "${wanted[@]}"; do
            in_vhost_list "$vhost" "$existing" && has_all_permissions "$vhost" "$permissions" || missing+=("$vhost")
        done
        if ((${#missing[@]})); then
            SUMMARY+=("rabbitmq: listening on $AMQP_HOST:$AMQP_PORT; vhosts missing or without $AMQP_USER: ${missing[*]}")
            return 1
        fi
        SUMMARY+=("rabbitmq: ready on $AMQP_HOST:$AMQP_PORT, vhosts: $vhosts")
    fi
}

# --- main ---------------------------------------------------------------------------------------------------------

usage() {
    cat <<EOF
usage: $SCRIPT_NAME [all|python|postgresql|rabbitmq|status]

  all          (default) python, postgresql and rabbitmq: install and start what is missing
  python       a python3 >= $MIN_PYTHON that can create virtual environments with pip
  postgresql   PostgreSQL on $PG_HOST:$PG_PORT, user $PG_USER without a password over TCP
  rabbitmq     RabbitMQ on $AMQP_HOST:$AMQP_PORT with vhosts \$CIMER_VHOSTS (now: $CIMER_VHOSTS)
  status       only report; changes nothing; exits 1 if something is not ready
EOF
}

print_summary() {
    if ((${#SUMMARY[@]})); then
        printf '%s\n' "${SUMMARY[@]}"
    fi
}

main() {
    ARGS=("$@")
    local command="${1:-all}" rc=0
    (($# <= 1)) || {
        usage >&2
        exit 2
    }
    case "$command" in
        all)
            ensure_python
            ensure_postgresql
            ensure_rabbitmq
            ;;
        python) ensure_python ;;
        postgresql | postgres) ensure_postgresql ;;
        rabbitmq | rabbit) ensure_rabbitmq ;;
        status)
            status_python || rc=1
            status_postgresql || rc=1
            status_rabbitmq || rc=1
            ;;
        -h | --help | help)
            usage
            return 0
            ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
    print_summary
    return "$rc"
}

# Sourcing the file (for tests) defines the functions without running anything (then call init_work_dir first).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    init_work_dir
    main "$@"
fi
