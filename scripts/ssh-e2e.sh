#!/usr/bin/env bash
# ssh-e2e.sh drives a real OpenSSH client against `provscope ssh` on loopback,
# serving the offline demo world (`provscope demo --no-tui`): refusals
# (unknown key, password, exec, no PTY, forwarding), then two concurrent
# explorer sessions in tmux walking different images (alice verifies
# demo/web:latest, bob opens demo/worker and is refused a search naming a
# key file, which would be the server's), a resize, quitting, and finally
# the server's per-session log lines. Screens are captured at each step.
#
# Usage: scripts/ssh-e2e.sh [OUTDIR]
#   OUTDIR (or SSH_E2E_OUT) receives the captures (*.ansi with colours from
#   `tmux capture-pane -p -e`, *.txt plain), server.log and demo.log.
#   Default: a temp dir.
#   PROVSCOPE_BIN: a built provscope (default: go build into the work dir).
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
demo_pid=""
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
	if [[ -n "$demo_pid" ]]; then kill "$demo_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

bin=${PROVSCOPE_BIN:-}
if [[ -z "$bin" ]]; then
	step "building provscope"
	(cd "$repo" && go build -o "$work/provscope" .)
	bin=$work/provscope
fi

# Keys: alice and bob are authorized, mallory is not.
for who in alice bob mallory; do ssh-keygen -q -t ed25519 -N '' -C "$who" -f "$work/$who"; done
cat "$work/alice.pub" "$work/bob.pub" >"$work/authorized_keys"
alice_fp=$(ssh-keygen -lf "$work/alice.pub" | awk '{print $2}')
bob_fp=$(ssh-keygen -lf "$work/bob.pub" | awk '{print $2}')

step "starting the demo world"
"$bin" demo --no-tui --data "$work/world" >"$out/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 100); do
	grep -q "^  log " "$out/demo.log" 2>/dev/null && break
	kill -0 "$demo_pid" 2>/dev/null || fail "demo exited: $(cat "$out/demo.log")"
	sleep 0.1
done
registry=$(awk '$1 == "registry" { print $2; exit }' "$out/demo.log")
log_url=$(awk '$1 == "log" { print $2; exit }' "$out/demo.log")
[[ -n "$registry" && -n "$log_url" ]] || fail "demo world did not start: $(cat "$out/demo.log")"

# A free port on loopback.
port=""
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 40000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[[ -n "$port" ]] || fail "no free port found"

step "starting provscope ssh on 127.0.0.1:$port"
# The world's current key is pinned: without a signer nothing verifies
# (an intact, logged signature is only "unpinned").
"$bin" ssh --registry "$registry" --log "$log_url" --trusted-root "$work/world/trusted_root.json" --key "$work/world/key-2026.pub" \
	--listen "127.0.0.1:$port" --authorized-keys "$work/authorized_keys" --host-key "$work/host_key" \
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

# Two explorer sessions in tmux, side by side in one tmux server.
capture() { # window, name
	tmux -L "$sock" capture-pane -p -e -t "$1" >"$out/$2.ansi"
	tmux -L "$sock" capture-pane -p -t "$1" >"$out/$2.txt"
}
wait_screen() { # window, name, text
	for _ in $(seq 150); do
		capture "$1" "$2"
		grep -qF -- "$3" "$out/$2.txt" && return 0
		sleep 0.1
	done
	fail "screen $2 never showed '$3'; last screen:
$(cat "$out/$2.txt")"
}
keys() { tmux -L "$sock" send-keys -t "$@"; }
screen_width() { LC_ALL=C.UTF-8 wc -L <"$1"; }
open_window() { # window, user
	local cmd="ssh ${sshopts[*]} -t -i $work/$2 $2@127.0.0.1; echo SSH-EXITED-\$?; sleep 60"
	if [[ "$1" == alice ]]; then
		tmux -L "$sock" -f /dev/null new-session -d -s e2e -n alice -x 120 -y 35 "$cmd"
	else
		tmux -L "$sock" new-window -d -t e2e -n "$1" "$cmd"
	fi
}

step "opening two explorer sessions (alice, bob) at 120x35"
open_window alice alice
open_window bob bob
wait_screen e2e:alice 01-alice-start "demo/web"
wait_screen e2e:bob 01-bob-start "demo/worker"

step "alice: demo/web → latest → verify"
keys e2e:alice j j j j Enter
wait_screen e2e:alice 02-alice-expanded "demo/web (4)"
keys e2e:alice j
sleep 0.3
keys e2e:alice v
wait_screen e2e:alice 03-alice-verified "demo/web:latest: verified"
grep -qF "Inclusion proof" "$out/03-alice-verified.txt" || fail "alice's verification shows no inclusion proof step"
grep -qF "Entries · demo/web:latest" "$out/03-alice-verified.txt" || fail "alice's entries pane is not on demo/web:latest"

step "bob: demo/worker, in his own session"
keys e2e:bob j j j j j Enter
wait_screen e2e:bob 02-bob-expanded "demo/worker ("
keys e2e:bob j
sleep 0.3
keys e2e:bob Enter
wait_screen e2e:bob 03-bob-selected "Entries · demo/worker"
# Each session kept its own state.
capture e2e:alice 04-alice-after-bob
grep -qF "Entries · demo/web:latest" "$out/04-alice-after-bob.txt" || fail "alice's screen changed when bob moved"
grep -qF "demo/worker (" "$out/04-alice-after-bob.txt" && fail "alice's screen shows bob's expanded repository"
grep -qF "demo/web (" "$out/03-bob-selected.txt" && fail "bob's screen shows alice's expanded repository"

step "bob: a search naming a key file is refused: the file would be the server's"
keys e2e:bob /
keys e2e:bob -l /srv/k.pub
keys e2e:bob Enter
wait_screen e2e:bob 04-bob-keyfile-search "permitted"
grep -qF "press r to retry" "$out/04-bob-keyfile-search.txt" && fail "a refused key-file search offers a retry"
keys e2e:bob Escape
# Esc goes back from the search to the entries pane: wait for it, so that
# the next key is never read together with this Esc (ESC q is alt+q).
wait_screen e2e:bob 04-bob-search-closed "Entries"

width=$(screen_width "$out/03-alice-verified.txt")
[[ "$width" -eq 120 ]] || fail "alice's screen width $width, want 120"
step "resizing alice's window to 100x30"
tmux -L "$sock" resize-window -t e2e:alice -x 100 -y 30
for _ in $(seq 50); do
	capture e2e:alice 05-alice-resized
	w=$(screen_width "$out/05-alice-resized.txt")
	[[ "$w" -eq 100 ]] && grep -qF "Images" "$out/05-alice-resized.txt" && break
	sleep 0.1
done
[[ "$w" -eq 100 ]] || fail "alice's screen did not follow the resize: width $width then $w"

keys e2e:alice q
wait_screen e2e:alice 06-alice-quit "SSH-EXITED-0"
keys e2e:bob q
wait_screen e2e:bob 06-bob-quit "SSH-EXITED-0"

# One structured log line per session: who, from where, how long, what.
for _ in $(seq 50); do [[ $(grep -c 'msg="ssh session".*end=quit' "$out/server.log") -ge 2 ]] && break; sleep 0.1; done
line=$(grep 'msg="ssh session"' "$out/server.log" | grep "key=$alice_fp" | grep "end=quit" | tail -1)
[[ -n "$line" ]] || fail "no session log line for alice ($alice_fp): $(cat "$out/server.log")"
for want in "user=alice" "remote=127.0.0.1:" "duration=" "demo/web:latest: verified"; do
	grep -qF -- "$want" <<<"$line" || fail "alice's session log line lacks '$want': $line"
done
grep 'msg="ssh session"' "$out/server.log" | grep "key=$bob_fp" | grep "end=quit" |
	grep -qF "demo/worker:latest: not-logged" || fail "no session log line for bob ($bob_fp) with demo/worker:latest not logged"
grep -q 'ssh request refused.*type=exec' "$out/server.log" || fail "the refused exec was not logged"

step "ok: captures in $out"
