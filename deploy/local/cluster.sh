#!/usr/bin/env bash
# A real Flink 2.2 standalone session cluster (one JobManager, TaskManagers as separate JVMs) and a real Kafka
# broker process on this machine, from Maven Central jars, for trying the job jar the way a cluster runs it.
#
#   deploy/local/cluster.sh setup                  copy the Flink and Kafka jars into deploy/local/work (once)
#   deploy/local/cluster.sh start [TASKMANAGERS]   Kafka broker, JobManager, TaskManagers (default 2); waits until ready
#   deploy/local/cluster.sh submit [ARGS...]       upload target/mmstream-job.jar and run it (ARGS: --config FILE --set k=v ...);
#                                                  prints the job id; MMSTREAM_SAVEPOINT=PATH restores from a checkpoint
#   deploy/local/cluster.sh sql FILE [--set k=v...]    run a SQL script of flink-jobs/ (e.g. alerts.sql) as a job; prints its id
#   deploy/local/cluster.sh topics                 create the mmstream topics on the broker
#   deploy/local/cluster.sh status                 processes, TaskManagers and jobs
#   deploy/local/cluster.sh taskmanager start|kill N    start TaskManager N, or kill -9 it
#   deploy/local/cluster.sh flink start [N]|kill   start the JobManager and N TaskManagers, or kill -9 them all (Kafka stays)
#   deploy/local/cluster.sh stop                   stop everything by PID (kill -9 with KILL=1)
#
# TASKMANAGER_JVM_OPTS adds JVM options to the TaskManagers (e.g. -XX:+UseParallelGC). MALLOC_ARENA_MAX (default 2)
# bounds glibc's malloc arenas in the Flink processes: ONNX Runtime's native memory outside the JVM fell by 15-30%
# with 2 (BENCHMARKS.md); Flink's Docker image, which the other deploy files use, preloads jemalloc instead.
# Ports: Kafka ${KAFKA_PORT:-9092} (controller +1), Flink REST ${REST_PORT:-8081}, RPC ${RPC_PORT:-6123}. Only loopback,
# except Prometheus metrics: each Flink process on the first free port of ${METRICS_PORTS:-9249-9259} (the reporter
# binds every interface; deploy/prometheus/prometheus.yml scrapes them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${MMSTREAM_CLUSTER_WORK:-$here/work}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
REST_PORT="${REST_PORT:-8081}"
RPC_PORT="${RPC_PORT:-6123}"
METRICS_PORTS="${METRICS_PORTS:-9249-9259}"
SLOTS="${SLOTS:-1}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mkdir -p "$work/pids" "$work/logs"
# what Flink's own scripts pass (env.java.default-opts.all): Flink reflects into these JDK packages
OPENS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
 --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
 --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
 --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

log() { echo "[cluster] $*" >&2; }
fail() { log "$*"; exit 2; }

# every value from the command line or the environment is checked before use: numbers are numbers, paths stay
# inside their folder, and nothing is ever evaluated by a shell
number() { # $1: name, $2: value, $3: largest
  [[ "$2" =~ ^[0-9]{1,5}$ ]] && [ "$2" -ge 1 ] && [ "$2" -le "$3" ] || fail "$1 must be a number from 1 to $3, was '$2'"
}
inside() { # $1: name, $2: path, $3: folder it must stay in; prints the resolved path
  local resolved folder
  resolved="$(realpath -m -- "$2")"
  folder="$(realpath -m -- "$3")"
  case "$resolved/" in "$folder"/*) echo "$resolved" ;; *) fail "$1 must lie inside $folder, was '$2'" ;; esac
}
number KAFKA_PORT "$KAFKA_PORT" 65534
number REST_PORT "$REST_PORT" 65535
number RPC_PORT "$RPC_PORT" 65535
number SLOTS "$SLOTS" 64
# JVM options for the TaskManagers beside Flink's memory flags (a collector to compare, say): options only, no shell
TASKMANAGER_JVM_OPTS="${TASKMANAGER_JVM_OPTS:-}"
MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
[[ "$MALLOC_ARENA_MAX" =~ ^[1-9][0-9]*$ ]] || fail "MALLOC_ARENA_MAX must be a positive whole number, was '$MALLOC_ARENA_MAX'"
[[ "$TASKMANAGER_JVM_OPTS" =~ ^[-A-Za-z0-9:+=._/,\ ]*$ ]] || fail "TASKMANAGER_JVM_OPTS may hold only JVM options, was '$TASKMANAGER_JVM_OPTS'"
[[ "$METRICS_PORTS" =~ ^[0-9]{1,5}(-[0-9]{1,5})?$ ]] || fail "METRICS_PORTS must be a port or a range like 9249-9259, was '$METRICS_PORTS'"

setup() {
  # again when the pom changed since (a jar added, such as the metrics reporter)
  if [ ! -d "$work/flink-lib" ] || [ "$here/flink.pom.xml" -nt "$work/flink-lib" ]; then
    mvn -B -q -f "$here/flink.pom.xml" dependency:copy-dependencies -DoutputDirectory="$work/flink-lib"
    touch "$work/flink-lib"
  fi
  if [ ! -d "$work/kafka-lib" ] || [ "$here/kafka.pom.xml" -nt "$work/kafka-lib" ]; then
    mvn -B -q -f "$here/kafka.pom.xml" dependency:copy-dependencies -DoutputDirectory="$work/kafka-lib"
    touch "$work/kafka-lib"
  fi
}

write_flink_config() {
  mkdir -p "$work/conf" "$work/checkpoints"
  cat > "$work/conf/config.yaml" <<YAML
jobmanager.rpc.address: localhost
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: localhost
jobmanager.memory.process.size: 1024m
taskmanager.bind-host: localhost
taskmanager.host: localhost
# ONNX Runtime's sessions and arenas live outside the JVM: 180-260 MB per TaskManager after one job, 300-370 MB after
# a second (bench pipeline --cluster: resident set less what Native Memory Tracking says the JVM committed), which
# Flink's memory model must leave room for; the task heap stays at 384m
taskmanager.memory.process.size: 2560m
taskmanager.memory.task.off-heap.size: 384m
taskmanager.numberOfTaskSlots: $SLOTS
parallelism.default: 2
rest.address: localhost
rest.bind-address: localhost
rest.port: $REST_PORT
execution.checkpointing.dir: file://$work/checkpoints
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
execution.checkpointing.num-retained: 3
restart-strategy.type: exponential-delay
restart-strategy.exponential-delay.initial-backoff: 1 s
restart-strategy.exponential-delay.max-backoff: 1 min
restart-strategy.exponential-delay.reset-backoff-threshold: 10 min
restart-strategy.exponential-delay.attempts-before-reset-backoff: 2147483647
# a TaskManager killed with -9 is noticed within seconds, not after the default 50 s
heartbeat.interval: 1000
heartbeat.timeout: 5000
# native libraries load once per JVM: the model runtime and OpenCV come from lib, whatever the job restarts
classloader.parent-first-patterns.additional: ai.onnxruntime.;org.bytedeco.;ai.djl.
# every process serves its metrics for Prometheus on the first free port of the range (deploy/prometheus/)
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: $METRICS_PORTS
YAML
  cat > "$work/conf/log4j.properties" <<'LOG'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = File
appender.file.name = File
appender.file.type = File
appender.file.fileName = ${sys:log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n
LOG
}

resource_params() { # $1: GET_JM_RESOURCE_PARAMS or GET_TM_RESOURCE_PARAMS; prints the JVM flags, then the dynamic configs
  "$JAVA" -cp "$work/flink-lib/*" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$work/conf" 2>/dev/null \
    | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://' | tail -n 2
}

start_kafka() {
  mkdir -p "$work/kafka"
  cat > "$work/kafka/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$((KAFKA_PORT + 1))
listeners=PLAINTEXT://localhost:$KAFKA_PORT,CONTROLLER://localhost:$((KAFKA_PORT + 1))
advertised.listeners=PLAINTEXT://localhost:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$work/kafka/data
num.partitions=2
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  if [ ! -f "$work/kafka/data/meta.properties" ]; then
    local uuid
    uuid="$(tr -d - < /proc/sys/kernel/random/uuid)"
    "$JAVA" -cp "$work/kafka-lib/*" kafka.tools.StorageTool format -t "${uuid:0:22}" \
      -c "$work/kafka/server.properties" > "$work/logs/kafka-format.log" 2>&1
  fi
  nohup "$JAVA" -Xmx512m -cp "$work/kafka-lib/*" kafka.Kafka "$work/kafka/server.properties" > "$work/logs/kafka.log" 2>&1 &
  echo $! > "$work/pids/kafka.pid"
  log "Kafka broker pid $(cat "$work/pids/kafka.pid") on localhost:$KAFKA_PORT"
}

start_flink_process() { # $1: name, $2: GET_JM_RESOURCE_PARAMS or GET_TM_RESOURCE_PARAMS, $3: entry class
  local params jvm dynamic
  params="$(resource_params "$2")"
  # parameter expansion, not `echo | head`: under pipefail a reader that stops early can SIGPIPE the writer (exit 141)
  jvm="${params%%$'\n'*}"
  dynamic="${params##*$'\n'}"
  if [ "$2" = GET_TM_RESOURCE_PARAMS ]; then
    # G1 unless the options name a collector: the JVM would pick the serial one on a small machine (BENCHMARKS.md)
    case "$TASKMANAGER_JVM_OPTS" in *-XX:+Use*GC*) ;; *) jvm="$jvm -XX:+UseG1GC" ;; esac
    jvm="$jvm $TASKMANAGER_JVM_OPTS"
  fi
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX="$MALLOC_ARENA_MAX" nohup "$JAVA" $OPENS $jvm -Dlog.file="$work/logs/$1.log" -Dlog4j.configurationFile="file:$work/conf/log4j.properties" \
    -cp "$work/flink-lib/*" "$3" --configDir "$work/conf" $dynamic > "$work/logs/$1.out" 2>&1 &
  echo $! > "$work/pids/$1.pid"
  log "$1 pid $(cat "$work/pids/$1.pid")"
}

start_jobmanager() {
  start_flink_process jobmanager GET_JM_RESOURCE_PARAMS org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
}

start_taskmanager() { # $1: number
  start_flink_process "taskmanager-$1" GET_TM_RESOURCE_PARAMS org.apache.flink.runtime.taskexecutor.TaskManagerRunner
}

rest() { curl -sf "http://localhost:$REST_PORT$1"; }

wait_for() { # $1: what, $2: seconds, rest: command
  local what="$1" seconds="$2"
  shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" > /dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "timed out waiting for $what"
  return 1
}

registered_taskmanagers() { rest /taskmanagers | grep -o '"id"' | wc -l; }

kafka_ready() { "$JAVA" -cp "$work/kafka-lib/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "localhost:$KAFKA_PORT" --list; }

start() {
  local taskmanagers="${1:-2}"
  number TASKMANAGERS "$taskmanagers" 64
  setup
  start_kafka
  wait_for "the Kafka broker" 60 kafka_ready
  start_flink "$taskmanagers"
}

at_least_taskmanagers() { [ "$(registered_taskmanagers)" -ge "$1" ]; }

start_flink() {
  local taskmanagers="$1"
  number TASKMANAGERS "$taskmanagers" 64
  write_flink_config
  start_jobmanager
  for n in $(seq 1 "$taskmanagers"); do start_taskmanager "$n"; done
  wait_for "$taskmanagers TaskManagers" 90 at_least_taskmanagers "$taskmanagers"
  log "ready: Kafka localhost:$KAFKA_PORT, Flink http://localhost:$REST_PORT with $taskmanagers TaskManagers"
}

kill_flink() {
  for pidfile in "$work"/pids/taskmanager-*.pid "$work"/pids/jobmanager.pid; do
    [ -e "$pidfile" ] || continue
    kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  log "killed the JobManager and every TaskManager (-9)"
}

topics() {
  local config
  for topic in mm.video mm.audio mm.sensor mm.text mm.labels mm.truth mm.predictions mm.embeddings mm.audio.separated mm.late mm.deadletter mm.alerts; do
    # frames up to the job's validation.max-record-bytes (4 MB); media kept one hour, as on Kubernetes (personal data)
    case "$topic" in
      mm.video) config=(--config max.message.bytes=4194304 --config retention.ms=3600000) ;;
      mm.audio|mm.sensor|mm.text|mm.audio.separated) config=(--config retention.ms=3600000) ;;
      *) config=() ;;
    esac
    "$JAVA" -cp "$work/kafka-lib/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "localhost:$KAFKA_PORT" \
      --create --if-not-exists --topic "$topic" --partitions 2 --replication-factor 1 "${config[@]}" > /dev/null
  done
  log "topics created"
}

json_string() { # $1: text; refuses control characters, escapes backslashes and quotes
  [[ "$1" =~ [[:cntrl:]] ]] && fail "argument holds a control character: '$1'"
  local text="${1//\\/\\\\}"
  printf '"%s"' "${text//\"/\\\"}"
}

submit() {
  local jar upload id args="" body savepoint=""
  jar="$(inside MMSTREAM_JOB_JAR "${MMSTREAM_JOB_JAR:-$root/target/mmstream-job.jar}" "$root")"
  if [ -n "${MMSTREAM_SAVEPOINT:-}" ]; then
    savepoint="$(inside MMSTREAM_SAVEPOINT "${MMSTREAM_SAVEPOINT#file://}" "$work")"
    savepoint=", \"savepointPath\": $(json_string "$savepoint")"
    # an upgrade whose operators' state changed shape (README, "Per-stream event time") drops what no operator claims
    [ "${MMSTREAM_ALLOW_NON_RESTORED:-}" = 1 ] && savepoint="$savepoint, \"allowNonRestoredState\": true"
  fi
  [ -f "$jar" ] || fail "no job jar at $jar (mvn package first)"
  for a in "$@"; do args="$args$(json_string "$a"),"; done
  upload="$(curl -sf -X POST -H "Expect:" -F "jarfile=@$jar" "http://localhost:$REST_PORT/jars/upload")"
  id="$(echo "$upload" | sed -n 's/.*"filename":"[^"]*\/\([^"/]*\)".*/\1/p')"
  [[ "$id" =~ ^[A-Za-z0-9_.-]+$ ]] || fail "unexpected answer to the jar upload: $upload"
  if [ -n "${MMSTREAM_ENTRY_CLASS:-}" ]; then
    [[ "$MMSTREAM_ENTRY_CLASS" =~ ^[A-Za-z0-9_.]+$ ]] || fail "MMSTREAM_ENTRY_CLASS must be a class name, was '$MMSTREAM_ENTRY_CLASS'"
    savepoint="$savepoint, \"entryClass\": \"$MMSTREAM_ENTRY_CLASS\""
  fi
  body="{\"programArgsList\": [${args%,}]$savepoint}"
  curl -sf -X POST -H "Content-Type: application/json" -d "$body" "http://localhost:$REST_PORT/jars/$id/run" \
    | sed -n 's/.*"jobid":"\([0-9a-f]*\)".*/\1/p'
}

status() {
  for pidfile in "$work"/pids/*.pid; do
    [ -e "$pidfile" ] || continue
    local pid name
    pid="$(cat "$pidfile")"
    name="$(basename "$pidfile" .pid)"
    if kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: not running"; fi
  done
  echo "taskmanagers registered: $(registered_taskmanagers 2>/dev/null || echo 0)"
  rest /jobs/overview 2>/dev/null || true
  echo
  # the restart counter per job (Flink's numRestarts, refreshed every 10 s): a bad record never raises it
  local job
  for job in $(rest /jobs 2>/dev/null | grep -o '"id":"[0-9a-f]\{32\}"' | cut -d'"' -f4); do
    echo "job $job restarts: $(rest "/jobs/$job/metrics?get=numRestarts" | sed -n 's/.*"value":"\([0-9]*\)".*/\1/p')"
  done
}

stop() {
  local signal="${KILL:+-9}"
  for pidfile in "$work"/pids/taskmanager-*.pid "$work"/pids/jobmanager.pid "$work"/pids/kafka.pid; do
    [ -e "$pidfile" ] || continue
    kill ${signal:-} "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  log "stopped"
}

case "${1:-}" in
  setup) setup ;;
  start) shift; start "$@" ;;
  topics) topics ;;
  submit) shift; submit "$@" ;;
  sql) shift; [ $# -ge 1 ] || fail "usage: $0 sql FILE [--set name=value ...]"
    MMSTREAM_ENTRY_CLASS=io.mmstream.job.sql.SqlJob submit --file "$@" --set "bootstrap=localhost:$KAFKA_PORT" ;;
  status) status ;;
  taskmanager)
    number N "${3:-}" 999
    case "${2:-}" in
      start) start_taskmanager "$3" ;;
      kill) kill -9 "$(cat "$work/pids/taskmanager-$3.pid")"; rm -f "$work/pids/taskmanager-$3.pid"; log "killed TaskManager $3 (-9)" ;;
      *) echo "usage: $0 taskmanager start|kill N" >&2; exit 2 ;;
    esac ;;
  flink)
    case "${2:-}" in
      start) start_flink "${3:-2}" ;;
      kill) kill_flink ;;
      *) echo "usage: $0 flink start [N]|kill" >&2; exit 2 ;;
    esac ;;
  stop) stop ;;
  *) sed -n '2,/^set -e/{/^set -e/!p}' "$0" >&2; exit 2 ;;
esac
