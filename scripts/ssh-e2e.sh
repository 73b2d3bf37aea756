#!/usr/bin/env bash
# ssh-e2e.sh drives a real OpenSSH client against `provscope ssh` on loopback:
# refusals (unknown key, password, exec, no PTY, forwarding), then an
# explorer flow in tmux (expand an image, select a tag, verify it, resize,
# quit), capturing the screen at each step, and finally the server's
# per-session log line.
#
# Usage: scripts/ssh-e2e.sh [OUTDIR]
#   OUTDIR (or SSH_E2E_OUT) receives the captures (*.ansi with colours from
#   `tmux capture-pane -p -e`, *.txt plain) and server.log. Default: a temp dir.
#   PROVSCOPE_BIN: a built provscope (default: go build into the work dir).
#   PROVSCOPE_SSH_ARGS: what to serve (default: --fake, the built-in world
#   whose images the flow below walks).
# Needs ssh, ssh-keygen and tmux (Debian: apt-get install -y openssh-client tmux).
set -euo pipefail

fail() { echo "ssh-e2e: FAIL: $*" >&2; exit 1; }
step() { echo "ssh-e2e: $*"; }

for tool in ssh ssh-keygen tmux; do
	command -v "$tool" >/dev/null || fail "$tool not found (apt-get install -y openssh-client tmux)"
done

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
out=${1:-${SSH_E2E_OUT:-$work/out}}
mkdir -p "$out"
sock="provscope-e2e-$$"
server_pid=""
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

bin=${PROVSCOPE_BIN:-}
if [[ -z "$bin" ]]; then
	step "building provscope"
	(cd "$repo" && go build -o "$work/provscope" .)
	bin=$work/provscope
fi

# Keys: alice is authorized, mallory is not.
ssh-keygen -q -t ed25519 -N '' -C alice -f "$work/alice"
ssh-keygen -q -t ed25519 -N '' -C mallory -f "$work/mallory"
cp "$work/alice.pub" "$work/authorized_keys"
alice_fp=$(ssh-keygen -lf "$work/alice.pub" | awk '{print $2}')

# A free port on loopback.
port=""
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 40000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[[ -n "$port" ]] || fail "no free port found"

step "starting provscope ssh on 127.0.0.1:$port"
# shellcheck disable=SC2086 # PROVSCOPE_SSH_ARGS is a list of flags
"$bin" ssh ${PROVSCOPE_SSH_ARGS:---fake} --listen "127.0.0.1:$port" \
	--authorized-keys "$work/authorized_keys" --host-key "$work/host_key" \
	--idle-timeout 2m 2>"$out/server.log" &
server_pid=$!
for _ in $(seq 100); do
	grep -q "provscope ssh listening" "$out/server.log" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || fail "server exited: $(cat "$out/server.log")"
	sleep 0.1
done
grep -q "provscope ssh listening" "$out/server.log" || fail "server did not start: $(cat "$out/server.log")"

# The host key was generated and is pinned: strict host key checking on.
[[ -f "$work/host_key.pub" ]] || fail "no host key generated"
echo "[127.0.0.1]:$port $(cat "$work/host_key.pub")" >"$work/known_hosts"
grep -q "host_key=$(ssh-keygen -lf "$work/host_key.pub" | awk '{print $2}')" "$out/server.log" ||
	fail "server log does not show the generated host key's fingerprint"

sshopts=(-p "$port" -o UserKnownHostsFile="$work/known_hosts" -o StrictHostKeyChecking=yes
	-o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=10 -F /dev/null)

expect_refused() { # name, grep pattern, ssh args...
	local name=$1 pattern=$2
	shift 2
	local rc=0
	timeout 20 ssh "${sshopts[@]}" "$@" </dev/null >"$work/$name.out" 2>&1 || rc=$?
	[[ $rc -ne 0 ]] || fail "$name: ssh succeeded, want refused"
	grep -q -- "$pattern" "$work/$name.out" || fail "$name: output lacks '$pattern': $(cat "$work/$name.out")"
	step "refused as expected: $name"
}

expect_refused unknown-key "Permission denied (publickey)" -i "$work/mallory" mallory@127.0.0.1
expect_refused password "Permission denied (publickey)" -o PubkeyAuthentication=no \
	-o PreferredAuthentications=password,keyboard-interactive alice@127.0.0.1
expect_refused exec "exec request failed" -i "$work/alice" alice@127.0.0.1 cat /etc/passwd
expect_refused no-pty "needs a terminal" -T -i "$work/alice" alice@127.0.0.1
expect_refused stdio-forward "open failed" -i "$work/alice" -W 127.0.0.1:"$port" alice@127.0.0.1
expect_refused remote-forward "remote port forwarding failed" -N -o ExitOnForwardFailure=yes \
	-R 0:127.0.0.1:"$port" -i "$work/alice" alice@127.0.0.1

# The explorer flow in tmux.
capture() { # name
	tmux -L "$sock" capture-pane -p -e -t e2e >"$out/$1.ansi"
	tmux -L "$sock" capture-pane -p -t e2e >"$out/$1.txt"
}
wait_screen() { # name, text
	for _ in $(seq 100); do
		capture "$1"
		grep -qF -- "$2" "$out/$1.txt" && return 0
		sleep 0.1
	done
	fail "screen $1 never showed '$2'; last screen:
$(cat "$out/$1.txt")"
}
keys() { tmux -L "$sock" send-keys -t e2e "$@"; }

step "opening the explorer in tmux (120x35)"
tmux -L "$sock" -f /dev/null new-session -d -s e2e -x 120 -y 35 \
	"ssh ${sshopts[*]} -t -i $work/alice alice@127.0.0.1; echo SSH-EXITED-\$?; sleep 30"
wait_screen 01-start "demo/app"
keys Enter
wait_screen 02-expanded "v1.0"
keys j
sleep 0.3
keys v
wait_screen 03-verified "all checks passed"
grep -qF "Inclusion proof" "$out/03-verified.txt" || fail "verification shows no inclusion proof step"
grep -qF "Entries · demo/app:v1.0" "$out/03-verified.txt" || fail "the entries pane is not on demo/app:v1.0"
screen_width() { LC_ALL=C.UTF-8 wc -L <"$1"; }
width=$(screen_width "$out/03-verified.txt")
[[ "$width" -eq 120 ]] || fail "screen width $width, want 120"

step "resizing to 100x30"
tmux -L "$sock" resize-window -t e2e -x 100 -y 30
for _ in $(seq 50); do
	capture 04-resized
	w=$(screen_width "$out/04-resized.txt")
	[[ "$w" -eq 100 ]] && grep -qF "Images" "$out/04-resized.txt" && break
	sleep 0.1
done
[[ "$w" -eq 100 ]] || fail "screen did not follow the resize: width $width then $w"

keys q
wait_screen 05-quit "SSH-EXITED-0"

# One structured log line for the session: who, from where, how long, what.
for _ in $(seq 50); do grep -q 'msg="ssh session"' "$out/server.log" && break; sleep 0.1; done
line=$(grep 'msg="ssh session"' "$out/server.log" | grep "key=$alice_fp" | tail -1)
[[ -n "$line" ]] || fail "no session log line for $alice_fp: $(cat "$out/server.log")"
for want in "user=alice" "remote=127.0.0.1:" "end=quit" "duration=" "demo/app:v1.0: verified"; do
	grep -qF -- "$want" <<<"$line" || fail "session log line lacks '$want': $line"
done
grep -q 'ssh request refused.*type=exec' "$out/server.log" || fail "the refused exec was not logged"

step "ok: captures in $out"
