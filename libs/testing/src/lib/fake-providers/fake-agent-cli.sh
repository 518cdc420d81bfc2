#!/bin/sh
# A stand-in for a command-line coding agent (claude -p, codex exec …), for tests of the cli provider.
# Reads the whole prompt from stdin and prints "<prefix><prompt>" on stdout. Like "$(cat)", it drops
# the prompt's trailing newlines; the answer always ends with exactly one newline.
#   --sleep S        wait S seconds (fractions allowed) before answering
#   --exit CODE      exit with CODE after printing
#   --stderr TEXT    print TEXT (and a newline) on stderr
#   --pid-file PATH  write this process's pid to PATH before anything else
#   --prefix TEXT    what goes before the prompt (default "cli: ")
#   --chunks N       print the answer in N pieces, 0.05 s apart
#   --model M        echoed on stderr as "model: M"
# Any other argument is ignored, as a real CLI's own flags (-p, --verbose …) would be here.
# A SIGTERM or SIGINT ends it at once, mid-sleep included, whether it reaches the process group or
# only this shell.
set -u

napping=''
# Sleeps in the background and waits: a trapped signal interrupts `wait`, where it would have to
# wait for a foreground `sleep` to finish. The trap takes the sleep down too, leaving no orphan
# ($! rather than a variable set after the fork: the trap may run before such an assignment).
nap() {
  napping=1
  sleep "$1" &
  wait "$!"
  napping=''
}
stop() {
  if [ -n "$napping" ] && [ -n "${!:-}" ]; then kill "$!" 2>/dev/null; fi
  exit "$1"
}
trap 'stop 143' TERM
trap 'stop 130' INT

# Options that take a value; a missing value is a usage error, as in a real CLI.
need_value() {
  if [ "$1" -lt 2 ]; then
    printf 'fake-agent-cli: %s needs a value\n' "$2" >&2
    exit 2
  fi
}

sleep_for=0; code=0; err=''; prefix='cli: '; chunks=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sleep|--exit|--stderr|--pid-file|--prefix|--chunks|--model) need_value $# "$1" ;;
  esac
  case "$1" in
    --sleep) sleep_for=$2; shift 2 ;;
    --exit) code=$2; shift 2 ;;
    --stderr) err=$2; shift 2 ;;
    --pid-file) echo $$ > "$2"; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --chunks) chunks=$2; shift 2 ;;
    --model) printf 'model: %s\n' "$2" >&2; shift 2 ;;
    *) shift ;;
  esac
done

prompt=$(cat)
if [ "$sleep_for" != 0 ]; then nap "$sleep_for"; fi
if [ -n "$err" ]; then printf '%s\n' "$err" >&2; fi
answer=$prefix$prompt

if [ "$chunks" -le 1 ] || [ -z "$answer" ]; then
  printf '%s\n' "$answer"
else
  size=$(( (${#answer} + chunks - 1) / chunks ))
  # A pattern of `size` question marks strips exactly one piece off the front, newlines included
  # (cut and friends work line by line, which would garble a multi-line prompt).
  piece_pattern=''; i=0
  while [ "$i" -lt "$size" ]; do piece_pattern="$piece_pattern?"; i=$((i + 1)); done
  rest=$answer
  while [ -n "$rest" ]; do
    # shellcheck disable=SC2295 # the pattern is meant to be a pattern
    tail=${rest#$piece_pattern}
    if [ "$tail" = "$rest" ]; then piece=$rest; rest=''; else piece=${rest%"$tail"}; rest=$tail; fi
    printf '%s' "$piece"
    if [ -n "$rest" ]; then nap 0.05; fi
  done
  printf '\n'
fi
exit "$code"
