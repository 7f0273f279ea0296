#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# check.sh — every string the web interface's sources mark for translation
# has a Russian translation (po/ru.po and po/ru-*.po together), none of them
# fuzzy. Used by CTest (web.po_complete); run po/update.sh, translate, rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
xgettext --from-code=UTF-8 --language=C --keyword= --keyword=px_t:2 --keyword=px_tn:2,3 \
    --keyword=PX_N_:1 --no-location -o "$work/praxis.pot" \
    node/daemon/web*.c $(ls node/daemon/web/*.c 2>/dev/null || true)
for lang in ru; do
    msgcat --use-first --force-po -o "$work/$lang.po" po/$lang.po $(ls po/$lang-*.po 2>/dev/null || true)
    if ! msgcmp "$work/$lang.po" "$work/praxis.pot" 2>"$work/err"; then
        sed "s|$work/||" "$work/err" >&2
        echo "po/check.sh: po/$lang.po lacks translations (run po/update.sh and translate)" >&2
        exit 1
    fi
    fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$work/$lang.po" | grep -c '^msgid' || true)
    if [ "$fuzzy" -gt 0 ]; then
        echo "po/check.sh: po/$lang.po has fuzzy translations to review" >&2
        exit 1
    fi
done
echo "po/check.sh: every string is translated"
