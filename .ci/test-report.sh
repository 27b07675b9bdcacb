#!/usr/bin/env bash
# Sums the JUnit reports of one test step (surefire and failsafe XML, in the folders given) and
# lists its ten slowest test classes. Exits 1 when a test was skipped: CI installs every tool the
# tests use, so a skipped test is a check that did not run.
set -euo pipefail
title=$1; shift
rows=$(for d in "$@"; do [ -d "$d" ] && find "$d" -name 'TEST-*.xml'; done | while read -r f; do
  # sed -n 1p, not head -1: head leaves early, and under pipefail the writer's SIGPIPE failed the
  # report now and then (exit 141) though every test had passed
  head -c 2000 "$f" | tr '\n' ' ' | grep -o '<testsuite [^>]*>' | sed -n 1p |
    sed -E 's/.* name="([^"]*)" time="([^"]*)" tests="([^"]*)" errors="([^"]*)" skipped="([^"]*)" failures="([^"]*)".*/\2 \1 \3 \4 \5 \6/'
done)
[ -n "$rows" ] || { echo "== $title: no test reports in $*"; exit 1; }
read -r classes tests errors skipped failures < <(awk '{n++; t+=$3; e+=$4; s+=$5; f+=$6} END {print n, t, e, s, f}' <<<"$rows")
echo "== $title: $classes classes, $tests tests, $failures failures, $errors errors, $skipped skipped"
echo "   ten slowest classes (s):"
sort -rn <<<"$rows" | sed -n 1,10p | awk '{printf "   %8.1f  %s\n", $1, $2}'
if [ "$skipped" != 0 ]; then
  echo "   skipped:"; awk '$5 > 0 {print "     " $2}' <<<"$rows"
  exit 1
fi
