#!/bin/sh
# Writes docker/.env for docker/compose.yaml with fresh random secrets and this host's Docker socket
# group. Refuses to overwrite an existing file (its secrets are already in the database).
#
#   docker/init-env.sh [file]            default: docker/.env
set -eu
file=${1:-$(cd "$(dirname "$0")" && pwd)/.env}
if [ -e "$file" ]; then
  echo "init-env: $file exists; edit it, or remove it to start over (the database keeps the old secrets)" >&2
  exit 1
fi
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
socket=/var/run/docker.sock
docker_gid=$(stat -c %g "$socket" 2>/dev/null || echo '')
[ -n "$docker_gid" ] || echo "init-env: no $socket here: set DOCKER_GID by hand before starting the worker" >&2

umask 077
cat >"$file" <<ENV
# Written by docker/init-env.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Secrets: keep this file private.
POSTGRES_PASSWORD=$(hex 24)
REDIS_PASSWORD=$(hex 24)
OZ_ADMIN_API_KEY=oz_admin_$(hex 24)
OZ_SECRETS_KEY=$(head -c 32 /dev/urandom | base64)
OZ_WORKSPACE_SECRETS_KEY=$(head -c 32 /dev/urandom | base64)
OZ_WORKER_API_KEY=oz_worker_$(hex 24)
AGENT_API_KEY=oz_agent_$(hex 24)
OZ_METRICS_TOKEN=oz_metrics_$(hex 24)
DOCKER_GID=$docker_gid

# Providers (README, Providers), for example:
# OZ_PROVIDER_CUSTOM_BASE_URL=http://host.docker.internal:11434/v1
# OZ_PROVIDER_CUSTOM_MODEL=qwen2.5-coder
# OZ_PROVIDER_CLAUDE_MODEL=claude-sonnet-4-5
# OZ_PROVIDER_CLAUDE_API_KEY=
ENV
echo "init-env: wrote $file" >&2
