#!/agent/bin/sh
# shellcheck shell=sh
# Oz sidecar entrypoint. The sidecar image's root is mounted read-only at /agent in every task
# container, and the worker (ours or Warp's official oz-agent-worker) runs
#
#   /agent/entrypoint.sh agent run --task-id <id> [the official worker's flags…]
#
# in /workspace. The shebang is the sidecar's own static busybox sh (/agent/bin/sh), so the script
# runs the same way in every task image, even one without /bin/sh; what the task image provides (git,
# the harness CLIs, /bin/sh for setup commands) comes from its PATH. Flags other than --task-id are
# accepted and ignored. docker/sidecar/README.md is the full contract; in short:
#
#   OZ_TASK_PROMPT            the prompt, given to the agent on stdin
#   OZ_ENV_VARS               NAME=value lines, exported first; they never replace an OZ_* variable the
#                             container already has (those come from the run or the operator)
#   OZ_ENV_REPOS              repositories, one per line: owner/repo (GitHub), a URL or a path; cloned
#                             shallow into /workspace/<name>
#   OZ_ENV_SETUP_COMMANDS     shell commands, one per line, run in /workspace in order
#   OZ_HARNESS                claude | codex | gemini | custom; unset (or oz): custom when
#                             OZ_AGENT_COMMAND is set, else claude
#   OZ_MODEL_ID               the model the harness CLI is given
#   OZ_AGENT_COMMAND          the custom agent, run with sh -c
#   OZ_AGENT_TIMEOUT_SECONDS  how long the agent may run (default 7200)
#   OZ_API_BASE_URL           the control plane's /api/v1 as this container reaches it: the LLM
#                             gateway for the CLIs and the task reports
#   OZ_TASK_TOKEN, OZ_RUN_ID  the run's token and id (OZ_RUN_ID falls back to TASK_ID, then --task-id)
#
# The agent's stdout goes to /workspace/.oz/agent_output.txt; everything goes to the log, with URL
# user-info and the values of secret-named variables masked. With OZ_API_BASE_URL and OZ_TASK_TOKEN
# set, the log is sent to the control plane as it grows, then the output, then the exit code.
# Exit codes: the agent's; 124 when it ran out of time; 127 when a CLI (or git) is missing; 78 for a
# bad configuration; 70 when the sidecar cannot set itself up; a failed clone or setup command's own.

set -u

case $0 in
  */*) agent_dir=${0%/*} ;;
  *) agent_dir=. ;;
esac
agent_dir=$(cd "$agent_dir" 2>/dev/null && pwd) || agent_dir=/agent
bb=$agent_dir/bin/busybox
if [ ! -x "$bb" ]; then
  printf 'oz-sidecar: %s is missing: the sidecar image root must be what is mounted at %s\n' "$bb" "$agent_dir" >&2
  exit 70
fi

newline='
'
say() { printf 'oz-sidecar: %s\n' "$*" >&2; }

# Only --task-id matters here; the other official flags (--sandboxed, --server-root-url,
# --idle-on-complete [dur], --harness, --share …) are Warp's own CLI's business.
task_id_arg=''
while [ $# -gt 0 ]; do
  case $1 in
    --task-id) shift; task_id_arg=${1:-}; [ $# -eq 0 ] || shift ;;
    --task-id=*) task_id_arg=${1#--task-id=}; shift ;;
    *) shift ;;
  esac
done

# ---------------------------------------------------------------------------------------------
# Environment variables of the environment (its secrets). Notes wait until the log is set up.

notes=''
note() { notes="${notes}oz-sidecar: $*$newline"; }

if [ -n "${OZ_ENV_VARS:-}" ]; then
  old_ifs=$IFS
  IFS=$newline
  set -f
  for line in $OZ_ENV_VARS; do
    case $line in
      *=*) name=${line%%=*} ;;
      *) note "skipping an OZ_ENV_VARS line that is not NAME=value"; continue ;;
    esac
    case $name in
      '' | [0-9]* | *[!A-Za-z0-9_]*) note "skipping an OZ_ENV_VARS line that is not NAME=value"; continue ;;
      OZ_*)
        if eval "[ -n \"\${$name+set}\" ]"; then
          note "OZ_ENV_VARS does not replace $name, which the run or the worker sets"
          continue
        fi ;;
    esac
    export "$name=${line#*=}"
  done
  set +f
  IFS=$old_ifs
fi

# ---------------------------------------------------------------------------------------------
# Folders: the workspace, a private state folder (prompt, log, credentials), HOME.

workspace=${OZ_WORKSPACE:-/workspace}
output=$workspace/.oz/agent_output.txt
if ! "$bb" mkdir -p "$workspace/.oz" || ! cd "$workspace"; then
  say "cannot create $workspace/.oz"
  exit 70
fi
tmp_root=${TMPDIR:-/tmp}
"$bb" mkdir -p "$tmp_root" 2>/dev/null
state=$("$bb" mktemp -d "$tmp_root/oz-agent.XXXXXX" 2>/dev/null) ||
  state=$("$bb" mktemp -d "$workspace/.oz/state.XXXXXX") || {
  say "cannot create a private folder in $tmp_root or $workspace/.oz"
  exit 70
}
case ${HOME:-/} in /) HOME=/root ;; esac
"$bb" mkdir -p "$HOME" 2>/dev/null || HOME=$state/home
"$bb" mkdir -p "$HOME" || exit 70
export HOME

# ---------------------------------------------------------------------------------------------
# Reports to the control plane (the official worker sends neither logs nor output).

api=${OZ_API_BASE_URL:-}
while :; do
  case $api in */) api=${api%/} ;; *) break ;; esac
done
run_id=${OZ_RUN_ID:-${TASK_ID:-$task_id_arg}}
reporting=''
if [ -n "$api" ] && [ -n "${OZ_TASK_TOKEN:-}" ] && [ -n "$run_id" ]; then
  case $run_id in
    *[!A-Za-z0-9._-]*) note "not reporting to the control plane: the run id is not URL-safe" ;;
    *) reporting=1 ;;
  esac
fi
http=wget
if [ -n "$reporting" ]; then
  # curl when the image has one: it verifies TLS certificates, and reads the token from a file
  # rather than its command line. Busybox wget verifies no certificates.
  if command -v curl >/dev/null 2>&1; then
    http=curl
    (umask 077 && printf 'Authorization: Bearer %s\n' "$OZ_TASK_TOKEN" >"$state/auth")
  else
    case $api in https:*) note "reporting over https with busybox wget, which does not verify certificates (a task image with curl gets them verified)" ;; esac
  fi
fi

# post KIND CONTENT-TYPE FILE: POST $OZ_API_BASE_URL/agent/runs/$run_id/task/KIND within 20 s;
# prints the client's error, if any.
post() {
  url=$api/agent/runs/$run_id/task/$1
  if [ "$http" = curl ]; then
    curl -fsS --connect-timeout 5 --max-time 20 -o /dev/null -X POST -H "@$state/auth" -H "Content-Type: $2" --data-binary "@$3" "$url" 2>&1
  else
    "$bb" timeout 20 "$bb" wget -q -O /dev/null --header "Authorization: Bearer $OZ_TASK_TOKEN" \
      --header "Content-Type: $2" --post-file "$3" "$url" 2>&1
  fi
}

# The log as the task writes it ($state/log, already masked) goes out in batches of whole lines,
# every 2 s or every 64 KiB, at most 256 KiB a request. A batch that cannot be sent is dropped
# (one warning on the container's own output); the task goes on.
log=$state/log
batch_max=262144
logs_sent=0
logs_warned=''
ship_logs() { # [final]: also the last line when it has no newline yet
  while :; do
    size=$("$bb" stat -c %s "$log" 2>/dev/null) || return 0
    [ "$size" -gt "$logs_sent" ] || return 0
    n=$((size - logs_sent))
    [ "$n" -le "$batch_max" ] || n=$batch_max
    "$bb" tail -c +$((logs_sent + 1)) "$log" | "$bb" head -c "$n" >"$state/batch"
    if [ -z "${1:-}" ] && [ "$("$bb" tail -c 1 "$state/batch" | "$bb" wc -l)" -eq 0 ]; then
      if [ "$("$bb" wc -l <"$state/batch")" -gt 0 ]; then
        # shellcheck disable=SC2016 # sed's $ (the last line)
        "$bb" sed -i '$d' "$state/batch" # the unfinished last line goes with the next batch
      elif [ "$n" -lt "$batch_max" ]; then
        return 0 # one unfinished line: wait for its end (a line longer than a batch goes in pieces)
      fi
    fi
    bytes=$("$bb" stat -c %s "$state/batch")
    [ "$bytes" -gt 0 ] || return 0
    logs_sent=$((logs_sent + bytes))
    # Lines separated by \n: the newline after the last one is not sent.
    if [ "$("$bb" tail -c 1 "$state/batch" | "$bb" wc -l)" -eq 1 ]; then
      "$bb" head -c $((bytes - 1)) "$state/batch" >"$state/body"
    else
      "$bb" mv "$state/batch" "$state/body"
    fi
    [ -s "$state/body" ] || continue
    if ! error=$(post logs 'text/plain; charset=utf-8' "$state/body") && [ -z "$logs_warned" ]; then
      logs_warned=1
      say "warning: sending log lines to the control plane failed (${error:-no answer}); such batches are dropped, the task goes on"
    fi
  done
}
ship_loop() {
  ticks=0
  while :; do
    if [ -e "$state/stop" ]; then
      ship_logs final
      return 0
    fi
    "$bb" sleep 0.5
    ticks=$((ticks + 1))
    size=$("$bb" stat -c %s "$log" 2>/dev/null) || size=0
    if [ "$size" -gt "$logs_sent" ] && { [ "$ticks" -ge 4 ] || [ $((size - logs_sent)) -ge 65536 ]; }; then
      ship_logs
      ticks=0
    fi
  done
}

# Every line the task prints goes through here: URL user-info (scheme://user:secret@) and the values
# (8 characters or more) of variables whose names say they are secrets (…TOKEN, …_KEY, …APIKEY,
# …PASSWD, …PASSPHRASE, anything with SECRET or PASSWORD) are masked, then the line goes to the
# container's output and to $state/log.
sink() {
  # shellcheck disable=SC2016 # an awk program
  "$bb" awk -v logfile="$log" '
    BEGIN {
      n = 0
      for (name in ENVIRON)
        if ((name ~ /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|_KEY|APIKEY)$/ || name ~ /(SECRET|PASSWORD)/) && length(ENVIRON[name]) >= 8)
          secret[++n] = ENVIRON[name]
    }
    {
      line = $0
      for (i = 1; i <= n; i++)
        while ((p = index(line, secret[i])) > 0)
          line = substr(line, 1, p - 1) "***" substr(line, p + length(secret[i]))
      gsub(/:\/\/[^\/@ \t]+@/, "://***@", line)
      print line
      fflush()
      print line >>logfile
      fflush(logfile)
    }'
}

# wait_for MARKER DONE: waits until the file MARKER exists, then up to 3 s for the file DONE (a
# pipeline's reader finished). Something the task left running in the background may hold the
# pipe open; the task is not kept waiting for it.
wait_for() {
  while [ ! -e "$1" ]; do "$bb" sleep 0.5; done
  waited=0
  while [ ! -e "$2" ] && [ "$waited" -lt 12 ]; do
    "$bb" sleep 0.25
    waited=$((waited + 1))
  done
}

# ---------------------------------------------------------------------------------------------
# The task.

gateway() { [ -n "$api" ] && [ -n "${OZ_TASK_TOKEN:-}" ]; }

# A TOML basic string's content.
toml_escape() { printf '%s' "$1" | "$bb" sed 's/\\/\\\\/g; s/"/\\"/g'; }

# What the run asks for; exits 78 on a bad configuration.
read_config() {
  harness=${OZ_HARNESS:-}
  case $harness in
    '' | oz) if [ -n "${OZ_AGENT_COMMAND:-}" ]; then harness=custom; else harness=claude; fi ;;
  esac
  case $harness in
    claude | codex | gemini) cli=$harness ;;
    custom)
      cli=''
      if [ -z "${OZ_AGENT_COMMAND:-}" ]; then
        say "harness custom needs OZ_AGENT_COMMAND (set it in the environment's env_vars)"
        exit 78
      fi ;;
    *)
      say "unknown harness '$harness' (expected claude, codex, gemini or custom)"
      exit 78 ;;
  esac
  model=${OZ_MODEL_ID:-}
  case $model in
    -* | *[!A-Za-z0-9._:/@+-]*)
      say "the model id '$model' is not one a CLI can be given (letters, digits and . _ : / @ + -, not starting with -)"
      exit 78 ;;
  esac
  timeout_s=${OZ_AGENT_TIMEOUT_SECONDS:-7200}
  case $timeout_s in
    '' | *[!0-9]* | 0 | 00*)
      say "OZ_AGENT_TIMEOUT_SECONDS must be a positive number of seconds, not '$timeout_s'"
      exit 78 ;;
  esac
  printf '%s' "${OZ_TASK_PROMPT:-}" >"$state/prompt"
  if [ -n "$cli" ] && [ -z "${OZ_TASK_PROMPT:-}" ]; then
    say "the run has no prompt (OZ_TASK_PROMPT is empty)"
    exit 78
  fi
}

# A repository line as git is given it: owner/repo means GitHub; URLs, scp-like addresses
# (git@host:path) and paths are kept. Prints nothing for anything else.
repo_url() {
  case $1 in
    *://* | *@*:* | /* | ./* | ../*) printf '%s' "$1" ;;
    */*/* | */ | .*/* | */.*) ;;
    *[!A-Za-z0-9._/-]*) ;;
    ?*/?*) case $1 in *.git) printf 'https://github.com/%s' "$1" ;; *) printf 'https://github.com/%s.git' "$1" ;; esac ;;
  esac
}

# The credential helpers: the entrypoint's store of user-info taken out of repository URLs (per
# repository path), then the GitHub token helper beside this script.
setup_git() {
  export GIT_TERMINAL_PROMPT=0 GCM_INTERACTIVE=never GH_PROMPT_DISABLED=1
  command -v git >/dev/null 2>&1 || return 0
  # A HOME that cannot be written: the global git config lives in the state folder instead.
  [ -w "$HOME" ] || [ -w "$HOME/.gitconfig" ] || export GIT_CONFIG_GLOBAL="$state/gitconfig"
  helpers=$(git config --global --get-all credential.helper 2>/dev/null) || helpers=''
  if [ -s "$state/git-credentials" ]; then
    case "$newline$helpers$newline" in
      *"${newline}store --file=$state/git-credentials$newline"*) ;;
      *) git config --global --add credential.helper "store --file=$state/git-credentials" ;;
    esac
    git config --global credential.useHttpPath true
  fi
  case "$newline$helpers$newline" in
    *"$newline$agent_dir/git-credential.sh$newline"*) ;;
    *) git config --global --add credential.helper "$agent_dir/git-credential.sh" ;;
  esac
}

clone_repos() {
  [ -n "${OZ_ENV_REPOS:-}" ] || { setup_git; return 0; }
  if ! command -v git >/dev/null 2>&1; then
    say "git is not installed in this image, so the environment's repositories cannot be cloned"
    exit 127
  fi
  # Check every line first, and move user-info out of URLs into the credential store.
  : >"$state/repos"
  old_ifs=$IFS
  IFS=$newline
  set -f
  for repo in $OZ_ENV_REPOS; do
    url=$(repo_url "$repo")
    if [ -z "$url" ]; then
      say "cannot clone '$repo': expected owner/repo (GitHub), a URL (https://, ssh://, git://, file://), git@host:path or a path"
      exit 78
    fi
    case $url in
      *://*@*)
        scheme=${url%%://*}
        rest=${url#*://}
        authority=${rest%%/*}
        case $authority in
          *@*)
            userinfo=${authority%@*}
            case $userinfo in *:*) ;; *) userinfo="$userinfo:" ;; esac # a token as user name, no password
            url="$scheme://${authority##*@}${rest#"$authority"}"
            (umask 077 && printf '%s://%s@%s\n' "$scheme" "$userinfo" "${url#*://}" >>"$state/git-credentials") ;;
        esac ;;
    esac
    printf '%s\n' "$url" >>"$state/repos"
  done
  set +f
  IFS=$old_ifs
  setup_git
  while IFS= read -r url; do
    name=${url%/}
    name=${name##*/}
    name=${name##*:}
    name=${name%.git}
    case $name in '' | . | ..) say "cannot tell a folder name from $url"; exit 78 ;; esac
    say "cloning $url into $workspace/$name"
    git clone --quiet --depth 1 -- "$url" "$workspace/$name" </dev/null || {
      code=$?
      say "cloning $url failed (exit $code)"
      exit "$code"
    }
  done <"$state/repos"
}

# Setup commands, in order, with the image's /bin/sh (busybox sh in an image without one); the first
# failure ends the task with its exit code.
run_setup() {
  [ -n "${OZ_ENV_SETUP_COMMANDS:-}" ] || return 0
  old_ifs=$IFS
  IFS=$newline
  set -f
  for command in $OZ_ENV_SETUP_COMMANDS; do
    IFS=$old_ifs
    say "setup: $command"
    (cd "$workspace" && image_sh -c "$command") </dev/null || {
      code=$?
      say "setup command failed (exit $code): $command"
      exit "$code"
    }
    IFS=$newline
  done
  set +f
  IFS=$old_ifs
}
image_sh() {
  if [ -x /bin/sh ]; then /bin/sh "$@"; else "$bb" sh "$@"; fi
}

# Points the harness CLI at the control plane's LLM gateway with the run's token, unless the
# environment brings its own key: then the CLI talks to the provider (or the environment's own base
# URL) directly.
configure_claude() {
  export IS_SANDBOX=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
  export CLAUDE_CODE_MAX_RETRIES="${CLAUDE_CODE_MAX_RETRIES:-3}"
  if [ -n "${ANTHROPIC_API_KEY:-}${ANTHROPIC_AUTH_TOKEN:-}${CLAUDE_CODE_OAUTH_TOKEN:-}${CLAUDE_CODE_USE_BEDROCK:-}${CLAUDE_CODE_USE_VERTEX:-}" ]; then
    say "claude uses the environment's own Anthropic credentials${ANTHROPIC_BASE_URL:+ and ANTHROPIC_BASE_URL}"
  elif gateway; then
    export ANTHROPIC_BASE_URL="$api/llm/anthropic" ANTHROPIC_API_KEY="$OZ_TASK_TOKEN"
    say "claude talks to the LLM gateway at $ANTHROPIC_BASE_URL with the run's token"
  else
    say "warning: no Anthropic key in the environment and no gateway (OZ_API_BASE_URL, OZ_TASK_TOKEN): claude has nothing to authenticate with"
  fi
}
configure_codex() {
  export CODEX_HOME="${CODEX_HOME:-$HOME/.codex}"
  "$bb" mkdir -p "$CODEX_HOME" || exit 70
  if [ -n "${CODEX_API_KEY:-}${OPENAI_API_KEY:-}" ]; then
    if [ -n "${CODEX_API_KEY:-}" ]; then key=CODEX_API_KEY; else key=OPENAI_API_KEY; fi
    provider=environment
    base=${OPENAI_BASE_URL:-https://api.openai.com/v1}
    say "codex uses the environment's own $key${OPENAI_BASE_URL:+ and OPENAI_BASE_URL}"
  elif gateway; then
    provider=oz
    base=$api/llm/openai
    key=OZ_TASK_TOKEN
    say "codex talks to the LLM gateway at $base with the run's token"
  else
    say "warning: no OpenAI key in the environment and no gateway (OZ_API_BASE_URL, OZ_TASK_TOKEN): codex has nothing to authenticate with"
    return 0
  fi
  # Codex ignores OPENAI_BASE_URL, and its built-in provider first tries a websocket: a provider
  # of our own, speaking the Responses API, is what works.
  cat >"$CODEX_HOME/config.toml" <<EOF
# Written by the Oz sidecar entrypoint.
model_provider = "$provider"

[model_providers.$provider]
name = "$provider"
base_url = "$(toml_escape "$base")"
env_key = "$key"
wire_api = "responses"
EOF
}
configure_gemini() {
  "$bb" mkdir -p "$HOME/.gemini" || exit 70
  # Gemini CLI 0.61 infers an auth type its headless mode rejects when GOOGLE_GEMINI_BASE_URL is
  # set (exit 41): the API-key type is pinned.
  cat >"$HOME/.gemini/settings.json" <<'EOF'
{ "security": { "auth": { "selectedType": "gemini-api-key" } }, "privacy": { "usageStatisticsEnabled": false } }
EOF
  if [ -n "${GEMINI_API_KEY:-}" ]; then
    say "gemini uses the environment's own GEMINI_API_KEY${GOOGLE_GEMINI_BASE_URL:+ and GOOGLE_GEMINI_BASE_URL}"
  elif gateway; then
    export GOOGLE_GEMINI_BASE_URL="$api/llm/gemini" GEMINI_API_KEY="$OZ_TASK_TOKEN"
    say "gemini talks to the LLM gateway at $GOOGLE_GEMINI_BASE_URL with the run's token"
  else
    say "warning: no GEMINI_API_KEY in the environment and no gateway (OZ_API_BASE_URL, OZ_TASK_TOKEN): gemini has nothing to authenticate with"
  fi
}

# Runs the agent under the timeout, prompt on stdin: stdout to the output file and the log, stderr
# to the log. Exits with the agent's code (124 when it ran out of time).
run_agent() {
  if [ -n "$cli" ] && ! command -v "$cli" >/dev/null 2>&1; then
    say "the $cli CLI is not installed in this image (harness $harness); install it in the environment's docker_image (docker/task-images/default has claude and codex), or set OZ_AGENT_COMMAND and no harness"
    exit 127
  fi
  case $harness in
    claude)
      configure_claude
      set -- claude -p --dangerously-skip-permissions
      [ -z "$model" ] || set -- "$@" --model "$model" ;;
    codex)
      configure_codex
      set -- codex exec --dangerously-bypass-approvals-and-sandbox --skip-git-repo-check --ephemeral
      [ -z "$model" ] || set -- "$@" -m "$model"
      set -- "$@" - ;;
    gemini)
      configure_gemini
      set -- gemini --yolo --skip-trust
      [ -z "$model" ] || set -- "$@" -m "$model" ;;
    custom)
      if [ -x /bin/sh ]; then set -- /bin/sh -c "$OZ_AGENT_COMMAND"; else set -- "$bb" sh -c "$OZ_AGENT_COMMAND"; fi ;;
  esac
  say "running the $harness agent${model:+ (model $model)}"
  started=$("$bb" date +%s)
  { "$bb" timeout -k 30 "$timeout_s" "$@" <"$state/prompt"; echo "$?" >"$state/agent-code"; } |
    { "$bb" tee "$output"; : >"$state/tee-done"; } &
  wait_for "$state/agent-code" "$state/tee-done"
  read -r code <"$state/agent-code"
  if [ "$code" -eq 143 ] || [ "$code" -eq 137 ]; then
    if [ $(($("$bb" date +%s) - started)) -ge "$timeout_s" ]; then
      say "the agent ran out of time (OZ_AGENT_TIMEOUT_SECONDS=$timeout_s) and was stopped"
      code=124
    fi
  fi
  [ "$code" -eq 0 ] || say "the agent exited with code $code"
  exit "$code"
}

main() {
  [ -z "$notes" ] || printf '%s' "$notes" >&2
  read_config
  clone_repos
  run_setup
  run_agent
}

# ---------------------------------------------------------------------------------------------

: >"$log"
if [ -n "$reporting" ]; then
  ship_loop &
  shipper=$!
fi
{ (main); echo "$?" >"$state/code"; } 2>&1 | { sink; : >"$state/sink-done"; } &
wait_for "$state/code" "$state/sink-done"
read -r code <"$state/code" || code=''
[ -n "$code" ] || code=70

if [ -n "$reporting" ]; then
  : >"$state/stop"
  wait "$shipper"
  if [ -f "$output" ]; then
    "$bb" head -c 10485760 "$output" >"$state/output"
    error=$(post output 'text/plain; charset=utf-8' "$state/output") ||
      say "warning: sending the output to the control plane failed (${error:-no answer})"
  fi
  printf '{"exit_code": %d}' "$code" >"$state/finished"
  error=$(post finished application/json "$state/finished") ||
    say "warning: reporting the end of the task to the control plane failed (${error:-no answer})"
fi
"$bb" rm -rf "$state"
exit "$code"
