/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.h — the tiny unit-test harness: CHECK macros that record failures
 * and keep going, TEST() registration by plain function calls, and a summary
 * line that CTest and people can read. Header-only on purpose.
 *
 * Usage:
 *   static void test_x(void) { CHECK(1 + 1 == 2); CHECK_RC(f(), PX_OK); }
 *   int main(void) { RUN(test_x); return check_summary(); }
 */
#ifndef PX_CHECK_H
#define PX_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_count;
static int check_passed_count;
static int check_tests_failed;
static int check_tests_run;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed_count++;                                                                  \
        } else {                                                                                   \
            check_failed_count++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_RC(expr, want)                                                                       \
    do {                                                                                           \
        int check_rc_ = (expr);                                                                    \
        int check_want_ = (want);                                                                  \
        if (check_rc_ == check_want_) {                                                            \
            check_passed_count++;                                                                  \
        } else {                                                                                   \
            check_failed_count++;                                                                  \
            fprintf(stderr, "%s:%d: %s returned %d (%s), wanted %d (%s) [%s]\n", __FILE__,         \
                    __LINE__, #expr, check_rc_, px_errname(check_rc_), check_want_,                \
                    px_errname(check_want_), px_err_detail());                                     \
        }                                                                                          \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        int before_ = check_failed_count;                                                          \
        check_tests_run++;                                                                         \
        fn();                                                                                      \
        if (check_failed_count != before_) {                                                       \
            check_tests_failed++;                                                                  \
            fprintf(stderr, "FAIL %s\n", #fn);                                                     \
        } else {                                                                                   \
            fprintf(stderr, "ok   %s\n", #fn);                                                     \
        }                                                                                          \
    } while (0)

static inline int check_summary(void)
{
    fprintf(stderr, "%d tests, %d checks passed, %d failed\n", check_tests_run, check_passed_count,
            check_failed_count);
    if (check_passed_count == 0)
        return 1; /* a test that asserts nothing is a failure */
    return check_failed_count ? 1 : 0;
}

#endif
