#!/usr/bin/env bash
# Nightly cluster check: collect the cluster into a dated snapshot, keep the newest N, diff it
# against the snapshot from a week ago, and print (or mail) the diff as Markdown.
#
# cron (as a user that can read the password file):
#   15 2 * * *  CASSTUNE_CONTACT_POINTS=10.0.0.1,10.0.0.2 CASSTUNE_METRICS_PORT=9404 \
#               CASSTUNE_PASSWORD_FILE=/etc/casstune/password CASSTUNE_MAIL_TO=dba@example.com \
#               /opt/casstune/collect-and-diff.sh
#
# Settings (environment variables; the password never goes on a command line):
#   CASSTUNE_CONTACT_POINTS   CQL contact points, comma-separated (read by casstune itself)
#   CASSTUNE_CQL_PORT         CQL port (read by casstune itself; default 9042)
#   CASSTUNE_USERNAME         CQL user (read by casstune itself)
#   CASSTUNE_PASSWORD         CQL password (read by casstune itself; not shown in `ps`)
#   CASSTUNE_PASSWORD_FILE    or a file whose first line is the password (mode 0600)
#   CASSTUNE_METRICS_PORT     exporter port on every node (e.g. 9404), optional
#   CASSTUNE_COLLECT_ARGS     more `casstune collect` flags, e.g. "--tls --tls-ca /etc/casstune/ca.pem"
#   CASSTUNE_SNAPSHOT_DIR     where snapshots live (default /var/lib/casstune/snapshots)
#   CASSTUNE_KEEP             snapshots kept (default 30)
#   CASSTUNE_DIFF_DAYS        compare with the snapshot this many days old (default 7)
#   CASSTUNE_FAIL_ON          severity of a new finding that makes the exit code 1 (default warning)
#   CASSTUNE_RULES            a --rules directory, optional
#   CASSTUNE_MAIL_TO          mail the Markdown there (needs mail(1)); printed when empty
#   CASSTUNE                  the casstune binary (default: casstune on PATH)
#
# Exit code: casstune diff's (0 no new finding at or above CASSTUNE_FAIL_ON, 1 new findings,
# 2 error); 3 when the diff is clean but the collection was partial; 2 when nothing could be
# collected.
#
# Dry run (no cluster, no pruning, no mail), for testing:
#   CASSTUNE_NIGHTLY_DRY_RUN=1 collect-and-diff.sh OLD.snap NEW.snap
#       diffs the two files exactly as the nightly run would and prints the Markdown;
#   CASSTUNE_NIGHTLY_DRY_RUN=1 CASSTUNE_NIGHTLY_SNAPSHOT=NEW.snap collect-and-diff.sh
#       takes NEW.snap as tonight's collection (copied into CASSTUNE_SNAPSHOT_DIR) and runs the
#       rest: picking the old snapshot, keeping CASSTUNE_KEEP, the diff. CASSTUNE_NIGHTLY_TODAY
#       (YYYY-MM-DD) sets the date.
set -euo pipefail

casstune=${CASSTUNE:-casstune}
dir=${CASSTUNE_SNAPSHOT_DIR:-/var/lib/casstune/snapshots}
keep=${CASSTUNE_KEEP:-30}
days=${CASSTUNE_DIFF_DAYS:-7}
fail_on=${CASSTUNE_FAIL_ON:-warning}
dry_run=${CASSTUNE_NIGHTLY_DRY_RUN:-}

die() {
    echo "collect-and-diff: $*" >&2
    exit 2
}

[[ $keep =~ ^[0-9]+$ && $keep -ge 2 ]] || die "CASSTUNE_KEEP must be a number >= 2 (got '$keep')"
[[ $days =~ ^[0-9]+$ ]] || die "CASSTUNE_DIFF_DAYS must be a number of days (got '$days')"
command -v "$casstune" >/dev/null 2>&1 || die "casstune not found (set CASSTUNE to its path)"

diff_args=(diff --format markdown --fail-on "$fail_on")
if [[ -n ${CASSTUNE_RULES:-} ]]; then
    diff_args+=(--rules "$CASSTUNE_RULES")
fi

# Prints the diff (or mails it) and returns casstune diff's exit code.
report() {
    local old=$1 new=$2 out code=0
    out=$("$casstune" "${diff_args[@]}" "$old" "$new") || code=$?
    if [[ $code -ge 2 ]]; then
        echo "collect-and-diff: casstune diff $old $new failed (exit $code)" >&2
        return "$code"
    fi
    if [[ -n ${CASSTUNE_MAIL_TO:-} && -z $dry_run ]]; then
        local subject
        subject="casstune: $(basename "$new") vs $(basename "$old")"
        [[ $code -eq 1 ]] && subject="$subject: new findings"
        printf '%s\n' "$out" | mail -s "$subject" "$CASSTUNE_MAIL_TO" ||
            die "mail to $CASSTUNE_MAIL_TO failed"
    else
        if [[ -n ${CASSTUNE_MAIL_TO:-} ]]; then
            echo "collect-and-diff: dry run: would mail to $CASSTUNE_MAIL_TO" >&2
        fi
        printf '%s\n' "$out"
    fi
    return "$code"
}

if [[ -n $dry_run && $# -eq 2 ]]; then
    code=0
    report "$1" "$2" || code=$?
    exit "$code"
fi
[[ $# -eq 0 ]] || die "no arguments expected (dry run: CASSTUNE_NIGHTLY_DRY_RUN=1 $0 OLD.snap NEW.snap)"

# Dates as YYYY-MM-DD: GNU date, else BSD date.
day_offset() {
    local base=$1 back=$2
    date -u -d "$base - $back days" +%F 2>/dev/null ||
        date -u -j -v-"${back}"d -f %F "$base" +%F 2>/dev/null ||
        die "cannot compute dates with this date(1)"
}
today=${CASSTUNE_NIGHTLY_TODAY:-$(date -u +%F)}
[[ $today =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "CASSTUNE_NIGHTLY_TODAY must be YYYY-MM-DD (got '$today')"
cutoff=$(day_offset "$today" "$days")

mkdir -p "$dir" || die "cannot create $dir"
new="$dir/cluster-$today.snap"

collect_code=0
if [[ -n $dry_run ]]; then
    [[ -n ${CASSTUNE_NIGHTLY_SNAPSHOT:-} ]] ||
        die "dry run: give OLD.snap NEW.snap, or CASSTUNE_NIGHTLY_SNAPSHOT=FILE as tonight's collection"
    cp -- "$CASSTUNE_NIGHTLY_SNAPSHOT" "$new" || die "cannot copy $CASSTUNE_NIGHTLY_SNAPSHOT"
else
    collect_args=(collect -o "$new")
    if [[ -n ${CASSTUNE_METRICS_PORT:-} ]]; then
        collect_args+=(--metrics-port "$CASSTUNE_METRICS_PORT")
    fi
    if [[ -n ${CASSTUNE_PASSWORD_FILE:-} ]]; then
        collect_args+=(--password-file "$CASSTUNE_PASSWORD_FILE")
    fi
    if [[ -n ${CASSTUNE_COLLECT_ARGS:-} ]]; then
        read -r -a extra <<<"$CASSTUNE_COLLECT_ARGS"
        collect_args+=("${extra[@]}")
    fi
    "$casstune" "${collect_args[@]}" || collect_code=$?
    case $collect_code in
        0) ;;
        3) echo "collect-and-diff: the collection was partial (see the errors above); diffing what was collected" >&2 ;;
        *) die "casstune collect failed (exit $collect_code); no snapshot for $today" ;;
    esac
fi

# The baseline: the newest snapshot dated on or before the cutoff; else the oldest one there is.
shopt -s nullglob
snaps=("$dir"/cluster-????-??-??.snap)
old=""
for s in "${snaps[@]}"; do
    d=${s##*/cluster-}
    d=${d%.snap}
    if [[ ! $d > $cutoff ]]; then
        old=$s
    fi
done
if [[ -z $old ]]; then
    for s in "${snaps[@]}"; do
        if [[ $s != "$new" ]]; then
            old=$s
            break
        fi
    done
fi

# Keep the newest $keep (names sort by date), but never the two being compared.
if ((${#snaps[@]} > keep)); then
    for s in "${snaps[@]:0:${#snaps[@]}-keep}"; do
        if [[ $s != "$old" && $s != "$new" ]]; then
            if [[ -n $dry_run ]]; then
                echo "collect-and-diff: dry run: would remove $s" >&2
            else
                rm -f -- "$s"
            fi
        fi
    done
fi

if [[ -z $old ]]; then
    echo "collect-and-diff: $new is the first snapshot; nothing to compare yet" >&2
    exit "$collect_code"
fi

code=0
report "$old" "$new" || code=$?
if [[ $code -eq 0 && $collect_code -eq 3 ]]; then
    code=3
fi
exit "$code"
