#!/bin/sh
# Installs the default task image's CLIs, at pinned versions, with npm on this machine into a
# staging folder laid out like /usr/local (lib/node_modules/<package>, bin/<command>), so that the
# image build only copies it (image builds need no registry), and `npm i -g` in a task finds the
# same prefix. The repository's Node 24 (node_modules/node) runs npm: claude-code asks for Node >= 22
# and an older Node would quietly pick an old release.
#
#   docker/task-images/default/stage-clis.sh <folder> [cli …]    clis: claude codex gemini npm
#                                                                (default: claude codex npm)
#
# A folder staged with the same versions is kept as it is. Claude's postinstall hard-links its
# platform binary over a stub; the second link is dropped (an image layer would hold it twice), and
# if npm skipped the script (npm 11 warns that allowScripts does not cover it) it is run by hand.
set -eu

CLAUDE_CODE_VERSION=2.1.332
CODEX_VERSION=0.171.0
GEMINI_CLI_VERSION=0.61.0
NPM_VERSION=11.19.1

say() { printf 'stage-clis: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ $# -ge 1 ] || die "usage: stage-clis.sh <folder> [claude] [codex] [gemini] [npm]"
repo=$(cd "$(dirname "$0")/../../.." && pwd)
prefix=$1
shift
clis=${*:-claude codex npm}
packages=''
for cli in $clis; do
  case $cli in
    claude) packages="$packages @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" ;;
    codex) packages="$packages @openai/codex@$CODEX_VERSION" ;;
    gemini) packages="$packages @google/gemini-cli@$GEMINI_CLI_VERSION" ;;
    npm) packages="$packages npm@$NPM_VERSION" ;;
    *) die "unknown cli '$cli' (claude, codex, gemini, npm)" ;;
  esac
done
packages=${packages# }

stamp="$packages $(uname -m)"
if [ -f "$prefix/.oz-staged" ] && [ "$(cat "$prefix/.oz-staged")" = "$stamp" ]; then
  say "$prefix already holds $packages"
  exit 0
fi

[ -x "$repo/node_modules/node/bin/node" ] || die "run npm ci first (node_modules/node is missing)"
PATH="$repo/node_modules/node/bin:$PATH"
export PATH
command -v npm >/dev/null 2>&1 || die "npm is missing"

rm -rf "$prefix"
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
started=$(date +%s)
say "npm install -g --prefix $prefix $packages"
# shellcheck disable=SC2086 # a list of package specs
npm install -g --prefix "$prefix" --no-audit --no-fund --loglevel=error $packages >&2

claude_pkg=$prefix/lib/node_modules/@anthropic-ai/claude-code
if [ -d "$claude_pkg" ]; then
  binary=$claude_pkg/bin/claude.exe
  if [ "$(wc -c <"$binary")" -lt 1000000 ]; then
    say "claude's postinstall did not run: running install.cjs"
    (cd "$claude_pkg" && node install.cjs) >&2
  fi
  [ "$(wc -c <"$binary")" -ge 1000000 ] || die "claude's native binary is not in place ($binary)"
  # The platform package's copy is the same file (a hard link); keep one.
  find "$claude_pkg/node_modules" -type f -name claude -links +1 -exec rm -f {} + 2>/dev/null || true
fi

for command in claude codex gemini; do
  if [ -e "$prefix/bin/$command" ]; then
    version=$("$prefix/bin/$command" --version 2>/dev/null | head -1) || die "$command --version failed"
    say "$command: $version"
  fi
done
printf '%s' "$stamp" >"$prefix/.oz-staged"
say "staged in $(($(date +%s) - started)) s: $(du -sh "$prefix" | cut -f1)"
