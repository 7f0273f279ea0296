#!/usr/bin/env bash
# update.sh — refresh the web interface's message catalogues from the
# sources: extract every px_t / px_tn / PX_N_ string into po/praxis.pot,
# then merge it into each po/LANG.po (new strings arrive untranslated,
# changed ones marked fuzzy). Strings of a part kept in po/LANG-PART.po are
# left to that file. Run from anywhere; needs gettext's tools.
set -euo pipefail
cd "$(dirname "$0")/.."
xgettext --from-code=UTF-8 --language=C --keyword= --keyword=px_t:2 --keyword=px_tn:2,3 \
    --keyword=PX_N_:1 --add-comments=TRANSLATORS: --no-location --sort-output \
    --package-name=praxis --msgid-bugs-address=none -o po/praxis.pot \
    node/web*.c $(ls node/web/*.c 2>/dev/null || true)
for po in po/*.po; do
    case "$(basename "$po")" in *-*) continue ;; esac
    msgmerge --quiet --update --backup=none --no-location --sort-output "$po" po/praxis.pot
done
