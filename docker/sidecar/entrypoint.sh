#!/bin/sh
# Oz sidecar entrypoint: mounted read-only at /agent in every task container and run as
#   /agent/entrypoint.sh agent run --task-id <id> [official CLI flags…]
# in /workspace. POSIX sh only, so it works in any image that has /bin/sh.
#
# From the worker's environment:
#   OZ_TASK_PROMPT         the run's prompt
#   OZ_ENV_VARS            NAME=value lines, exported before anything else
#   OZ_ENV_REPOS           repository URLs, one per line, cloned into /workspace/<name>
#   OZ_ENV_SETUP_COMMANDS  shell commands, one per line, run in /workspace in order
#   OZ_HARNESS             claude | codex | gemini (the run's harness.type); unset: see OZ_AGENT_COMMAND
#   OZ_AGENT_COMMAND       a custom agent command (sh -c), prompt on stdin; used when set and no harness is
#   OZ_MODEL_ID            passed to the harness CLI as its model when set
# The agent's output goes to /workspace/.oz/agent_output.txt (and to the log); the exit code is the agent's.

say() { printf 'oz-sidecar: %s\n' "$*" >&2; }

# The official worker passes flags meant for Warp's own CLI; none of them matter here.
while [ $# -gt 0 ]; do shift; done

workspace=${OZ_WORKSPACE:-/workspace}
mkdir -p "$workspace/.oz" || { say "cannot create $workspace/.oz"; exit 70; }
cd "$workspace" || exit 70
output="$workspace/.oz/agent_output.txt"

newline='
'

# Environment variables: NAME=value per line; a malformed line is reported, not evaluated.
if [ -n "${OZ_ENV_VARS:-}" ]; then
  old_ifs=$IFS; IFS=$newline
  for line in $OZ_ENV_VARS; do
    name=${line%%=*}
    case "$name" in
      ''|[0-9]*|*[!A-Za-z0-9_]*) say "skipping malformed environment line (no NAME=value)"; continue ;;
    esac
    export "$name=${line#*=}"
  done
  IFS=$old_ifs
fi

# Repositories.
if [ -n "${OZ_ENV_REPOS:-}" ]; then
  command -v git >/dev/null 2>&1 || { say "git is not installed in this image, so the environment's repositories cannot be cloned"; exit 127; }
  old_ifs=$IFS; IFS=$newline
  for repo in $OZ_ENV_REPOS; do
    IFS=$old_ifs
    [ -n "$repo" ] || continue
    name=$(basename "$repo" .git)
    say "cloning $repo into $workspace/$name"
    git clone --quiet "$repo" "$name" || { code=$?; say "cloning $repo failed (exit $code)"; exit "$code"; }
    IFS=$newline
  done
  IFS=$old_ifs
fi

# Setup commands, in order; the first failure ends the task with its exit code.
if [ -n "${OZ_ENV_SETUP_COMMANDS:-}" ]; then
  old_ifs=$IFS; IFS=$newline
  for command in $OZ_ENV_SETUP_COMMANDS; do
    IFS=$old_ifs
    [ -n "$command" ] || continue
    say "setup: $command"
    (cd "$workspace" && sh -c "$command") || { code=$?; say "setup command failed (exit $code): $command"; exit "$code"; }
    IFS=$newline
  done
  IFS=$old_ifs
fi

# The harness: claude, codex or gemini when the run names one, else the custom command.
harness=${OZ_HARNESS:-}
if [ -z "$harness" ]; then
  if [ -n "${OZ_AGENT_COMMAND:-}" ]; then harness=custom; else harness=claude; fi
fi
case "$harness" in
  claude) cli=claude ;;
  codex) cli=codex ;;
  gemini) cli=gemini ;;
  custom)
    [ -n "${OZ_AGENT_COMMAND:-}" ] || { say "harness custom needs OZ_AGENT_COMMAND (set it in the environment's env_vars)"; exit 78; }
    cli= ;;
  *) say "unknown harness '$harness' (expected claude, codex, gemini or custom)"; exit 78 ;;
esac
if [ -n "$cli" ] && ! command -v "$cli" >/dev/null 2>&1; then
  say "the $cli CLI is not installed in this image (harness $harness); install it in the environment's docker_image, or set OZ_AGENT_COMMAND and no harness"
  exit 127
fi

run_agent() {
  case "$harness" in
    claude) if [ -n "${OZ_MODEL_ID:-}" ]; then claude -p "$OZ_TASK_PROMPT" --model "$OZ_MODEL_ID"; else claude -p "$OZ_TASK_PROMPT"; fi ;;
    codex) if [ -n "${OZ_MODEL_ID:-}" ]; then codex exec --model "$OZ_MODEL_ID" "$OZ_TASK_PROMPT"; else codex exec "$OZ_TASK_PROMPT"; fi ;;
    gemini) if [ -n "${OZ_MODEL_ID:-}" ]; then gemini -m "$OZ_MODEL_ID" -p "$OZ_TASK_PROMPT"; else gemini -p "$OZ_TASK_PROMPT"; fi ;;
    custom) printf '%s' "${OZ_TASK_PROMPT:-}" | sh -c "$OZ_AGENT_COMMAND" ;;
  esac
}

# The agent's output goes to the log as it comes and to the output file. Without tee and mkfifo
# (some minimal images) it goes to the file first and is printed afterwards.
say "running the $harness agent"
if command -v tee >/dev/null 2>&1 && command -v mkfifo >/dev/null 2>&1; then
  pipe="${TMPDIR:-/tmp}/oz-agent-output.$$"
  mkfifo "$pipe" || exit 70
  tee "$output" < "$pipe" &
  tee_pid=$!
  run_agent > "$pipe" 2>&1
  code=$?
  wait "$tee_pid"
  rm -f "$pipe"
else
  run_agent > "$output" 2>&1
  code=$?
  cat "$output"
fi
if [ "$code" -ne 0 ]; then say "the agent exited with code $code"; fi
exit "$code"
