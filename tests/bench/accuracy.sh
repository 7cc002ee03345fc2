#!/usr/bin/env bash
# Labelled accuracy benchmark (issue 6): every fault kind at every place of
# the lab, REPS times each, plus healthy runs and runs with two faults in
# different layers; `netblame diagnose` from gA is asked each time, and its
# verdict (layer and side) is compared with the truth.
#
# Prints one line per run, then a confusion matrix (truth -> verdict),
# accuracy over single-fault runs, the false-blame rate on healthy runs
# (a healthy run blamed on any layer), and the median time to a verdict.
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/accuracy.sh [REPS]
#   (ONLY=REGEX runs the scenarios whose name matches)
# The scenarios name lab places; the classifier never sees them (it gets
# only measurements), so a rule cannot be keyed to them.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
reps=${1:-3}
lab_up
lab_agents

. "$NB_SRC/tests/lab/scenarios.sh"

# Does VERDICT match TRUTH? "-" in the truth's side matches any side.
matches() {
    awk -v v="$1" -v t="$2" 'BEGIN {
        nv = split(v, V, "+"); nt = split(t, T, "+"); if (nv != nt) exit 1
        for (i = 1; i <= nt; i++) { ok = 0
            for (j = 1; j <= nv; j++) { split(T[i], a, "/"); split(V[j], b, "/")
                if (a[1] == b[1] && (a[2] == "-" || a[2] == "" || a[2] == b[2])) ok = 1 }
            if (!ok) exit 1 }
        exit 0 }'
}

out=$NB_TMP/runs.tsv
printf 'scenario\ttruth\tverdict\tconfidence\tseconds\tcorrect\tstopped\tover_deadline\n' | tee "$out"
for _ in $(seq "$reps"); do
    for s in "${SCENARIOS[@]}"; do
        IFS='|' read -r name truth kind faults <<<"$s"
        [[ $name =~ ${ONLY:-.} ]] || continue
        scenario_faults "$faults"
        t0=$(date +%s.%N)
        scenario_diagnose "$kind"
        t1=$(date +%s.%N)
        lab_clear
        v=$(scenario_verdict)
        conf=$(jq -r '.confidence // 0' "$NB_TMP/diag.json" 2>/dev/null || echo 0)
        ok=no
        matches "$v" "$truth" && ok=yes
        # how the diagnosis ended, by its own account (elapsed vs --deadline)
        stop=$(jq -r '.diagnosis.stopped // "?"' "$NB_TMP/diag.json" 2>/dev/null || echo "?")
        over=$(jq -r '.diagnosis | if .deadline_ms == null then "-" elif .elapsed_ms > .deadline_ms
                      then "yes" else "no" end' "$NB_TMP/diag.json" 2>/dev/null || echo "?")
        printf '%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\n' "$name" "$truth" "$v" "$conf" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$ok" "$stop" "$over" | tee -a "$out"
    done
done

echo
echo "confusion matrix (rows: truth, columns: verdict, cells: runs)"
cols=$(awk -F'\t' 'NR > 1 { print $3 }' "$out" | sort -u | tr '\n' ' ')
awk -F'\t' -v cols="$cols" 'NR > 1 { c[$2 "\t" $3]++; if (!($2 in r)) { r[$2]; rows[++nr] = $2 } }
    END { n = split(cols, col, " "); printf "%-28s", "truth \\ verdict"
          for (i = 1; i <= n; i++) printf " %16.16s", col[i]; printf "\n"
          for (j = 1; j <= nr; j++) { printf "%-28s", rows[j]
              for (i = 1; i <= n; i++) printf " %16d", c[rows[j] "\t" col[i]]; printf "\n" } }' "$out"
med=$(awk -F'\t' 'NR > 1 { print $5 }' "$out" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[NR] }')
awk -F'\t' -v med="$med" 'NR > 1 {
        if ($2 == "healthy") { h++; if ($3 != "healthy" && $3 != "inconclusive") fb++ }
        else if ($2 !~ /\+/) { s++; if ($6 == "yes") ok++ }
        else { m++; if ($6 == "yes") mok++ }
        if ($8 == "yes") od++; if ($7 == "deadline") dl++ }
    END { split(med, t, " ")
          printf "\nsingle-fault accuracy: %d/%d (%.0f%%)\n", ok, s, s ? 100 * ok / s : 0
          printf "two-fault runs with both findings right: %d/%d\n", mok, m
          printf "healthy runs blamed on a layer (false blame): %d/%d\n", fb, h
          printf "diagnose wall time per run: median %.2f s, max %.2f s\n", t[1], t[2]
          printf "diagnoses past their deadline (own elapsed_ms): %d/%d; cut by it: %d\n", od, NR - 1, dl }' "$out"
