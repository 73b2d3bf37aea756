#!/usr/bin/env bash
# install-tools.sh installs the real Sigstore clients that the interop tests
# drive (cosign, rekor-cli, crane, and Tessera's POSIX conformance log and
# fsck, as tessera-posix and tessera-fsck) with `go install`, one folder per version,
# so a second run (or a later CI run on the same machine) reuses them.
#
#   TOOLS_DIR  where to cache them (default: .tools, which git ignores)
#
# Each tool is built with a private GOCACHE so that a `go clean -cache`
# elsewhere cannot break a build in progress.
set -euo pipefail

TOOLS_DIR=${TOOLS_DIR:-.tools}
mkdir -p "$TOOLS_DIR"
TOOLS_DIR=$(cd "$TOOLS_DIR" && pwd)

COSIGN_VERSION=${COSIGN_VERSION:-v2.6.5}
REKOR_CLI_VERSION=${REKOR_CLI_VERSION:-v1.5.4}
CRANE_VERSION=${CRANE_VERSION:-v0.22.1}
GOLANGCI_LINT_VERSION=${GOLANGCI_LINT_VERSION:-v2.15.0}
FREEZE_VERSION=${FREEZE_VERSION:-v0.2.2}
# v1.0.4's go.mod says go 1.24.0, within this repository's toolchain.
TESSERA_VERSION=${TESSERA_VERSION:-v1.0.4}

# With arguments, install just those extra tools: lint (golangci-lint),
# freeze (ANSI → PNG for screenshots).

install_one() { # name version package [binary, when go install names it otherwise]
	local name=$1 version=$2 pkg=$3 bin=${4:-$1}
	local dir="$TOOLS_DIR/$name-$version"
	if [[ -x "$dir/bin/$bin" ]]; then
		echo "install-tools: $name $version cached in $dir"
		return
	fi
	echo "install-tools: building $name $version (this can take a while the first time)"
	local start=$SECONDS
	mkdir -p "$dir/gocache"
	GOBIN="$dir/bin.tmp" GOCACHE="$dir/gocache" GOFLAGS=-buildvcs=false \
		go install "$pkg@$version"
	rm -rf "$dir/bin" && mv "$dir/bin.tmp" "$dir/bin"
	rm -rf "$dir/gocache"
	echo "install-tools: $name $version built in $((SECONDS - start))s"
}

# install_freeze builds freeze FREEZE_VERSION with wazero WAZERO_VERSION:
# the wazero v1.8.0 that freeze v0.2.2 pins crashes under Go 1.26, and `go
# install pkg@version` cannot override a dependency, so freeze is built from a
# throwaway module that requires both.
WAZERO_VERSION=${WAZERO_VERSION:-v1.12.0}
install_freeze() {
	local dir="$TOOLS_DIR/freeze-$FREEZE_VERSION-wazero-$WAZERO_VERSION"
	if [[ -x "$dir/bin/freeze" ]]; then
		echo "install-tools: freeze $FREEZE_VERSION (wazero $WAZERO_VERSION) cached in $dir"
	else
		echo "install-tools: building freeze $FREEZE_VERSION with wazero $WAZERO_VERSION"
		local mod
		mod=$(mktemp -d)
		mkdir -p "$dir/gocache"
		(
			cd "$mod"
			printf 'module freezebuild\n\ngo 1.26\n' >go.mod
			printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/charmbracelet/freeze"\n' >tools.go
			export GOCACHE="$dir/gocache" GOFLAGS=-buildvcs=false
			go get "github.com/charmbracelet/freeze@$FREEZE_VERSION" "github.com/tetratelabs/wazero@$WAZERO_VERSION"
			go build -o "$dir/bin.tmp/freeze" github.com/charmbracelet/freeze
		)
		rm -rf "$dir/bin" && mv "$dir/bin.tmp" "$dir/bin"
		rm -rf "$dir/gocache" "$mod"
	fi
	mkdir -p "$TOOLS_DIR/bin"
	ln -sf "$dir/bin/freeze" "$TOOLS_DIR/bin/freeze"
}

if [[ $# -gt 0 ]]; then
	mkdir -p "$TOOLS_DIR/bin"
	for t in "$@"; do
		case $t in
		lint)
			install_one golangci-lint "$GOLANGCI_LINT_VERSION" github.com/golangci/golangci-lint/v2/cmd/golangci-lint
			ln -sf "$TOOLS_DIR/golangci-lint-$GOLANGCI_LINT_VERSION/bin/golangci-lint" "$TOOLS_DIR/bin/golangci-lint"
			;;
		freeze)
			install_freeze
			;;
		*) echo "install-tools: unknown tool $t (want lint or freeze)" >&2; exit 2 ;;
		esac
	done
	exit 0
fi

install_one crane "$CRANE_VERSION" github.com/google/go-containerregistry/cmd/crane &
p1=$!
install_one rekor-cli "$REKOR_CLI_VERSION" github.com/sigstore/rekor/cmd/rekor-cli &
p2=$!
install_one cosign "$COSIGN_VERSION" github.com/sigstore/cosign/v2/cmd/cosign &
p3=$!
# Tessera's two binaries share one module, so they build one after the other.
{
	install_one tessera-posix "$TESSERA_VERSION" github.com/transparency-dev/tessera/cmd/conformance/posix posix &&
		install_one tessera-fsck "$TESSERA_VERSION" github.com/transparency-dev/tessera/cmd/fsck fsck
} &
p4=$!
status=0
wait $p1 || status=1
wait $p2 || status=1
wait $p3 || status=1
wait $p4 || status=1
if [[ $status -ne 0 ]]; then
	echo "install-tools: a build failed" >&2
	exit 1
fi
# Stable paths for the tests: TOOLS_DIR/bin/<name> -> the cached version.
mkdir -p "$TOOLS_DIR/bin"
ln -sf "$TOOLS_DIR/crane-$CRANE_VERSION/bin/crane" "$TOOLS_DIR/bin/crane"
ln -sf "$TOOLS_DIR/rekor-cli-$REKOR_CLI_VERSION/bin/rekor-cli" "$TOOLS_DIR/bin/rekor-cli"
ln -sf "$TOOLS_DIR/cosign-$COSIGN_VERSION/bin/cosign" "$TOOLS_DIR/bin/cosign"
ln -sf "$TOOLS_DIR/tessera-posix-$TESSERA_VERSION/bin/posix" "$TOOLS_DIR/bin/tessera-posix"
ln -sf "$TOOLS_DIR/tessera-fsck-$TESSERA_VERSION/bin/fsck" "$TOOLS_DIR/bin/tessera-fsck"
echo "install-tools: ready in $TOOLS_DIR/bin"
