#!/usr/bin/env bash
# Compares gp render with the plain Go program and with the peers — hygen,
# plop and nunjucks (Backstage's template engine), from the npm registry — on
# the same workload, in the same run: each round runs every tool once, in
# turn, into a fresh output directory, through the launcher that reads wall
# time, CPU time and peak RSS from the OS. Not part of CI.
#
#   examples/benchbaseline/peers/run.sh            # 5 000 files, 5 rounds, on /dev/shm
#   FILES=1000 ROUNDS=7 OUT=/var/tmp examples/benchbaseline/peers/run.sh
#
# Every tool's output is compared with the plain program's in the first round.
set -euo pipefail
shopt -s lastpipe
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
files=${FILES:-5000}
rounds=${ROUNDS:-5}
base=${OUT:-/dev/shm}
work=$(mktemp -d "$base/gp-peers.XXXXXX")
trap 'rm -rf "$work"' EXIT

(cd "$here" && npm ci --no-audit --no-fund --silent)
bin="$work/bin"
(cd "$repo/examples" && go build -o "$bin/gp" ./cli && go build -o "$bin/benchbaseline" ./benchbaseline && go build -o "$bin/launch" ./benchbaseline/launch)
"$bin/benchbaseline" -gen "$work/bp" -files "$files"
node "$here/translate.js" "$work/bp/template" "$work"
nm="$here/node_modules"

run() { # run TOOL OUTDIR: prints "wall_ns cpu_ns rss_kib"
	local tool=$1 out=$2
	case $tool in
	plain) "$bin/launch" "$bin/benchbaseline" -t "$work/bp/template" -o "$out" ;;
	gp) "$bin/launch" "$bin/gp" render "$work/bp" -o "$out" --set v0=alpha ;;
	nunjucks) "$bin/launch" node "$here/nunjucks-render.js" "$work/njk" "$work/values.json" "$out" ;;
	hygen) (cd "$work" && HYGEN_TMPLS="$work/hygen/_templates" "$bin/launch" node "$nm/hygen/dist/bin.js" bench new --out "$out") ;;
	plop) (cd "$work/plop" && OUT="$out" "$bin/launch" node "$nm/plop/bin/plop.js" --plopfile "$work/plop/plopfile.js" bench) ;;
	esac
}

tools="plain gp nunjucks hygen plop"
results="$work/results"
: >"$results"
for r in $(seq 1 "$rounds"); do
	for t in $tools; do
		out="$work/out-$t"
		rm -rf "$out"
		if ! m=$(run "$t" "$out" 2>"$work/stderr" | tail -n 1) || [ -z "$m" ]; then
			echo "$t failed:" >&2
			tail -20 "$work/stderr" >&2
			exit 1
		fi
		echo "$r $t $m" >>"$results"
		if [ "$r" = 1 ] && [ "$t" != plain ]; then
			if ! diff -r -q -x .goldenpath "$work/out-plain" "$out" >/dev/null; then
				echo "$t's output differs from the plain program's:" >&2
				diff -r -x .goldenpath "$work/out-plain" "$out" | head -20 >&2
				exit 1
			fi
		fi
	done
	rm -rf "$work"/out-*
	echo "round $r of $rounds done" >&2
done

echo "$files files, $rounds rounds, output on $base ($(go version | cut -d' ' -f3), node $(node --version))"
echo
echo "| tool | wall (median) | files/s | CPU (median) | peak RSS (median) | time ÷ plain Go (median of rounds) |"
echo "| --- | --- | --- | --- | --- | --- |"
awk -v files="$files" -v tools="$tools" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{ wall[$2, $1] = $3; cpu[$2, $1] = $4; rss[$2, $1] = $5; if ($1 > rounds) rounds = $1 }
END {
	nt = split(tools, ts, " ")
	for (k = 1; k <= nt; k++) {
		t = ts[k]
		for (r = 1; r <= rounds; r++) { w[r] = wall[t, r]; c[r] = cpu[t, r]; m[r] = rss[t, r]; q[r] = wall[t, r] / wall["plain", r] }
		mw = median(w, rounds); mc = median(c, rounds); mm = median(m, rounds); mq = median(q, rounds)
		printf "| %s | %.0f ms | %.0f | %.0f ms | %.1f MiB | %.2f× |\n", t, mw / 1e6, files / (mw / 1e9), mc / 1e6, mm / 1024, mq
	}
}' "$results"
