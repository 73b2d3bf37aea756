#!/usr/bin/env bash
# screenshots.sh renders the explorer's main flows on the demo world into
# screenshots/*.png: it runs provscope in tmux, sends the keys a user would,
# captures the screen with its colours (tmux capture-pane -e) and turns each
# capture into a PNG with charmbracelet/freeze.
#
#   PROVSCOPE  the binary (default bin/provscope, built if missing)
#   FREEZE     freeze (default .tools/bin/freeze; scripts/install-tools.sh freeze)
#   OUT        output folder (default screenshots)
#   KEEP_ANSI  set to keep the .ansi captures beside the PNGs
#
# The PNGs are then halved and stored with a palette
# (scripts/screenshots-shrink.go): the whole set stays under 5 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

PROVSCOPE=${PROVSCOPE:-bin/provscope}
FREEZE=${FREEZE:-$(command -v freeze || echo .tools/bin/freeze)}
OUT=${OUT:-screenshots}
command -v tmux >/dev/null || { echo "screenshots: tmux is required" >&2; exit 2; }
[[ -x $FREEZE ]] || { echo "screenshots: $FREEZE missing (scripts/install-tools.sh freeze)" >&2; exit 2; }
[[ -x $PROVSCOPE ]] || go build -o "$PROVSCOPE" .
PROVSCOPE=$(cd "$(dirname "$PROVSCOPE")" && pwd)/$(basename "$PROVSCOPE")
mkdir -p "$OUT"
work=$(mktemp -d)
session="provscope-shots-$$"
# A server of its own: another tmux user on this machine cannot end it.
sock="$session"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

runs=0
start() { # width height [demo flags…]
	# The next session starts before the last one ends: a server whose last
	# session ends exits, and one starting then can fail.
	local old=$session flags="${*:3}"
	runs=$((runs + 1))
	session="$sock-$runs"
	tmux -L "$sock" new-session -d -s "$session" -x "$1" -y "$2" \
		"cd '$work' && TERM=xterm-256color COLORTERM=truecolor '$PROVSCOPE' demo $flags 2>>'$work/stderr.log'; echo \"provscope exited: \$?\" >>'$work/stderr.log'; sleep 30"
	tmux -L "$sock" kill-session -t "=$old" 2>/dev/null || true
	# Wait until the world is seeded and the explorer is up.
	for _ in $(seq 1 100); do
		if tmux -L "$sock" capture-pane -t "$session" -p | grep -q "REPOSITORY"; then return; fi
		sleep 0.2
	done
	echo "screenshots: the explorer did not start" >&2
	tmux -L "$sock" capture-pane -t "$session" -p >&2
	exit 1
}

keys() { # key… (tmux key names); waits a little after each
	for k in "$@"; do
		tmux -L "$sock" send-keys -t "$session" "$k"
		sleep 0.4
	done
}

repo() { # name: put the images cursor on repository demo/NAME (whatever
	# the demo's repositories are): filter to it, keep, clear (the cursor
	# stays on the row).
	keys 1 f
	tmux -L "$sock" send-keys -t "$session" -l "demo/$1"
	keys Enter Escape
}

shot() { # name [settle seconds]
	sleep "${2:-1.5}"
	local ansi="$work/$1.ansi"
	if ! tmux -L "$sock" capture-pane -t "$session" -p -e >"$ansi"; then
		echo "screenshots: the session ended before $1" >&2
		cat "$work/stderr.log" >&2 || true
		exit 1
	fi
	# Colours as the terminal drew them (scripts/ansi-for-freeze.py).
	python3 scripts/ansi-for-freeze.py "$ansi"
	[[ -n ${KEEP_ANSI:-} ]] && cp "$ansi" "$OUT/$1.ansi"
	shots+=("$1")
}
shots=()

# 120×40: the whole flow.
start 120 40
# web's tags sort as latest, v1.0.0, v1.1.0, v1.2.0.
repo web
keys Enter
shot 01-images 3
keys Down Down Down Down
shot 02-image-signatures 2
keys v
shot 03-verify 2
keys 2 Enter
shot 04-proof
repo worker
keys Enter
sleep 2
keys Down Down Down Down v
shot 05-stealth-not-logged 2
keys '?'
shot 06-help 0.5
keys G
shot 06-help-legend 0.5
keys Escape c
shot 07-consistency 2
keys T
shot 08-learn 1
keys T q

# 80×24, the design size: one pane at a time; enter goes on from the
# image to its entries, then to the proof.
start 80 24
repo web
keys Enter
sleep 2
keys Down Down Down Down
shot 13-images-80x24 2
keys Enter
sleep 1
keys Enter
shot 09-proof-80x24 2
keys 1 '?'
shot 14-help-80x24 0.5
keys Escape q

# 120×40: the filter narrows the images list in place.
start 120 40
repo web
keys Enter Down Down Down Down
sleep 2
keys 1 f
tmux -L "$sock" send-keys -t "$session" -l "web1"
shot 12-filter 2
keys Enter q

# 120×40: a keyless signature, signed by an identity (demo/keyless:v1.0.0).
start 120 40
repo keyless
keys Enter Down Down
keys v
shot 10-keyless-identity 2
keys q

# 120×40: P pins alice inside the session; the workflow-signed tags fail
# (v1.1.0 verified step by step: the identity step says whose it is).
start 120 40
repo keyless
keys Enter
sleep 2
keys P
tmux -L "$sock" send-keys -t "$session" -l "alice@provscope.example https://accounts.provscope.example"
keys Enter
sleep 2
keys Down Down Down v
shot 11-pin-signer 3
keys q

# 120×40: the log grows by an entry a second (--grow 1s) while the
# explorer watches; c then proves the grown tree consistent with the one
# seen before, hash by hash (the ~ nodes are ephemeral). After the first
# head refresh (5 s) the remembered tree is no longer the seeded 16 leaves,
# a perfect tree whose proof is a single hash.
start 120 40 --grow 1s
sleep 7.5
keys c
shot 15-consistency-grown 2
keys q

# 120×40: a key nobody trusts (demo/z-rogue:v1) fails under the demo's
# trust policy, and the detail says whose key it is and whose were expected.
start 120 40 --grow 0
repo z-rogue
keys Enter
sleep 2
keys Down v
shot 16-policy-mismatch 3
keys q

# 120×40: P none unpins the signer: intact and logged is "◇ unpinned", never
# "verified", and the header says how to pin.
start 120 40 --grow 0
keys P
tmux -L "$sock" send-keys -t "$session" -l "none"
keys Enter
sleep 1
repo web
keys Enter
sleep 2
keys Down Down Down Down v
shot 17-unpinned 3
keys q

# 120×40: the timeline of demo/api:stable: the tag moved; the old digest's
# signature is still in the registry, and the timeline says who signed it.
start 120 40 --grow 0
repo api
keys Enter
sleep 2
keys Down Down t
shot 18-timeline 3
keys q

tmux -L "$sock" kill-session -t "$session" 2>/dev/null || true
# freeze is slow (it rasterises through resvg): two at a time.
for name in "${shots[@]}"; do
	# line-height 1 joins the box-drawing lines (taller lines leave gaps in
	# the pane borders).
	"$FREEZE" --language ansi --window=false --padding 20 --line-height 1 --background "#0d1117" \
		-o "$OUT/$name.png" "$work/$name.ansi" >/dev/null &
	while [[ $(jobs -rp | wc -l) -ge 2 ]]; do sleep 0.5; done
	echo "screenshots: $OUT/$name.png"
done
wait
pngs=()
for name in "${shots[@]}"; do pngs+=("$OUT/$name.png"); done
go run scripts/screenshots-shrink.go "${pngs[@]}"
echo "screenshots: done"
