#!/usr/bin/env bash
# `npm run demo`: a working proxy in one command. Installs what is missing, builds, starts two
# redis-server and two memcached processes on free local ports (data and logs in a temporary
# directory), writes a config with a Redis pool on 127.0.0.1:22121 and a memcached pool on
# 127.0.0.1:22122 (stats on 22222), and runs the proxy in the foreground. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

REDIS_LISTEN=22121
MEMCACHE_LISTEN=22122
STATS_PORT=22222

log() { printf 'demo: %s\n' "$*" >&2; }

bash scripts/install-deps.sh
npm run --silent build

# Some distributions put server binaries in sbin, which a user's PATH may omit.
PATH="$PATH:/usr/sbin:/usr/local/sbin"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$REDIS_LISTEN" "$MEMCACHE_LISTEN" "$STATS_PORT"; do
  if port_in_use "$port"; then
    log "port $port on 127.0.0.1 is already in use (a nutcracker service? try: sudo systemctl stop nutcracker)"
    exit 1
  fi
done

workdir="$(mktemp -d -t twemproxy-ts-demo.XXXXXX)"
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$workdir"
  log "stopped; removed $workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port the kernel considers free right now (the servers below fail loudly if it is taken meanwhile).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

wait_until() { # wait_until DESCRIPTION COMMAND...: up to 10 s
  local what="$1"; shift
  for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "$what did not come up; logs are in $workdir"; exit 1
}

memcached_user=()
[ "$(id -u)" -eq 0 ] && memcached_user=(-u "$(id -un)") # memcached refuses to run as root without -u

redis_ports=() memcache_ports=()
for i in 1 2; do
  port="$(free_port)"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" \
    --daemonize no --logfile "$workdir/redis$i.log" &
  pids+=("$!") redis_ports+=("$port")
  wait_until "redis-server on port $port" redis-cli -p "$port" ping

  port="$(free_port)"
  memcached -l 127.0.0.1 -p "$port" -U 0 -m 64 ${memcached_user[@]+"${memcached_user[@]}"} >"$workdir/memcached$i.log" 2>&1 &
  pids+=("$!") memcache_ports+=("$port")
  wait_until "memcached on port $port" port_in_use "$port"
done

conf="$workdir/nutcracker.yml"
cat >"$conf" <<YAML
demo_redis:
  listen: 127.0.0.1:$REDIS_LISTEN
  redis: true
  hash: fnv1a_64
  distribution: ketama
  timeout: 400
  auto_eject_hosts: true
  server_retry_timeout: 2000
  server_failure_limit: 1
  servers:
   - 127.0.0.1:${redis_ports[0]}:1 redis1
   - 127.0.0.1:${redis_ports[1]}:1 redis2
demo_memcache:
  listen: 127.0.0.1:$MEMCACHE_LISTEN
  hash: fnv1a_64
  distribution: ketama
  timeout: 400
  auto_eject_hosts: true
  server_retry_timeout: 2000
  server_failure_limit: 1
  servers:
   - 127.0.0.1:${memcache_ports[0]}:1 mc1
   - 127.0.0.1:${memcache_ports[1]}:1 mc2
YAML

cat >&2 <<EOF

  twemproxy-ts demo
  backends:  redis-server on ${redis_ports[*]}, memcached on ${memcache_ports[*]}  (in $workdir)
  config:    $conf

  Try, from another terminal:
    redis-cli -p $REDIS_LISTEN set greeting hello
    redis-cli -p $REDIS_LISTEN mget greeting missing
    printf 'set greeting 0 0 5\r\nhello\r\nget greeting\r\nquit\r\n' | nc 127.0.0.1 $MEMCACHE_LISTEN
    memccat --servers=127.0.0.1:$MEMCACHE_LISTEN greeting
    cat < /dev/tcp/127.0.0.1/$STATS_PORT            # stats JSON (bash), or: nc 127.0.0.1 $STATS_PORT

  Which backend got the key:  redis-cli -p ${redis_ports[0]} keys '*'; redis-cli -p ${redis_ports[1]} keys '*'
  Press Ctrl-C to stop the proxy and the backends.

EOF

# Not exec: the shell stays to clean up after the proxy exits (the proxy exits on SIGINT, as nutcracker).
bin/twemproxy-ts -c "$conf" -s "$STATS_PORT" -a 127.0.0.1 -v 5 &
pids+=("$!")
wait "$!"
