#!/usr/bin/env bash
# screenshots-learn.sh renders screenshots/learn-{grow,inclusion,consistency,
# tamper,tiles}.png: it runs `provscope learn` in a detached 120×40 tmux
# session, drives it with keys, captures the pane with its colours
# (capture-pane -e) and renders the ANSI text with charmbracelet/freeze.
#
#   FREEZE     freeze binary (default .tools/bin/freeze; install it with
#              scripts/install-tools.sh freeze)
#   PROVSCOPE  provscope binary (default: built into a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."

FREEZE=${FREEZE:-$(command -v freeze || echo .tools/bin/freeze)}
if [[ ! -x "$FREEZE" ]]; then
	echo "screenshots-learn: $FREEZE not found; run scripts/install-tools.sh freeze" >&2
	exit 2
fi
command -v tmux >/dev/null || { echo "screenshots-learn: tmux is required" >&2; exit 2; }

tmp=$(mktemp -d)
session="provscope-learn-shots-$$"
# A server of its own: another tmux user on this machine cannot end it.
sock="$session"
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

PROVSCOPE=${PROVSCOPE:-}
if [[ -z "$PROVSCOPE" ]]; then
	PROVSCOPE="$tmp/provscope"
	go build -o "$PROVSCOPE" .
fi
mkdir -p screenshots

# shot NAME KEY... : start a fresh session (fixed seed, so the same tree
# every time), send the keys, capture and render.
shot() {
	local name=$1
	shift
	# The next session starts before the last one ends: a server whose
	# last session ends exits, and one starting then can fail.
	local old=$session
	session="$sock-$name"
	tmux -L "$sock" new-session -d -s "$session" -x 120 -y 40 \
		"env TERM=xterm-256color COLORTERM=truecolor $PROVSCOPE learn --seed 7 --free"
	tmux -L "$sock" kill-session -t "=$old" 2>/dev/null || true
	sleep 1
	local k
	for k in "$@"; do
		tmux -L "$sock" send-keys -t "$session" "$k"
		sleep 0.05
	done
	sleep 0.7
	tmux -L "$sock" capture-pane -t "$session" -p -e >"$tmp/$name.ansi"
	# Colours as the terminal drew them (scripts/ansi-for-freeze.py).
	python3 scripts/ansi-for-freeze.py "$tmp/$name.ansi"
	"$FREEZE" --language ansi --window=false --padding 20 --font.size 14 --line-height 1 \
		--background "#0d1117" -o "screenshots/learn-$name.png" "$tmp/$name.ansi" >/dev/null
	# Halved and stored with a palette: the whole set stays under 5 MB.
	go run scripts/screenshots-shrink.go "screenshots/learn-$name.png"
	echo "screenshots-learn: screenshots/learn-$name.png"
}

# 101 leaves: the tree collapses perfect subtrees to fit 120 columns and
# keeps the selected leaf's path expanded.
grow=(A A A A A A a a a a a)
shot grow "${grow[@]}" Left Left Left Left Left Left Left Left Left Left Left Left Left Left Left Left Left Left Left Left Left Left Left Up Up
shot inclusion a a a a a a a a a a a a a a a a a a a a a 2 Left Left Left Left Left Left Left Left Left Space Space Space
shot consistency a a a a a a a a a a a a a 3 Space Space
shot tamper a a a a a a a a a a a a a 4 Left Left Left Left Left Left Left Left Left t Right Right Right Right Right
shot tiles 5
