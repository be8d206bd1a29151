#!/usr/bin/env bash
# Regenerates the expected events of every conformance case from the Strudel 1.2.6 oracle
# (../shared/oracle beside the checkout; run its setup.sh first). Needs Node; the tests do not.
# Usage: regenerate.sh [ID ...]   (no IDs: every case in cases.tsv)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
oracle="${PHONON_ORACLE:-$here/../../../../../shared/oracle}"
[ -f "$oracle/query.mjs" ] || { echo "oracle not found at $oracle (set PHONON_ORACLE)" >&2; exit 1; }
grep -v '^#' "$here/cases.tsv" | while IFS=$'\t' read -r id _phonon from to strudel; do
  [ -n "$id" ] || continue
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$id"; then continue; fi
  ORACLE_QUIET=1 node "$oracle/query.mjs" "$strudel" "$from" "$to" > "$here/$id.jsonl"
  echo "$id: $(wc -l < "$here/$id.jsonl") events"
done
