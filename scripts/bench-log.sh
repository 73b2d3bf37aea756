#!/bin/sh
# bench-log.sh: benchmark provscope's embedded transparency log over loopback.
# Prints write throughput (single POSTs at concurrency 8, batches of 100),
# each with the server's and the load generator's CPU per entry and the
# rate at which the two would need every CPU (no faster run is possible at
# those costs), p50/p99 and server CPU per read of get-by-index,
# get-by-UUID and search-by-hash, storage per 1M entries, idle RSS after
# load and the restart (integrity check) time, then the same figures as a
# table next to the targets of issue 3, with the machine load average
# (other builds share the CPUs and inflate figures). Entries are signed
# before each timed phase.
#
#   BENCH_SIZE=100000   entries to fill the log to (1000000, 10000000 for the big runs)
#   BENCH_SINGLE=20000  of which posted one per request
#   BENCH_READS=5000    requests per read phase
#   BENCH_BATCH_CONCURRENCY=4  concurrent clients posting batches of 100
#   BENCH_READ_CONCURRENCY=1,8  concurrent clients of each read phase (one: a read's own latency; eight: reads queueing for the cores)
#   BENCH_DIR=          keep the database here (default: temporary, removed after)
#   BENCH_CPUPROFILE=   write the log server's CPU profile here (go tool pprof -top FILE)
set -eu
cd "$(dirname "$0")/.."
bin="${TMPDIR:-/tmp}/provscope-loadgen.$$"
go build -o "$bin" ./cmd/provscope-loadgen
trap 'rm -f "$bin"' EXIT
echo "provscope log benchmark on $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
"$bin" "$@"
