#!/bin/sh
# Runs redis-server in the foreground with its data in /data. The password goes into a config file
# rather than onto the command line, where every process of the container could read it.
set -eu
config=$(mktemp)
chmod 0600 "$config"
cat >"$config" <<CONF
bind 0.0.0.0 -::*
protected-mode no
port 6379
dir /data
appendonly yes
CONF
if [ -n "${REDIS_PASSWORD:-}" ]; then
  printf 'requirepass "%s"\n' "$REDIS_PASSWORD" >>"$config"
fi
exec redis-server "$config" "$@"
