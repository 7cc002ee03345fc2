# scenarios.sh — the labelled fault scenarios of the lab, shared by the
# accuracy benchmarks (tests/bench/accuracy.sh, noise_accuracy.sh) and the trace recorder
# (tests/lab/record_traces.sh). Source after lab.sh.
#
# name | truth (layer/side; "+"-joined for two faults) | target | fault; fault...
SCENARIOS=(
    "healthy|healthy|path|"
    "healthy-app|healthy|app|"
    "virtio-local-delay|virtual/local|path|virtio local tx delay_us=3000"
    "virtio-local-jitter|virtual/local|path|virtio local both jitter_us=4000"
    "virtio-local-loss|virtual/local|path|virtio local tx loss_pct=20"
    "virtio-local-stall|virtual/local|path|virtio local rx stall_every_ms=100 stall_for_ms=40"
    "virtio-local-queue|virtual/local|path|virtio local tx rate_pps=40 queue=4"
    "virtio-remote-delay|virtual/remote|path|virtio remote rx delay_us=3000"
    "virtio-remote-jitter|virtual/remote|path|virtio remote both jitter_us=4000"
    "virtio-remote-loss|virtual/remote|path|virtio remote rx loss_pct=20"
    "virtio-remote-stall|virtual/remote|path|virtio remote tx stall_every_ms=100 stall_for_ms=40"
    "virtio-remote-queue|virtual/remote|path|virtio remote rx rate_pps=40 queue=4"
    "wire-delay|physical/-|path|wire ab delay_us=3000"
    "wire-loss|physical/-|path|wire both loss_pct=20"
    "wire-mtu|physical/-|path|wire both mtu=1000"
    "wire-down|physical/-|path|wire both down=1"
    "bridge-local|virtual/local|path|bridge local drop_pct=20"
    "bridge-remote|virtual/remote|path|bridge remote drop_pct=20"
    "reflector-slow|app/remote|path|reflector remote hold_us=3000"
    "app-slow|app/remote|app|app delay_ms=300"
    "app-error|app/remote|app|app status=503"
    "app-reset|app/remote|app|app mode=reset"
    "app-refused|app/remote|app|app mode=refuse"
    "dns-servfail|app/-|appdns|dns servfail"
    "app-dns-slow|app/-|appdns|dns slow 1500"
    "app-wire-loss|physical/-|app|wire both loss_pct=15"
    "app-mtu|physical/-|app|app body_size=4000; wire both mtu=1000"
    "two-virtio-wire|virtual/local+physical/-|path|virtio local tx delay_us=3000; wire ab delay_us=3000"
    "two-wire-app|physical/-+app/remote|app|wire both loss_pct=10; app delay_ms=400"
)

# scenario_diagnose KIND [diagnose options]: run diagnose from gA against
# the target of KIND (path|app|appdns), JSON into $NB_TMP/diag.json, its exit
# status into $NB_TMP/diag.rc.
scenario_diagnose() {
    local url rc
    case "$1" in
        path) url=$LAB_IP_gB ;;
        app) url="http://$LAB_IP_gB:$LAB_HTTP_PORT/" ;;
        appdns) url="http://backend.lab:$LAB_HTTP_PORT/" ;;
    esac
    case "$1" in
        path) lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$url" --json --count 100 --interval 10 \
                  --timeout 500 --config "$NB_TMP/agent-gA.json" "${@:2}" >"$NB_TMP/diag.json" \
                  2>"$NB_TMP/diag.err" && rc=0 || rc=$? ;;
        *) lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$url" --json --count 20 --interval 20 \
               --timeout 2000 --config "$NB_TMP/agent-gA.json" "${@:2}" >"$NB_TMP/diag.json" \
               2>"$NB_TMP/diag.err" && rc=0 || rc=$? ;;
    esac
    echo "$rc" >"$NB_TMP/diag.rc"
    [ -s "$NB_TMP/diag.json" ] || nb_log "diagnose $1 printed nothing: $(cat "$NB_TMP/diag.err")"
}

# scenario_verdict: the last report's verdict as layer/side ("+"-joined
# findings when there are several; healthy, inconclusive; error without one).
scenario_verdict() {
    jq -r 'def ls: "\(.verdict)/\(.where.side // "-" | if . == "" then "-" else . end)";
           if (.findings | length) > 1 then [.findings[] | ls] | join("+")
           elif .verdict == "healthy" or .verdict == "inconclusive" then .verdict
           else ls end' "$NB_TMP/diag.json" 2>/dev/null || echo error
}


# scenario_faults "F1; F2": inject each fault of a scenario.
scenario_faults() {
    local f fl
    IFS=';' read -ra fl <<<"$1"
    for f in "${fl[@]}"; do
        # shellcheck disable=SC2086
        [ -n "${f// /}" ] && lab_fault $f
    done
    return 0
}
