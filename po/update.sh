#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# update.sh — refresh the web interface's message catalogues from the
# sources: extract every px_t / px_tn / PX_N_ string into po/praxis.pot,
# then merge them into each po/LANG.po, except those that only a
# po/LANG-PART.po holds (a part of the interface may keep its strings in a
# file of its own, e.g. po/ru-publish.po, which this script leaves alone). New strings arrive
# untranslated, changed ones marked fuzzy. Needs gettext's tools.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
xgettext --from-code=UTF-8 --language=C --keyword= --keyword=px_t:2 --keyword=px_tn:2,3 \
    --keyword=PX_N_:1 --add-comments=TRANSLATORS: --no-location --sort-output \
    --package-name=praxis --msgid-bugs-address=none -o po/praxis.pot \
    node/daemon/web*.c $(ls node/daemon/web/*.c 2>/dev/null || true)
for po in po/*.po; do
    lang="$(basename "$po" .po)"
    case "$lang" in *-*) continue ;; esac
    pot=po/praxis.pot
    parts=$(ls po/"$lang"-*.po 2>/dev/null || true)
    if [ -n "$parts" ]; then
        # leave out the strings that only a part holds (in it, not in $po)
        msgcat --force-po -o "$work/parts.po" $parts
        msgcomm --force-po --less-than=2 -o "$work/t1.po" "$work/parts.po" "$po"
        msgcomm --force-po --more-than=1 -o "$work/only-parts.po" "$work/t1.po" "$work/parts.po"
        msgcomm --force-po --less-than=2 -o "$work/t2.pot" po/praxis.pot "$work/only-parts.po"
        msgcomm --force-po --more-than=1 -o "$work/main.pot" "$work/t2.pot" po/praxis.pot
        pot="$work/main.pot"
    fi
    msgmerge --quiet --update --backup=none --no-location --sort-output "$po" "$pot"
done
