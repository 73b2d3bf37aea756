#!/usr/bin/env bash
# fuzz.sh runs every Go fuzz target in the module for FUZZ_TIME each
# (go test allows one -fuzz target per run).
set -euo pipefail
FUZZ_TIME=${FUZZ_TIME:-30s}
GO=${GO:-go}
count=0
for pkg in $($GO list ./...); do
	dir=$($GO list -f '{{.Dir}}' "$pkg")
	targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u || true)
	for t in $targets; do
		echo "fuzz: $pkg $t for $FUZZ_TIME"
		$GO test -run '^$' -fuzz "^${t}\$" -fuzztime "$FUZZ_TIME" -timeout 10m "$pkg" >/tmp/fuzz.$$.log 2>&1 || {
			cat /tmp/fuzz.$$.log
			echo "fuzz: $pkg $t FAILED" >&2
			exit 1
		}
		count=$((count + 1))
	done
done
rm -f /tmp/fuzz.$$.log
echo "fuzz: $count targets ran for $FUZZ_TIME each, no failures"
