#!/bin/sh
# A stand-in for a command-line coding agent (claude -p, codex exec …), for tests of the cli provider.
# Reads the whole prompt from stdin and prints "<prefix><prompt>" (default prefix "cli: ") on stdout.
#   --sleep S        wait S seconds first (interruptible: the caller may kill the process group)
#   --exit CODE      exit with CODE after printing
#   --stderr TEXT    print TEXT on stderr
#   --pid-file PATH  write this process's pid to PATH before anything else
#   --prefix TEXT    what goes before the prompt
#   --chunks N       print the answer in N pieces, 0.05 s apart
#   --model M        echoed on stderr as "model: M"; any other flag is ignored, as real CLIs' are
set -u
sleep_for=0; code=0; err=''; prefix='cli: '; chunks=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sleep) sleep_for="$2"; shift 2 ;;
    --exit) code="$2"; shift 2 ;;
    --stderr) err="$2"; shift 2 ;;
    --pid-file) echo $$ > "$2"; shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    --chunks) chunks="$2"; shift 2 ;;
    --model) echo "model: $2" >&2; shift 2 ;;
    *) shift ;;
  esac
done
prompt=$(cat)
if [ "$sleep_for" != 0 ]; then sleep "$sleep_for"; fi
[ -n "$err" ] && printf '%s\n' "$err" >&2
answer="$prefix$prompt"
if [ "$chunks" -le 1 ]; then
  printf '%s\n' "$answer"
else
  length=${#answer}
  size=$(( (length + chunks - 1) / chunks ))
  rest="$answer"
  while [ -n "$rest" ]; do
    piece=$(printf '%s' "$rest" | cut -c1-"$size")
    printf '%s' "$piece"
    rest=${rest#"$piece"}
    sleep 0.05
  done
  printf '\n'
fi
exit "$code"
