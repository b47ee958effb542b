#!/usr/bin/env bash
# Compares the demo scan of two cloudarq binaries: the terminal summary and
# every report file, byte for byte, apart from the stored scan's id (a UUIDv7)
# and, for the JSON result, what a format version change declares.
#   scripts/compare-demo.sh OLD_BINARY NEW_BINARY
set -euo pipefail
old=$1 new=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for v in old new; do
    bin=${!v}
    mkdir -p "$work/$v/home"
    (cd "$work/$v" && HOME="$work/$v/home" NO_COLOR=1 "$bin" scan --demo \
        --output-formats terminal,json,csv,html,ocsf --output-dir out >terminal.txt 2>/dev/null) || true
    sed -E -i 's/Saved scan [0-9a-f-]{36} to .*/Saved scan <id>/' "$work/$v/terminal.txt"
done
status=0
diff "$work/old/terminal.txt" "$work/new/terminal.txt" && echo "terminal: identical" || status=1
for f in "$work"/old/out/*; do
    b=$(basename "$f")
    if cmp -s "$f" "$work/new/out/$b"; then
        echo "$b: identical"
    elif [[ $b == *.json && $b != *.ocsf.json ]]; then
        # A result of a newer format version: compare what both versions hold.
        python3 - "$f" "$work/new/out/$b" <<'PY' || status=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for doc in (a, b):
    doc.pop("version"); doc.pop("rules", None)
print(sys.argv[1].rsplit("/", 1)[1] + ": identical apart from version and rule catalogue" if a == b else "JSON results differ")
sys.exit(a != b)
PY
    else
        echo "$b: differs"; status=1
    fi
done
exit $status
