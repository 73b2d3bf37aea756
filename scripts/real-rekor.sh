#!/usr/bin/env bash
# real-rekor.sh runs a real Sigstore Rekor v1 stack on this machine, on
# loopback only, so that provscope can be tested and measured against the
# server the public-good instance runs rather than only its embedded log:
#
#   MariaDB (own datadir, unix socket only: --skip-networking)
#     └─ Trillian v1.7.3 trillian_log_server (gRPC 127.0.0.1) + trillian_log_signer
#          └─ rekor-server v1.5.4 serve (HTTP 127.0.0.1, MySQL search index, no Redis)
#
#   scripts/real-rekor.sh start DIR   build or reuse the binaries, initialise
#                                     DIR (first time), start everything, wait
#                                     for /api/v1/log, print URL and key path
#   scripts/real-rekor.sh stop DIR    stop every process started in DIR
#   scripts/real-rekor.sh status DIR  print the URL if the stack is up (exit 1 if not)
#   scripts/real-rekor.sh stats DIR   tree size, RSS of the four processes,
#                                     bytes in the two databases (for benchmarks)
#
# start is idempotent: a running stack is left alone, a stopped one is
# restarted on the same data, tree and signing key. After start, DIR/env holds
# REKOR_URL, REKOR_KEY, REKOR_TREE_ID for `source`, e.g.
#
#   scripts/real-rekor.sh start /tmp/rr && source /tmp/rr/env
#   PROVSCOPE_REAL_REKOR=$REKOR_URL PROVSCOPE_REAL_REKOR_KEY=$REKOR_KEY \
#     go test -run TestRealRekor -v ./internal/cli
#
# Environment:
#   TOOLS_DIR      binary cache (default ~/.cache/provscope/tools), one folder
#                  per version as scripts/install-tools.sh keeps them
#   REKOR_PORT     rekor-server's HTTP port (default 3300)
#   TRILLIAN_PORT  first of four ports for Trillian's gRPC/HTTP endpoints
#                  (default 8390: log server 8390/8391, signer 8392/8393)
#   REKOR_HOSTNAME the checkpoint origin's host part (default rekor.local)
#
# rekor-server v1.5.4 also serves Prometheus metrics on :2112 (all
# interfaces, hard-coded, no flag to change it); nothing else listens beyond
# 127.0.0.1.
set -euo pipefail

REKOR_SERVER_VERSION=${REKOR_SERVER_VERSION:-v1.5.4}
TRILLIAN_VERSION=${TRILLIAN_VERSION:-v1.7.3}
TOOLS_DIR=${TOOLS_DIR:-$HOME/.cache/provscope/tools}
REKOR_PORT=${REKOR_PORT:-3300}
TRILLIAN_PORT=${TRILLIAN_PORT:-8390}
REKOR_HOSTNAME=${REKOR_HOSTNAME:-rekor.local}
DB_USER=provscope
DB_PASS=provscope-local

die() { echo "real-rekor: $*" >&2; exit 1; }
say() { echo "real-rekor: $*" >&2; }

usage() {
	echo "usage: $0 start|stop|status|stats DIR" >&2
	exit 2
}

# tool NAME DIRNAME VERSION PKG...: print the path of the cached binary NAME,
# building PKG... (one module, one `go install`, private GOCACHE, as
# install-tools.sh does) into DIRNAME/bin if it is absent. Accepts both
# DIRNAME/NAME and DIRNAME/bin/NAME.
tool() {
	local name=$1 dir="$TOOLS_DIR/$2" version=$3
	shift 3
	local p pkgs=()
	for p in "$dir/$name" "$dir/bin/$name"; do
		if [[ -x $p ]]; then
			echo "$p"
			return
		fi
	done
	for p in "$@"; do pkgs+=("$p@$version"); done
	say "building ${pkgs[*]} into $dir/bin (several minutes the first time)"
	rm -rf "$dir/bin.tmp"
	mkdir -p "$dir/gocache"
	GOBIN="$dir/bin.tmp" GOCACHE="$dir/gocache" GOFLAGS=-buildvcs=false \
		go install "${pkgs[@]}" >&2 || die "building ${pkgs[*]} failed"
	mkdir -p "$dir/bin"
	mv "$dir/bin.tmp/"* "$dir/bin/" && rm -rf "$dir/bin.tmp" "$dir/gocache"
	[[ -x "$dir/bin/$name" ]] || die "go install ${pkgs[*]} made no $name"
	echo "$dir/bin/$name"
}

need() { command -v "$1" >/dev/null || die "$1 not found: $2"; }

pidfile() { echo "$DIR/run/$1.pid"; }

alive() { # name
	local f
	f=$(pidfile "$1")
	[[ -s $f ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

wait_for() { # what seconds command...
	local what=$1 secs=$2
	shift 2
	local i
	for ((i = 0; i < secs * 5; i++)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# spawn NAME CMD...: start CMD in the background, logging to DIR/logs/NAME.log.
spawn() {
	local name=$1
	shift
	if alive "$name"; then
		say "$name already running (pid $(cat "$(pidfile "$name")"))"
		return
	fi
	setsid "$@" >>"$DIR/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$(pidfile "$name")"
	sleep 0.3
	alive "$name" || die "$name exited at once; see $DIR/logs/$name.log:
$(tail -n 20 "$DIR/logs/$name.log")"
}

sql() { mariadb --no-defaults -S "$DIR/mysqld.sock" -u root "$@"; }

start() {
	need mariadbd "apt-get install mariadb-server"
	need mariadb-install-db "apt-get install mariadb-server"
	need openssl "apt-get install openssl"
	need curl "apt-get install curl"
	local rekor trillian signer createtree
	local tdir="trillian-$TRILLIAN_VERSION" tmod=github.com/google/trillian/cmd
	rekor=$(tool rekor-server "rekor-server-$REKOR_SERVER_VERSION" "$REKOR_SERVER_VERSION" github.com/sigstore/rekor/cmd/rekor-server)
	trillian=$(tool trillian_log_server "$tdir" "$TRILLIAN_VERSION" $tmod/trillian_log_server $tmod/trillian_log_signer $tmod/createtree)
	signer=$(tool trillian_log_signer "$tdir" "$TRILLIAN_VERSION" $tmod/trillian_log_server $tmod/trillian_log_signer $tmod/createtree)
	createtree=$(tool createtree "$tdir" "$TRILLIAN_VERSION" $tmod/trillian_log_server $tmod/trillian_log_signer $tmod/createtree)
	local schema
	schema=$(go env GOMODCACHE)/github.com/google/trillian@$TRILLIAN_VERSION/storage/mysql/schema/storage.sql
	if [[ ! -f $schema ]]; then
		(cd "$(dirname "$trillian")" && go mod download "github.com/google/trillian@$TRILLIAN_VERSION") >&2 ||
			die "Trillian's schema is not in the module cache: $schema"
	fi

	mkdir -p "$DIR/run" "$DIR/logs"
	local sock="$DIR/mysqld.sock"
	((${#sock} < 100)) || die "unix socket path $sock is too long (${#sock} bytes, want < 100): use a shorter DIR"

	# MariaDB.
	if [[ ! -d "$DIR/mysql/mysql" ]]; then
		say "initialising MariaDB in $DIR/mysql"
		mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$DIR/mysql" \
			--auth-root-authentication-method=socket --skip-test-db >"$DIR/logs/mariadb-install-db.log" 2>&1 ||
			die "mariadb-install-db failed; see $DIR/logs/mariadb-install-db.log"
	fi
	spawn mysqld mariadbd --no-defaults --user="$(id -un)" --datadir="$DIR/mysql" --socket="$sock" \
		--pid-file="$DIR/run/mysqld.own.pid" --skip-networking --log-error="$DIR/logs/mysqld.err" \
		--innodb-buffer-pool-size=256M --max-connections=500
	wait_for mysqld 30 sql -e 'SELECT 1' || die "MariaDB did not answer on $sock; see $DIR/logs/mysqld.err"
	if [[ ! -f "$DIR/db.ready" ]]; then
		say "creating the trillian and rekor databases"
		sql <<-EOF
			CREATE DATABASE IF NOT EXISTS trillian;
			CREATE DATABASE IF NOT EXISTS rekor;
			CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
			GRANT ALL ON trillian.* TO '$DB_USER'@'localhost';
			GRANT ALL ON rekor.* TO '$DB_USER'@'localhost';
		EOF
		sql trillian <"$schema" || die "loading Trillian's schema $schema failed"
		touch "$DIR/db.ready"
	fi
	local dsn="$DB_USER:$DB_PASS@unix($sock)"

	# Trillian.
	local lrpc=$TRILLIAN_PORT lhttp=$((TRILLIAN_PORT + 1)) srpc=$((TRILLIAN_PORT + 2)) shttp=$((TRILLIAN_PORT + 3))
	if ! alive trillian_log_server; then
		for p in $lrpc $lhttp; do port_free "$p" || die "port $p is taken (set TRILLIAN_PORT)"; done
	fi
	spawn trillian_log_server "$trillian" --storage_system=mysql --quota_system=noop \
		--mysql_uri="$dsn/trillian?parseTime=true&interpolateParams=true" \
		--rpc_endpoint="127.0.0.1:$lrpc" --http_endpoint="127.0.0.1:$lhttp" --alsologtostderr
	if ! alive trillian_log_signer; then
		for p in $srpc $shttp; do port_free "$p" || die "port $p is taken (set TRILLIAN_PORT)"; done
	fi
	spawn trillian_log_signer "$signer" --storage_system=mysql --quota_system=noop --force_master \
		--mysql_uri="$dsn/trillian?parseTime=true&interpolateParams=true" \
		--rpc_endpoint="127.0.0.1:$srpc" --http_endpoint="127.0.0.1:$shttp" --alsologtostderr
	wait_for trillian 30 curl -fsS "http://127.0.0.1:$lhttp/healthz" ||
		die "trillian_log_server is not healthy; see $DIR/logs/trillian_log_server.log"
	if [[ ! -s "$DIR/tree_id" ]]; then
		say "creating the Trillian tree"
		"$createtree" --admin_server="127.0.0.1:$lrpc" --display_name=provscope-real-rekor \
			>"$DIR/tree_id.tmp" 2>"$DIR/logs/createtree.log" || die "createtree failed; see $DIR/logs/createtree.log"
		[[ $(cat "$DIR/tree_id.tmp") =~ ^[0-9]+$ ]] || die "createtree printed $(cat "$DIR/tree_id.tmp"), want a tree ID"
		mv "$DIR/tree_id.tmp" "$DIR/tree_id"
	fi
	local tree
	tree=$(cat "$DIR/tree_id")

	# rekor-server, with a file signer so restarts keep the key.
	if [[ ! -f "$DIR/rekor-signer.pem" ]]; then
		openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$DIR/rekor-signer.pem"
		chmod 600 "$DIR/rekor-signer.pem"
	fi
	openssl pkey -in "$DIR/rekor-signer.pem" -pubout -out "$DIR/rekor.pub" 2>/dev/null
	if ! alive rekor-server; then
		port_free "$REKOR_PORT" || die "port $REKOR_PORT is taken (set REKOR_PORT)"
	fi
	spawn rekor-server "$rekor" serve --log_type=prod \
		--rekor_server.address=127.0.0.1 --port="$REKOR_PORT" --rekor_server.hostname="$REKOR_HOSTNAME" \
		--trillian_log_server.address=127.0.0.1 --trillian_log_server.port="$lrpc" --trillian_log_server.tlog_id="$tree" \
		--rekor_server.signer="$DIR/rekor-signer.pem" \
		--search_index.storage_provider=mysql --search_index.mysql.dsn="$dsn/rekor?parseTime=true" \
		--enable_attestation_storage=false
	local url="http://127.0.0.1:$REKOR_PORT"
	wait_for rekor-server 60 curl -fsS "$url/api/v1/log" ||
		die "rekor-server does not answer $url/api/v1/log; see $DIR/logs/rekor-server.log:
$(tail -n 20 "$DIR/logs/rekor-server.log")"
	# The key it serves must be the one it was given.
	curl -fsS "$url/api/v1/log/publicKey" | openssl pkey -pubin -pubout 2>/dev/null | cmp -s - "$DIR/rekor.pub" ||
		die "rekor-server at $url serves a different public key than $DIR/rekor.pub (another server on port $REKOR_PORT?)"
	cat >"$DIR/env" <<-EOF
		REKOR_URL=$url
		REKOR_KEY=$DIR/rekor.pub
		REKOR_TREE_ID=$tree
		REKOR_DIR=$DIR
	EOF
	echo "rekor-server $REKOR_SERVER_VERSION (Trillian $TRILLIAN_VERSION, tree $tree) is up"
	echo "URL $url"
	echo "KEY $DIR/rekor.pub"
}

stop() {
	[[ -d "$DIR/run" ]] || { say "nothing started in $DIR"; return; }
	local name pid i
	# Reverse start order: the database goes last.
	for name in rekor-server trillian_log_signer trillian_log_server mysqld; do
		if alive "$name"; then
			pid=$(cat "$(pidfile "$name")")
			kill "$pid"
			for ((i = 0; i < 100; i++)); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.2
			done
			if kill -0 "$pid" 2>/dev/null; then
				say "$name (pid $pid) did not stop in 20s: killing it"
				kill -9 "$pid" 2>/dev/null || true
			fi
			say "stopped $name (pid $pid)"
		fi
		rm -f "$(pidfile "$name")"
	done
}

status() {
	[[ -f "$DIR/env" ]] || die "no stack in $DIR (run start)"
	local name down=0
	for name in mysqld trillian_log_server trillian_log_signer rekor-server; do
		if alive "$name"; then
			echo "$name pid $(cat "$(pidfile "$name")")"
		else
			echo "$name down"
			down=1
		fi
	done
	# shellcheck disable=SC1091
	source "$DIR/env"
	echo "URL $REKOR_URL"
	echo "KEY $REKOR_KEY"
	return $down
}

# stats prints one line of key=value figures for benchmarks: the tree size,
# the RSS of each process and their sum (kB), their CPU time (clock ticks,
# 100 a second), and the bytes on disk of the
# Trillian and index databases and of the whole datadir.
stats() {
	[[ -f "$DIR/env" ]] || die "no stack in $DIR (run start)"
	# shellcheck disable=SC1091
	source "$DIR/env"
	local size name pid rss total=0 ticks=0 out=""
	size=$(curl -fsS "$REKOR_URL/api/v1/log" | jq -r .treeSize) || die "rekor-server at $REKOR_URL does not answer"
	for name in rekor-server trillian_log_server trillian_log_signer mysqld; do
		alive "$name" || die "$name is down"
		pid=$(cat "$(pidfile "$name")")
		rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
		total=$((total + rss))
		# utime + stime (fields 14, 15; the command name has no spaces here)
		ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
		out+=" rss_kb_$name=$rss"
	done
	echo "tree_size=$size$out rss_kb_total=$total cpu_ticks_total=$ticks" \
		"bytes_trillian=$(du -sb "$DIR/mysql/trillian" | cut -f1)" \
		"bytes_rekor_index=$(du -sb "$DIR/mysql/rekor" | cut -f1)" \
		"bytes_datadir=$(du -sb "$DIR/mysql" | cut -f1)" \
		"loadavg=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)"
}

[[ $# -eq 2 ]] || usage
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
case $1 in
start) start ;;
stop) stop ;;
status) status ;;
stats) stats ;;
*) usage ;;
esac
