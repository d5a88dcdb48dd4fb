#!/bin/sh
# bench-fresh: accuracy of the reference device on seeds it was never tuned on (issue 19).
# For every shipped scenario, and for condition variants of the junction (dusk, fog, night
# clear), FRESH_N seeds (default 2) are drawn at run time from /dev/urandom and printed, a
# FRESH_DURATION clip (default 60s) is rendered per seed into FRESH_DIR, and the device is
# scored per type and per condition (BenchmarkAccuracy). FRESH_SEEDS="s1 s2 ..." replays a run.
# The development seeds (docs/bench/device.md) are never drawn: draws fall in 100000-999999.
#   usage: scripts/bench-fresh.sh [render|score|all]   (default all)
set -e
cd "$(dirname "$0")/.."
what=${1:-all}
dir=${FRESH_DIR:-.cache/fresh}
n=${FRESH_N:-2}
dur=${FRESH_DURATION:-60s}
scen=${FRESH_SCENARIOS:-"intersection-day intersection-night-rain arterial expressway intersection-anpr intersection-anpr-night intersection-day@dusk:clear intersection-day@day:fog intersection-day@night:clear"}
mkdir -p "$dir/scenarios"

# variant NAME@TIME:WEATHER writes the scenario with other conditions and prints its file
variant() {
	base=${1%@*}; cond=${1#*@}; tod=${cond%:*}; wx=${cond#*:}
	f="$dir/scenarios/$base-$tod-$wx.yaml"
	sed -e "s/^name: .*/name: $base-$tod-$wx/" \
	    -e "s/time_of_day: [a-z]*/time_of_day: $tod/" -e "s/weather: [a-z]*/weather: $wx/" \
	    "scenarios/$base.yaml" >"$f"
	echo "$f"
}

if [ "$what" != score ]; then
	set -- $FRESH_SEEDS
	for s in $scen; do
		case $s in *@*) src=$(variant "$s");; *) src=$s;; esac
		case $s in *anpr*) o="--bitrate 6000";; *) o="";; esac
		i=0
		while [ $i -lt "$n" ]; do
			if [ $# -gt 0 ]; then seed=$1; shift; else seed=$(od -An -N4 -tu4 /dev/urandom | awk '{print 100000 + $1 % 900000}'); fi
			echo "fresh seed: $s $seed"
			nice bin/trafficsim synth --scenario "$src" --seed "$seed" --duration "$dur" $o --library "$dir/clips" >/dev/null
			i=$((i + 1))
		done
	done
fi
if [ "$what" != render ]; then
	TRAFFICSIM_CLIPS=$(pwd)/$dir/clips nice go test -tags extlib,pkgconfig ./sim/device/ -run '^$' -bench '^BenchmarkAccuracy$' -benchtime 1x -v |
		grep -v '^\(goos\|goarch\|pkg\|cpu\|PASS\|ok\)'
fi
