#!/bin/bash
# CPU time of a 100-camera run with and without --ui (a headless Chromium watching the wall)
set -e
BIN=${BIN:-bin/trafficsim}       # built with -tags extlib,pkgconfig
LIB=${LIB:-.cache/clips}         # holds the 4 clips of 45 s (made by the first run)
rm -rf /tmp/vizbenchruns
common="run --scenario intersection-day --cameras 100 --smart-share 1 --duration 60s --clip-duration 45s --clips 4 --library $LIB --out /tmp/vizbenchruns --grace 2s"
for mode in plain ui; do
  extra=""; [ $mode = ui ] && extra="--ui 127.0.0.1:8175"
  start=$(date +%s.%N)
  $BIN $common --id $mode $extra > /tmp/vizbench-$mode.out 2> /tmp/vizbench-$mode.err &
  pid=$!
  if [ $mode = ui ]; then
    for i in $(seq 50); do curl -s -o /dev/null 127.0.0.1:8175/api/run && break; sleep 0.2; done
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run --disable-component-update --disable-sync --user-data-dir=/tmp/vizbench-ud --window-size=1400,900 --remote-debugging-port=0 http://127.0.0.1:8175/ > /dev/null 2>&1 &
    cpid=$!
  fi
  # CPU of the run process read from /proc just before it exits: poll
  last=""; c25=""; c65=""
  while kill -0 $pid 2>/dev/null; do
    s=$(cat /proc/$pid/stat 2>/dev/null) && last="$s"
    el=$(echo "$(date +%s.%N) - $start" | bc)
    [ -z "$c25" ] && [ $(echo "$el >= 25" | bc) = 1 ] && c25=$(echo "$s" | awk '{print $14+$15}')
    [ -z "$c65" ] && [ $(echo "$el >= 65" | bc) = 1 ] && c65=$(echo "$s" | awk '{print $14+$15}')
    sleep 0.5
  done
  echo "$mode: CPU from 25 s to 65 s after start: $(echo "($c65 - $c25) / $(getconf CLK_TCK)" | bc -l | cut -c1-6) s"
  wait $pid || true
  [ $mode = ui ] && kill $cpid && wait $cpid 2>/dev/null || true
  tck=$(getconf CLK_TCK)
  echo "$mode: wall $(echo "$(date +%s.%N) - $start" | bc) s, CPU $(echo "$last" | awk -v t=$tck '{printf "%.2f s (user %.2f, sys %.2f)", ($14+$15)/t, $14/t, $15/t}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
done
