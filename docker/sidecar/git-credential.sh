#!/agent/bin/sh
# shellcheck shell=sh
# Git credential helper of the Oz sidecar (the entrypoint configures it as credential.helper).
#
# For `get` it answers with the GitHub token of the environment's secrets, GH_TOKEN or else
# GITHUB_TOKEN, read from the environment at the moment git asks: the token is never part of a URL, a
# config file or a command line. It answers only for https://github.com, https://$GH_HOST (GitHub
# Enterprise) and the hosts in OZ_GIT_CREDENTIAL_HOSTS (host[:port] separated by spaces or commas;
# an http:// prefix allows plain http for that host, e.g. a git server inside a private network).
# Every other host gets nothing from it, so a repository URL cannot make git hand the token elsewhere.
# `store` and `erase` are ignored: there is nothing to keep.

[ "${1:-}" = get ] || exit 0
token=${GH_TOKEN:-${GITHUB_TOKEN:-}}
[ -n "$token" ] || exit 0

protocol=''
host=''
while IFS= read -r line; do
  [ -n "$line" ] || break
  case $line in
    protocol=*) protocol=${line#protocol=} ;;
    host=*) host=${line#host=} ;;
  esac
done
[ -n "$host" ] || exit 0

allowed=''
set -f
old_ifs=$IFS
IFS=', '
for entry in github.com ${GH_HOST:-} ${OZ_GIT_CREDENTIAL_HOSTS:-}; do
  case $entry in
    http://*) [ "$protocol" = http ] && [ "$host" = "${entry#http://}" ] && allowed=1 ;;
    https://*) [ "$protocol" = https ] && [ "$host" = "${entry#https://}" ] && allowed=1 ;;
    *) [ "$protocol" = https ] && [ "$host" = "$entry" ] && allowed=1 ;;
  esac
done
IFS=$old_ifs
set +f
[ -n "$allowed" ] || exit 0

printf 'username=x-access-token\npassword=%s\n' "$token"
