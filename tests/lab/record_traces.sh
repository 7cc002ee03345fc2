#!/usr/bin/env bash
# Record the lab traces that the classifier's unit tests replay
# (tests/data/traces/, checked in; tests/unit/test_replay.c names the
# verdict each must give). Per scenario of scenarios.sh: HEALTHY (6) healthy
# windows (from which the replay learns its baseline), then the fault and
# one window under it, every window written by `netblame diagnose --record`.
# Not run by CI: it regenerates data. After a change to what diagnose
# measures, rerun it and review the replayed verdicts:
#   NB_BIN=build/release NB_SRC=. tests/lab/record_traces.sh [OUTDIR]
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
. "$NB_SRC/tests/lab/scenarios.sh"
out=${1:-$NB_SRC/tests/data/traces}
HEALTHY=${HEALTHY:-6}
mkdir -p "$out"
lab_up
lab_agents
for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r name truth kind faults <<<"$s"
    [[ $name =~ ${ONLY:-.} ]] || continue
    f=$NB_TMP/$name.jsonl
    for _ in $(seq "$HEALTHY"); do scenario_diagnose "$kind" --record "$f"; done
    scenario_faults "$faults"
    scenario_diagnose "$kind" --record "$f"
    lab_clear
    # the trace names hosts by their lab addresses: fine, the classifier never
    # reads them for a decision (only to say where)
    cp "$f" "$out/$name.jsonl"
    nb_log "$name ($truth): $(jq -r '.verdict + "/" + .where.side' "$NB_TMP/diag.json")"
done
nb_log "traces in $out"
