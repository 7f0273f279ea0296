/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.c — helpers shared by the verbs (see cli.h).
 */
#include "cli.h"

#include "error.h"
#include "idprefix.h"
#include "jsonmp.h"
#include "jsonout.h"
#include "query.h"
#include "tabular.h"
#include "util.h"

#include <fcntl.h>
#include <stdarg.h>
#include <termios.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int px_cli_prompt_passphrase(char *buf, size_t n)
{
    return px_cli_read_passphrase("passphrase for the secret key: ", buf, n);
}

int px_cli_read_passphrase(const char *prompt, char *buf, size_t n)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return px_err_set(PX_EPERM, "the key is protected by a passphrase and there is no "
                                    "terminal to ask; set PRAXIS_PASSPHRASE_FILE or "
                                    "PRAXIS_PASSPHRASE");
    struct termios old, quiet;
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    ssize_t w = write(fd, prompt, strlen(prompt));
    (void)w;
    size_t len = 0;
    char c;
    while (len + 1 < n && read(fd, &c, 1) == 1 && c != '\n')
        buf[len++] = c;
    buf[len] = '\0';
    w = write(fd, "\n", 1);
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    close(fd);
    return PX_OK;
}

int px_cli_fail(int rc)
{
    fprintf(stderr, "praxis: %s\n", px_err_message(rc));
    return PX_EXIT_FAIL;
}

/* What px_cli_getopt refused last, until px_cli_usage_error reports it. */
static char bad_option[200];

int px_cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    fputs("praxis: ", stderr);
    if (bad_option[0]) {
        fputs(bad_option, stderr);
        bad_option[0] = '\0';
    } else {
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    /* The synopsis only (up to the first blank line); --help has the rest. */
    const char *end = strstr(usage, "\n\n");
    fprintf(stderr, "\n%.*s\n", end ? (int)(end - usage) : (int)strlen(usage), usage);
    return PX_EXIT_USAGE;
}

int px_cli_form_opt(px_cli_form *form, px_cli_form f, const char *usage)
{
    static const char *const names[] = {"", "--json", "--csv"};
    if (*form != PX_FORM_TEXT && *form != f)
        return px_cli_usage_error(usage, "%s and %s exclude each other: give one", names[*form],
                                  names[f]);
    *form = f;
    return PX_EXIT_OK;
}

int px_cli_listing_opt(int c, px_cli_form *form, const char *usage)
{
    if (c == 'j' || c == 'C')
        return px_cli_form_opt(form, c == 'j' ? PX_FORM_JSON : PX_FORM_CSV, usage) ? PX_EXIT_USAGE
                                                                                   : PX_CLI_GO_ON;
    if (c == 'h')
        return px_cli_help(usage);
    return px_cli_usage_error(usage, "bad option");
}

int px_cli_help(const char *usage)
{
    fputs(usage, stdout);
    return PX_EXIT_OK;
}

int px_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
                  bool *first)
{
    if (*first) {
        optind = 0; /* GNU getopt: full re-initialisation */
        opterr = 0; /* we report unknown options ourselves */
        *first = false;
    }
    bad_option[0] = '\0';
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (c == '?' || c == ':') {
        /* Reported by px_cli_usage_error, which the verb calls next. */
        const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
        const struct option *lo = NULL; /* the long option arg names exactly */
        for (const struct option *o = longopts; o && o->name; o++) {
            size_t k = strlen(o->name);
            if (strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, o->name, k) == 0 &&
                (arg[2 + k] == '\0' || arg[2 + k] == '='))
                lo = o;
        }
        /* getopt sets optopt to a long option's val when its value is
         * missing, and to 0 when the option is unknown; a short option in a
         * cluster leaves argv[optind - 1] at an earlier word. */
        bool is_long = strncmp(arg, "--", 2) == 0 && (optopt == 0 || !lo || lo->val == optopt);
        if (is_long && lo && lo->has_arg == no_argument && strchr(arg, '='))
            snprintf(bad_option, sizeof bad_option, "option --%.100s takes no value", lo->name);
        else if (is_long && optopt)
            snprintf(bad_option, sizeof bad_option, "option %.150s needs a value", arg);
        else if (is_long)
            snprintf(bad_option, sizeof bad_option, "unknown option %.150s", arg);
        else if (optopt > 0 && optopt < 128 && strchr(shortopts, optopt))
            snprintf(bad_option, sizeof bad_option, "option -%c needs a value", optopt);
        else
            snprintf(bad_option, sizeof bad_option, "unknown option -%c",
                     optopt > 32 && optopt < 127 ? optopt : '?');
        c = '?';
    }
    return c;
}

int px_cli_parse_key(const char *hex, uint8_t out[32], const char *what)
{
    if (px_hex_decode(out, 32, hex) != PX_OK)
        return px_err_set(PX_EINVAL, "%s '%s' is not 64 hex digits", what, hex);
    return PX_OK;
}

int px_cli_open(px_cli *cli, px_local *l)
{
    px_local_set_prompt(px_cli_prompt_passphrase);
    int rc = px_local_open(l, cli->data_dir);
    if (rc) {
        px_cli_fail(rc);
        px_local_close(l);
    }
    return rc;
}

int px_cli_open_read(px_cli *cli, px_local *l)
{
    int rc = px_local_open_read(l, cli->data_dir);
    if (rc) {
        px_cli_fail(rc);
        px_local_close(l);
    }
    return rc;
}

void px_cli_print_json(json_t *v)
{
    px_json_print(stdout, v);
}

static int arg_error(int rc)
{
    px_cli_fail(rc);
    return rc == PX_ENOENT ? PX_EXIT_FAIL : PX_EXIT_USAGE;
}

int px_cli_entry_arg(px_local *l, const char *arg, const char *what, uint8_t out[32])
{
    int rc = px_prefix_entry(l->store, arg, what, out);
    return rc ? arg_error(rc) : PX_EXIT_OK;
}

int px_cli_key_arg(px_local *l, const char *arg, const char *what, uint8_t out[32])
{
    if (strcmp(arg, "me") == 0) {
        memcpy(out, l->me.pk, 32);
        return PX_EXIT_OK;
    }
    int rc = px_prefix_key(l->store, &l->members, arg, what, out);
    return rc ? arg_error(rc) : PX_EXIT_OK;
}

const char *px_cli_time(char *buf, uint64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

json_t *px_cli_entry_json(const px_entry *e, const px_entry_meta *m, bool with_body)
{
    char id[65], author[65], prev[65], hash[65], sig[129], net[65];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(px_id_hex(id, e->id)));
    json_object_set_new(o, "author", json_string(px_id_hex(author, e->h.author)));
    json_object_set_new(o, "seq", json_integer((json_int_t)e->h.seq));
    if (e->h.has_prev)
        json_object_set_new(o, "prev", json_string(px_id_hex(prev, e->h.prev)));
    json_object_set_new(o, "timestamp_ms", json_integer((json_int_t)e->h.timestamp_ms));
    json_object_set_new(o, "kind", json_string(e->h.kind));
    json_object_set_new(o, "network_id", json_string(px_id_hex(net, e->h.network_id)));
    json_object_set_new(o, "body_len", json_integer((json_int_t)e->h.body_len));
    json_object_set_new(o, "body_hash", json_string(px_id_hex(hash, e->h.body_hash)));
    px_hex_encode(sig, e->sig, 64);
    json_object_set_new(o, "signature", json_string(sig));
    if (m) {
        json_object_set_new(o, "purged", json_boolean(m->purged));
        json_object_set_new(o, "schema_valid",
                            json_boolean(!(m->flags & PX_ENTRY_FLAG_SCHEMA_INVALID)));
    }
    if (with_body) {
        json_t *body = NULL;
        if (e->body && px_msgpack_to_json(e->body, e->body_len, &body) != PX_OK)
            body = NULL;
        if (body)
            json_object_set_new(o, "body", body);
    }
    return o;
}

bool px_cli_is_secretariat(void *ctx, const uint8_t key[32])
{
    const px_local *l = ctx;
    px_role r = px_members_role(&l->members, key);
    return r == PX_ROLE_ROOT || r == PX_ROLE_SECRETARIAT;
}

static const uint8_t *cli_centre_of(void *ctx, const uint8_t author[32])
{
    const px_local *l = ctx;
    return px_members_centre(&l->members, author);
}

void px_cli_query(px_local *l, const char *lang, struct px_query *q)
{
    memset(q, 0, sizeof *q);
    q->store = l->store;
    q->lang = lang;
    q->is_secretariat = px_cli_is_secretariat;
    q->secretariat_ctx = l;
    q->centre_of = cli_centre_of;
    q->centre_ctx = l;
}

void px_cli_print_csv(const json_t *rows, const char *const *cols, size_t ncols)
{
    size_t i;
    const json_t *row;
    px_csv_header(stdout, cols, ncols);
    json_array_foreach(rows, i, row) px_csv_row(stdout, row, cols, ncols);
}

bool px_cli_json_flag(int argc, char **argv, const char *usage, bool args, bool *json,
                      int *exit_status)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
    bool first = true;
    int c;
    *json = false;
    *exit_status = PX_EXIT_OK;
    while ((c = px_cli_getopt(argc, argv, args ? "+h" : "h", opts, &first)) != -1) {
        if (c == 'j') {
            *json = true;
        } else if (c == 'h') {
            *exit_status = px_cli_help(usage);
            return false;
        } else {
            *exit_status = px_cli_usage_error(usage, "bad option");
            return false;
        }
    }
    if (!args && optind != argc) {
        *exit_status = px_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
        return false;
    }
    return true;
}

int px_cli_answer(px_local *l, int rc, json_t *res, px_cli_form form, const px_cli_view *v,
                  const char *lang)
{
    if (!rc && form == PX_FORM_JSON) {
        px_cli_print_json(res);
    } else if (!rc && form == PX_FORM_CSV) {
        json_t *rows = v->rows ? v->rows(res) : json_incref(json_object_get(res, v->rows_key));
        px_cli_print_csv(rows, v->cols, v->ncols);
        json_decref(rows);
    } else if (!rc) {
        v->text(res, lang);
    }
    json_decref(res);
    px_local_close(l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}

void px_cli_print_indicator(const json_t *ind)
{
    char lo[32], hi[32];
    px_text_put(stdout, px_json_str(ind, "code", ""), false);
    const json_t *ver = json_object_get(ind, "version");
    if (json_is_string(ver))
        printf(" v%s — ", json_string_value(ver)); /* digits and dots only (RECORDS.md) */
    else
        printf(" v%lld — ", (long long)json_integer_value(ver));
    px_text_put(stdout, px_json_str(ind, "name", ""), false);
    printf("\n  scale %s–%s",
           px_num_format(lo, json_number_value(json_object_get(ind, "scale_min"))),
           px_num_format(hi, json_number_value(json_object_get(ind, "scale_max"))));
    const char *unit = px_json_str(ind, "unit", NULL);
    if (unit) {
        printf(" ");
        px_text_put(stdout, unit, false);
    }
    printf(", %s is better%s\n",
           json_is_true(json_object_get(ind, "higher_is_better")) ? "higher" : "lower",
           json_is_true(json_object_get(ind, "illustrative")) ? "  [illustrative]" : "");
}
