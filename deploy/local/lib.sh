# shellcheck shell=bash disable=SC2034  # (variables here are used by the scripts sourcing it)
# Shared helpers for deploy/local/{up,down,status,cluster}. Sourced, never run.
#
# Everything lives under <repo>/.local (git-ignored; JEUGDKETEN_LOCAL_DIR moves it, e.g. to
# run a second, separate broker on other ports):
#   .local/kafka/libs/            jars resolved from Maven Central (kept by `down --purge`)
#   .local/kafka/server.properties, .local/kafka/data/   broker config and KRaft log dirs
#   .local/postgres/data/         our own PostgreSQL cluster (owned by the postgres OS user)
#   .local/run/kafka.pid          pid of the broker we started
#   .local/logs/                  kafka.log, kafka.stdout.log, postgres.log, maven.log
#   .local/kafka/credentials.toml passwords of the broker's principals (mode 600)
#   .local/env                    export lines: the broker, the admin's login, DATABASE_URL (mode 600)
# The repo root is found from this file's location, so the scripts work from any cwd.

DEPLOY_LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$DEPLOY_LOCAL_DIR/../.." && pwd)"
LOCAL_DIR="${JEUGDKETEN_LOCAL_DIR:-$REPO_ROOT/.local}"
LOG_DIR="$LOCAL_DIR/logs"
RUN_DIR="$LOCAL_DIR/run"
ENV_FILE="$LOCAL_DIR/env"

# --- settings (environment overrides) ------------------------------------------------------
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${JEUGDKETEN_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${JEUGDKETEN_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_SASL_PORT="${JEUGDKETEN_KAFKA_SASL_PORT:-9094}"
KAFKA_READY_TIMEOUT="${JEUGDKETEN_KAFKA_READY_TIMEOUT:-60}"
KAFKA_PING_SECONDS=15 # one readiness ask: a crashed broker busy with returning clients is slow
# One node is broker and controller alone; deploy/local/cluster starts three such nodes as one
# cluster (their quorum, compose's copies) by setting these for each.
KAFKA_NODE_ID="${JEUGDKETEN_KAFKA_NODE_ID:-1}"
KAFKA_QUORUM_VOTERS="${JEUGDKETEN_KAFKA_QUORUM_VOTERS:-$KAFKA_NODE_ID@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT}"
KAFKA_REPLICATION_FACTOR="${JEUGDKETEN_KAFKA_REPLICATION_FACTOR:-1}"
KAFKA_MIN_INSYNC_REPLICAS="${JEUGDKETEN_KAFKA_MIN_INSYNC_REPLICAS:-1}"
PG_HOST=127.0.0.1
PG_PORT="${JEUGDKETEN_PG_PORT:-5432}"
PG_READY_TIMEOUT="${JEUGDKETEN_PG_READY_TIMEOUT:-30}"
PG_ROLE=jeugdketen
PG_PASSWORD=jeugdketen
PG_DATABASES=(toegang triage plaatsing ketenmonitor)
STOP_TIMEOUT="${JEUGDKETEN_STOP_TIMEOUT:-30}"

KAFKA_POM="$REPO_ROOT/deploy/kafka/pom.xml"
KAFKA_LOG4J="$REPO_ROOT/deploy/kafka/log4j2.properties"
KAFKA_DIR="$LOCAL_DIR/kafka"
# JEUGDKETEN_KAFKA_LIBS: the jars of another checkout or local dir, e.g. for a second broker
KAFKA_LIBS="${JEUGDKETEN_KAFKA_LIBS:-$KAFKA_DIR/libs}"
KAFKA_LIBS_MARKER="$KAFKA_LIBS/.fetched"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_CLUSTER_ID_FILE="$KAFKA_DIR/cluster-id"
KAFKA_FORMATTED_BY="$KAFKA_DIR/formatted-by"
KAFKA_PID_FILE="$RUN_DIR/kafka.pid"
KAFKA_RUNNING_VERSION_FILE="$RUN_DIR/kafka.version" # the version the running broker started as
KAFKA_LOG="$LOG_DIR/kafka.log"
KAFKA_CREDENTIALS="$KAFKA_DIR/credentials.toml"
KAFKA_SECURITY_STAMP="$KAFKA_DIR/security.applied" # what was last given to the broker
KAFKA_STDOUT_LOG="$LOG_DIR/kafka.stdout.log"

PG_DIR="$LOCAL_DIR/postgres"
# Where the cluster really is; normally $PG_DIR/data. pg_data_dir() reads the fallback note.
PG_DATA_DEFAULT="$PG_DIR/data"
PG_DATA_LOCATION_FILE="$PG_DIR/data-location"

# BROKER: the broker's own listener (inter-broker, and deploy/local's first login); CLIENT:
# everyone else, the admin included; CONTROLLER: the KRaft quorum. All three authenticate.
KAFKA_BROKER_BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"
KAFKA_SASL_BOOTSTRAP="$KAFKA_HOST:$KAFKA_SASL_PORT"
KAFKA_LISTENERS="BROKER://$KAFKA_BROKER_BOOTSTRAP,CLIENT://$KAFKA_SASL_BOOTSTRAP,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT"
DATABASE_URL_VALUE="postgresql://$PG_ROLE:$PG_PASSWORD@$PG_HOST:$PG_PORT/postgres"

# --- output --------------------------------------------------------------------------------
# Progress goes to stderr, so that `eval "$(deploy/local/up)"` only sees the export lines.
say() { printf '%s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Print the last lines of a log, framed, to stderr: used whenever a component does not come up.
show_log_tail() {
    local file=$1 lines=${2:-30}
    if [[ -s $file ]]; then
        say "----- last $lines lines of $file -----"
        tail -n "$lines" "$file" >&2
        say "----- end of $file -----"
    else
        say "(no output in $file)"
    fi
}

# --- small utilities -----------------------------------------------------------------------
# Whether the broker's properties (written at its start) authenticate every listener: a broker
# started by an older deploy/local has an anonymous super user until it is restarted.
kafka_authenticates_everyone() {
    grep -q '^inter.broker.listener.name=BROKER$' "$KAFKA_PROPS" 2>/dev/null
}

# True when something accepts TCP connections on host:port (bash's /dev/tcp, no extra tools).
port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

pid_alive() {
    [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null
}

# Run a Python helper from the repo root inside the project's locked environment.
run_py() {
    (cd "$REPO_ROOT" && uv run --frozen --quiet python "$@")
}

# A principal's password, made (with every other one that is missing) on first use.
kafka_password() {
    run_py deploy/local/kafka_security.py --credentials "$KAFKA_CREDENTIALS" --password "$1"
}

# Run a Python helper logged in as the broker's own principal (SASL/PLAIN), as a Kafka client
# takes its login (jeugdketen_shared.settings): before up gave the broker the SCRAM
# credentials, that is the only login there is. Needs KAFKA_BROKER_PASSWORD.
run_py_as_broker() {
    (
        export KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT KAFKA_SASL_MECHANISM=PLAIN \
            KAFKA_SASL_USERNAME=broker KAFKA_SASL_PASSWORD="$KAFKA_BROKER_PASSWORD"
        run_py "$@"
    )
}

# Send SIGTERM (or the given signal), wait up to $STOP_TIMEOUT s, then SIGKILL.
# PostgreSQL passes INT, its "fast" shutdown: its SIGTERM waits for every client to leave.
stop_pid() {
    local pid=$1 name=$2 signal=${3:-TERM}
    pid_alive "$pid" || return 0
    say "stopping $name (pid $pid, SIG$signal)"
    kill "-$signal" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    if pid_alive "$pid"; then
        say "$name did not stop within ${STOP_TIMEOUT}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while pid_alive "$pid"; do sleep 0.1; done
    fi
    say "$name stopped"
}

ensure_dirs() {
    mkdir -p "$LOG_DIR" "$RUN_DIR" "$KAFKA_DIR"
}

# --- Kafka ---------------------------------------------------------------------------------
# The pinned version is the one in the POM; JEUGDKETEN_KAFKA_VERSION overrides it (used to test
# other versions, see deploy/README.md).
kafka_version() {
    if [[ -n ${JEUGDKETEN_KAFKA_VERSION:-} ]]; then
        echo "$JEUGDKETEN_KAFKA_VERSION"
    else
        sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM"
    fi
}

# What the jars in .local/kafka/libs were fetched for: the version plus the POM's checksum, so
# that changing either (a new pin, another log4j) fetches again.
kafka_libs_stamp() {
    echo "kafka=$(kafka_version) pom=$(sha256sum "$KAFKA_POM" | cut -c1-16)"
}

ensure_java_and_maven() {
    if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
        say "java or mvn missing: installing them from Debian"
        apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null
    fi
}

# Resolve the broker's jars from Maven Central unless the marker says they are already there.
# They go to a temporary folder first, so an interrupted fetch never leaves half a classpath.
kafka_fetch_jars() {
    local stamp
    stamp="$(kafka_libs_stamp)"
    if [[ -f $KAFKA_LIBS_MARKER && "$(cat "$KAFKA_LIBS_MARKER")" == "$stamp" ]]; then
        return 0
    fi
    ensure_java_and_maven
    say "fetching Kafka $(kafka_version) jars from Maven Central into $KAFKA_LIBS"
    local tmp="$KAFKA_DIR/libs.tmp"
    rm -rf "$tmp"
    # The output folder must be absolute: Maven resolves a relative one against the POM's folder.
    if ! mvn -q -B -f "$KAFKA_POM" \
        org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
        -DoutputDirectory="$tmp" -DincludeScope=runtime \
        -Dkafka.version="$(kafka_version)" >"$LOG_DIR/maven.log" 2>&1; then
        show_log_tail "$LOG_DIR/maven.log"
        die "Maven could not resolve the Kafka jars (full log: $LOG_DIR/maven.log)"
    fi
    rm -rf "$KAFKA_LIBS"
    mv "$tmp" "$KAFKA_LIBS"
    echo "$stamp" >"$KAFKA_LIBS_MARKER"
}

# The pid of the broker we started, if it still runs (and is really our broker: a stale pid
# file whose pid now belongs to another process does not count).
kafka_pid() {
    [[ -f $KAFKA_PID_FILE ]] || return 1
    local pid
    pid="$(cat "$KAFKA_PID_FILE")"
    pid_alive "$pid" || return 1
    grep -q "kafka.Kafka" "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

# Regenerated on every start from the settings above; one node is broker and controller. It
# holds the broker's password: readable by its owner only.
kafka_write_properties() {
    mkdir -p "$KAFKA_DATA"
    local login
    login="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"broker\" password=\"$KAFKA_BROKER_PASSWORD\" user_broker=\"$KAFKA_BROKER_PASSWORD\";"
    (
        umask 077
        cat >"$KAFKA_PROPS" <<EOF
# Generated by deploy/local/up on $(date -u +%FT%TZ); edits are overwritten.
# KRaft: this process is both broker and controller, no ZooKeeper.
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
controller.quorum.voters=$KAFKA_QUORUM_VOTERS
# No listener takes a client without a login (docs/security.md), as in docker-compose.yml:
# BROKER and CONTROLLER take the broker's own principal (User:broker, SASL/PLAIN against the
# one account below: a controller cannot take SCRAM logins, and the first SCRAM credential is
# made by someone logged in without one); CLIENT takes SCRAM-SHA-512, a password per principal.
listeners=$KAFKA_LISTENERS
advertised.listeners=BROKER://$KAFKA_BROKER_BOOTSTRAP,CLIENT://$KAFKA_SASL_BOOTSTRAP
controller.listener.names=CONTROLLER
inter.broker.listener.name=BROKER
listener.security.protocol.map=BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.broker.sasl.enabled.mechanisms=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.broker.plain.sasl.jaas.config=$login
listener.name.controller.plain.sasl.jaas.config=$login
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
# ACLs (deploy/local/kafka_security.py): what no ACL allows is denied. No User:ANONYMOUS here.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:broker;User:admin
log.dirs=$KAFKA_DATA

# Copies of every partition, the internal topics' too: one on a single node, compose's three
# (two in sync for a write) in deploy/local/cluster. No replica that missed writes is elected.
offsets.topic.replication.factor=$KAFKA_REPLICATION_FACTOR
transaction.state.log.replication.factor=$KAFKA_REPLICATION_FACTOR
transaction.state.log.min.isr=$KAFKA_MIN_INSYNC_REPLICAS
share.coordinator.state.topic.replication.factor=$KAFKA_REPLICATION_FACTOR
share.coordinator.state.topic.min.isr=$KAFKA_MIN_INSYNC_REPLICAS
default.replication.factor=$KAFKA_REPLICATION_FACTOR
min.insync.replicas=$KAFKA_MIN_INSYNC_REPLICAS
unclean.leader.election.enable=false

# Tests: a group's first rebalance does not wait the default 3 s for more members.
group.initial.rebalance.delay.ms=0
# Topics come from deploy/topics.toml (or a test creates its own); no typo creates one.
auto.create.topics.enable=false

# Small box (2 cores): fewer threads and partitions for the internal topics, small buffers.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
num.network.threads=2
num.io.threads=2
num.partitions=1
log.cleaner.dedupe.buffer.size=33554432
log.cleaner.threads=1
num.recovery.threads.per.data.dir=1
EOF
    )
}

# The broker JVM: the heap is far below Kafka's own script's 1 GB, which is plenty for tests.
KAFKA_JAVA=(java -Xms256m -Xmx512m -Djava.awt.headless=true -XX:+ExitOnOutOfMemoryError
    "-Dlog4j2.configurationFile=$KAFKA_LOG4J" "-Dkafka.logs.dir=$LOG_DIR"
    -cp "$KAFKA_LIBS/*")

# Start the broker JVM in the background; its pid goes to KAFKA_STARTED_PID and the pid file.
# Closing fd 9 keeps it from holding up's lock for as long as it runs.
kafka_launch() {
    say "Kafka: starting $(kafka_version) on $KAFKA_SASL_BOOTSTRAP (log: $KAFKA_LOG)"
    : >"$KAFKA_STDOUT_LOG"
    # setsid: the broker gets its own session, so a Ctrl-C in (or the end of) the shell that
    # started it does not reach it; nohup + </dev/null: no terminal ties left.
    setsid nohup "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_PROPS" \
        >>"$KAFKA_STDOUT_LOG" 2>&1 </dev/null 9>&- &
    KAFKA_STARTED_PID=$!
    echo "$KAFKA_STARTED_PID" >"$KAFKA_PID_FILE"
    kafka_version >"$KAFKA_RUNNING_VERSION_FILE"
}

# Format the KRaft log dir once. -g ("ignore formatted") keeps a re-run harmless, but a JVM
# start costs seconds, so it only runs when meta.properties is missing.
kafka_format_storage() {
    [[ -f $KAFKA_DATA/meta.properties ]] && return 0
    if [[ ! -s $KAFKA_CLUSTER_ID_FILE ]]; then
        # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding; Kafka itself
        # never hands out ids starting with "-" (they read like command-line options).
        local id=-
        while [[ $id == -* ]]; do
            id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
        done
        echo "$id" >"$KAFKA_CLUSTER_ID_FILE"
    fi
    say "formatting Kafka storage in $KAFKA_DATA"
    if ! "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -g \
        -t "$(cat "$KAFKA_CLUSTER_ID_FILE")" -c "$KAFKA_PROPS" >>"$KAFKA_STDOUT_LOG" 2>&1; then
        show_log_tail "$KAFKA_STDOUT_LOG"
        die "formatting Kafka storage failed"
    fi
    kafka_version >"$KAFKA_FORMATTED_BY"
}

# --- PostgreSQL ----------------------------------------------------------------------------
# Debian installs server binaries per major version; take the newest present.
pg_bin_dir() {
    local dirs=(/usr/lib/postgresql/*/bin) dir
    dir="$(printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1)"
    [[ -x $dir/initdb ]] && echo "$dir"
}

ensure_pg_binaries() {
    if ! pg_bin_dir >/dev/null; then
        say "PostgreSQL server binaries missing: installing Debian's postgresql package"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        pg_bin_dir >/dev/null || die "installing postgresql gave no /usr/lib/postgresql/*/bin/initdb"
    fi
    PG_BIN="$(pg_bin_dir)"
}

pg_data_dir() {
    if [[ -s $PG_DATA_LOCATION_FILE ]]; then cat "$PG_DATA_LOCATION_FILE"; else echo "$PG_DATA_DEFAULT"; fi
}

# The server log sits beside the data when the data had to move out of .local (see up).
pg_log_file() {
    local data
    data="$(pg_data_dir)"
    if [[ $data == "$PG_DATA_DEFAULT" ]]; then echo "$LOG_DIR/postgres.log"; else echo "${data%/*}/postgres.log"; fi
}

# The postmaster of our own cluster, if it runs (first line of postmaster.pid).
pg_pid() {
    local pidfile pid
    pidfile="$(pg_data_dir)/postmaster.pid"
    [[ -f $pidfile ]] || return 1
    pid="$(head -n 1 "$pidfile")"
    pid_alive "$pid" || return 1
    echo "$pid"
}

# psql as the project's role over TCP, the way the services connect. Needs a psql client:
# the server package brings one.
pg_as_role() {
    local db=$1
    shift
    PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=3 "${PG_BIN:-$(pg_bin_dir)}/psql" \
        -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -d "$db" "$@"
}

pg_role_accepted() {
    pg_as_role postgres -tAc 'select 1' >/dev/null 2>&1
}

# Unix socket for superuser (peer) access to our own cluster, beside the data dir (so the
# postgres user can reach it too). A socket path must stay under ~107 bytes, so a deep
# checkout falls back to a folder in /tmp.
pg_socket_dir() {
    local data dir
    data="$(pg_data_dir)"
    dir="${data%/*}/run"
    if ((${#dir} > 90)); then
        dir="/tmp/jeugdketen-pg-$(echo "$REPO_ROOT" | sha256sum | cut -c1-12)"
    fi
    echo "$dir"
}

# psql as the postgres superuser through the socket (peer auth: OS user postgres).
pg_as_superuser() {
    runuser -u postgres -- "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$(pg_socket_dir)" -p "$PG_PORT" -U postgres -d postgres "$@"
}

# Whether the postgres OS user can reach (traverse into) a folder.
postgres_can_reach() {
    runuser -u postgres -- test -x "$1" 2>/dev/null
}

# Every principal's SCRAM credentials (a random password, once, in $KAFKA_CREDENTIALS) and the
# ACLs of deploy/local/kafka_security.py, given to the broker(s) on $KAFKA_BROKER_BOOTSTRAP as
# their own principal: before this ran on a new broker, no SCRAM login exists, the admin's
# neither. The stamp makes a repeat with nothing changed cost no JVM start.
apply_security() {
    say "Kafka: SCRAM credentials and ACLs (deploy/local/kafka_security.py)"
    run_py deploy/local/kafka_security.py --as-broker --bootstrap-servers "$KAFKA_BROKER_BOOTSTRAP" \
        --credentials "$KAFKA_CREDENTIALS" --libs "$KAFKA_LIBS" --stamp "$KAFKA_SECURITY_STAMP" >&2 ||
        die "giving the broker its credentials and ACLs failed"
}

# The topics of deploy/topics.toml (arguments go to kafka_topics.py, e.g. --profile), created
# as the admin over SCRAM: the way every deploy tool logs in (.local/env).
create_topics() {
    say "Kafka: topics from deploy/topics.toml $*"
    (
        eval "$(kafka_env_exports)"
        run_py deploy/local/kafka_topics.py --timeout 30 "$@" >&2
    ) || die "creating the topics failed"
}

# The settings of the deploy tools and the test harness: the broker, logged in as the admin (a
# super user), and the database. Mode 600: it holds the admin's password.
kafka_env_exports() {
    cat <<EOF
export KAFKA_BOOTSTRAP_SERVERS=$KAFKA_SASL_BOOTSTRAP
export KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT
export KAFKA_SASL_MECHANISM=SCRAM-SHA-512
export KAFKA_SASL_USERNAME=admin
export KAFKA_SASL_PASSWORD=${KAFKA_ADMIN_PASSWORD:-$(kafka_password admin)}
export KAFKA_SASL_BOOTSTRAP_SERVERS=$KAFKA_SASL_BOOTSTRAP
export JEUGDKETEN_KAFKA_CREDENTIALS=$KAFKA_CREDENTIALS
export JEUGDKETEN_KAFKA_LISTENERS=$KAFKA_LISTENERS
EOF
}

postgres_env_exports() {
    echo "export DATABASE_URL=$DATABASE_URL_VALUE"
}

env_exports() {
    kafka_env_exports
    postgres_env_exports
}

# The export lines of the given function (default: env_exports) into $ENV_FILE.
write_env_file() {
    local exports=${1:-env_exports}
    (
        umask 077
        {
            echo "# Written by deploy/local/${0##*/}; source it: . $ENV_FILE"
            "$exports"
        } >"$ENV_FILE"
    )
}
