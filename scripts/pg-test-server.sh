#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, on 127.0.0.1 with a private socket folder.
#   scripts/pg-test-server.sh start DIR   → prints the SQLAlchemy URL on stdout
#   scripts/pg-test-server.sh stop DIR    → stops the server and removes DIR
# For the clinic-mode tests (a server that goes away in the middle of an edit):
#   scripts/pg-test-server.sh halt DIR    → stops the server, keeps DIR (fast shutdown)
#   scripts/pg-test-server.sh resume DIR  → starts it again on the same port
#   scripts/pg-test-server.sh require-password DIR  → the role's password is read from stdin;
#                                            TCP logins then need it (scram-sha-256)
# Installs Debian's postgresql package when missing (as root or with sudo).  As root the
# cluster runs as the 'postgres' user (PostgreSQL refuses to run as root).
set -euo pipefail
action="${1:?start|stop}"
dir="${2:?directory}"

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
  if ! bin=$(find_bin); then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
      echo "PostgreSQL mangler: apt-get install postgresql" >&2; exit 3; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >&2
    $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
    bin=$(find_bin)
  fi
  mkdir -p "$dir/sock"
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; fi
  chmod 700 "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  as_owner "$bin/initdb" -D "$dir/data" -U rekvirent --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/sock -c fsync=off" \
    start >/dev/null
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U rekvirent rekvirent_test
  echo "$port" > "$dir/port"
  echo "postgresql+psycopg://rekvirent@127.0.0.1:$port/rekvirent_test"
  ;;
stop)
  if [ -d "$dir/data" ] && bin=$(find_bin); then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
halt)
  bin=$(find_bin)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
resume)
  bin=$(find_bin)
  port=$(cat "$dir/port")
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/sock -c fsync=off" \
    start >/dev/null
  ;;
require-password)
  bin=$(find_bin)
  port=$(cat "$dir/port")
  IFS= read -r password
  # Over the private socket (still trust) so the password never appears in a command line.
  printf "ALTER ROLE rekvirent PASSWORD '%s';\n" "${password//\'/\'\'}" |
    as_owner "$bin/psql" -q -h "$dir/sock" -p "$port" -U rekvirent -d postgres >/dev/null
  sed -i -E 's/^(host[[:space:]].*[[:space:]])trust$/\1scram-sha-256/' "$dir/data/pg_hba.conf"
  as_owner "$bin/pg_ctl" -D "$dir/data" reload >/dev/null
  ;;
*)
  echo "bruk: $0 start|stop|halt|resume|require-password DIR" >&2; exit 2 ;;
esac
