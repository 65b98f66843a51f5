/*
 * check_config.c -- SLOTPROF_OPTIONS parsing (profiler/config.c).
 *
 * The error sentences are part of the user interface (they are what a
 * user sees when the profiler refuses to start), so they are compared
 * whole, not searched for keywords.
 */
#include "internal.h"

#include <check.h>
#include <signal.h>             /* SIGUSR1 ... */
#include <stdio.h>              /* snprintf */
#include <stdlib.h>             /* EXIT_SUCCESS, EXIT_FAILURE */
#include <string.h>             /* memset, strcpy, strncmp */

#define PATH_DOC "a file path, where %p is the pid, %s the session, %n the snapshot number and %% a %"
#define NUM_DOC "(accepted: 0 to 1000000000000)"

static struct sp_config cfg;
static char err[512];

/* Parse s and expect success. */
static void
parse_ok(const char *s)
{
    sp_config_defaults(&cfg);
    err[0] = 'x';
    err[1] = '\0';
    ck_assert_msg(sp_config_parse(s, &cfg, err, sizeof(err)),
                  "parse of \"%s\" failed: %s", s ? s : "(null)", err);
    ck_assert_str_eq(err, "");
}

/* Parse s and expect exactly the error sentence `want`. */
static void
parse_fails(const char *s, const char *want)
{
    sp_config_defaults(&cfg);
    ck_assert_msg(!sp_config_parse(s, &cfg, err, sizeof(err)),
                  "parse of \"%s\" succeeded", s);
    ck_assert_str_eq(err, want);
}

static void
assert_defaults(const struct sp_config *c)
{
    ck_assert_str_eq(c->output, "");
    ck_assert_int_eq(c->text_mode, SP_TEXT_STDERR);
    ck_assert_str_eq(c->text_path, "");
    ck_assert_uint_eq(c->min_instances, 100);
    ck_assert_uint_eq(c->top, 20);
}

/* ------------------------------------------------------------ success */

START_TEST(test_defaults)
{
    memset(&cfg, 0x55, sizeof(cfg));
    sp_config_defaults(&cfg);
    assert_defaults(&cfg);
}
END_TEST

START_TEST(test_null_and_empty_give_defaults)
{
    parse_ok(NULL);
    assert_defaults(&cfg);
    parse_ok("");
    assert_defaults(&cfg);
    parse_ok(" \t ");
    assert_defaults(&cfg);
    parse_ok(",,,");
    assert_defaults(&cfg);
}
END_TEST

START_TEST(test_parse_starts_from_defaults)
{
    /* Whatever cfg held before, the string alone decides. */
    memset(&cfg, 0x55, sizeof(cfg));
    cfg.output[0] = 'x';
    cfg.output[1] = '\0';
    ck_assert(sp_config_parse("top=3", &cfg, err, sizeof(err)));
    ck_assert_str_eq(cfg.output, "");
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_STDERR);
    ck_assert_uint_eq(cfg.min_instances, 100);
    ck_assert_uint_eq(cfg.top, 3);
}
END_TEST

START_TEST(test_output)
{
    parse_ok("output=/tmp/report.json");
    ck_assert_str_eq(cfg.output, "/tmp/report.json");
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_STDERR);
    parse_ok("output=r-%p.json");
    ck_assert_str_eq(cfg.output, "r-%p.json");
    parse_ok("output=100%%.json");
    ck_assert_str_eq(cfg.output, "100%%.json");
    /* Only the first '=' separates key and value. */
    parse_ok("output=/tmp/a=b.json");
    ck_assert_str_eq(cfg.output, "/tmp/a=b.json");
}
END_TEST

START_TEST(test_text)
{
    parse_ok("text=none");
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_NONE);
    ck_assert_str_eq(cfg.text_path, "");
    parse_ok("text=stderr");
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_STDERR);
    parse_ok("text=/tmp/report.txt");
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_FILE);
    ck_assert_str_eq(cfg.text_path, "/tmp/report.txt");
    parse_ok("text=report-%p.txt");
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_FILE);
    ck_assert_str_eq(cfg.text_path, "report-%p.txt");
    /* Neither keyword: a file path, even if it looks like one. */
    parse_ok("text=STDERR");
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_FILE);
    ck_assert_str_eq(cfg.text_path, "STDERR");
}
END_TEST

START_TEST(test_numbers)
{
    parse_ok("min_instances=0,top=0");
    ck_assert_uint_eq(cfg.min_instances, 0);
    ck_assert_uint_eq(cfg.top, 0);
    parse_ok("min_instances=5000,top=7");
    ck_assert_uint_eq(cfg.min_instances, 5000);
    ck_assert_uint_eq(cfg.top, 7);
    parse_ok("min_instances=1000000000000,top=1000000000000");
    ck_assert_uint_eq(cfg.min_instances, 1000000000000u);
    ck_assert_uint_eq(cfg.top, 1000000000000u);
    parse_ok("top=007");
    ck_assert_uint_eq(cfg.top, 7);
}
END_TEST

START_TEST(test_all_keys_together)
{
    parse_ok("output=/tmp/o.json,text=/tmp/t.txt,min_instances=1,top=2");
    ck_assert_str_eq(cfg.output, "/tmp/o.json");
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_FILE);
    ck_assert_str_eq(cfg.text_path, "/tmp/t.txt");
    ck_assert_uint_eq(cfg.min_instances, 1);
    ck_assert_uint_eq(cfg.top, 2);
}
END_TEST

START_TEST(test_whitespace_trimmed)
{
    parse_ok("  output = /tmp/my report.json ,\ttop=\t3 \n, text =none ");
    ck_assert_str_eq(cfg.output, "/tmp/my report.json");
    ck_assert_uint_eq(cfg.top, 3);
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_NONE);
}
END_TEST

START_TEST(test_empty_items_ignored)
{
    parse_ok("top=1,,min_instances=2,");
    ck_assert_uint_eq(cfg.top, 1);
    ck_assert_uint_eq(cfg.min_instances, 2);
    parse_ok(",top=4, ,");
    ck_assert_uint_eq(cfg.top, 4);
}
END_TEST

START_TEST(test_last_duplicate_wins)
{
    parse_ok("top=1,top=2");
    ck_assert_uint_eq(cfg.top, 2);
    parse_ok("text=/tmp/t.txt,text=none");
    ck_assert_int_eq(cfg.text_mode, SP_TEXT_NONE);
    ck_assert_str_eq(cfg.text_path, "");
    parse_ok("output=/a,output=/b");
    ck_assert_str_eq(cfg.output, "/b");
}
END_TEST

START_TEST(test_longest_path_fits)
{
    static char s[SP_PATH_MAX + 16];
    strcpy(s, "output=");
    memset(s + 7, 'a', SP_PATH_MAX - 1);
    s[7 + SP_PATH_MAX - 1] = '\0';
    parse_ok(s);
    ck_assert_uint_eq(strlen(cfg.output), SP_PATH_MAX - 1);
}
END_TEST

/* ------------------------------------------------------------ errors */

START_TEST(test_unknown_key)
{
    parse_fails("foo=1", "unknown option 'foo' in SLOTPROF_OPTIONS "
                "(accepted: output, text, min_instances, top, interval, "
                "signal, dormant, max_pause, allocs, sample_every, native, max_depth, mine)");
    parse_fails("top=1, verbose", "unknown option 'verbose' in "
                "SLOTPROF_OPTIONS (accepted: output, text, min_instances, "
                "top, interval, signal, dormant, max_pause, allocs, sample_every, native, max_depth, mine)");
    parse_fails("=5", "unknown option '' in SLOTPROF_OPTIONS "
                "(accepted: output, text, min_instances, top, interval, "
                "signal, dormant, max_pause, allocs, sample_every, native, max_depth, mine)");
    /* Keys are case-sensitive and whole. */
    parse_fails("TOP=1", "unknown option 'TOP' in SLOTPROF_OPTIONS "
                "(accepted: output, text, min_instances, top, interval, "
                "signal, dormant, max_pause, allocs, sample_every, native, max_depth, mine)");
    parse_fails("min instances=1", "unknown option 'min instances' in "
                "SLOTPROF_OPTIONS (accepted: output, text, min_instances, "
                "top, interval, signal, dormant, max_pause, allocs, sample_every, native, max_depth, mine)");
}
END_TEST

START_TEST(test_future_keys_rejected_today)
{
    static const char *const later[] = {"sample=0.1", "rate=10",
                                        "format=html"};
    for (size_t i = 0; i < SP_ARRAY_LEN(later); i++) {
        sp_config_defaults(&cfg);
        ck_assert(!sp_config_parse(later[i], &cfg, err, sizeof(err)));
        ck_assert_msg(strncmp(err, "unknown option '", 16) == 0, "%s", err);
    }
}
END_TEST

/* The allocation options (docs/allocations.md): defaults, flags, ranges. */
START_TEST(test_alloc_options)
{
    sp_config_defaults(&cfg);
    ck_assert(cfg.allocs);
    ck_assert_uint_eq(cfg.sample_every, 1024);
    ck_assert(!cfg.native);
    ck_assert_uint_eq(cfg.max_depth, 64);
    ck_assert(sp_config_parse("allocs=off,sample_every=0,native,max_depth=1",
                              &cfg, err, sizeof(err)));
    ck_assert(!cfg.allocs);
    ck_assert_uint_eq(cfg.sample_every, 0);
    ck_assert(cfg.native);
    ck_assert_uint_eq(cfg.max_depth, 1);
    ck_assert(sp_config_parse("max_depth=256,sample_every=1", &cfg, err,
                              sizeof(err)));
    ck_assert_uint_eq(cfg.max_depth, 256);
    ck_assert_uint_eq(cfg.sample_every, 1);
    sp_config_defaults(&cfg);
    ck_assert(!sp_config_parse("max_depth=0", &cfg, err, sizeof(err)));
    ck_assert_str_eq(err, "option max_depth: '0' is out of range "
                          "(accepted: 1 to 256)");
    ck_assert(!sp_config_parse("max_depth=257", &cfg, err, sizeof(err)));
    ck_assert(!sp_config_parse("native=maybe", &cfg, err, sizeof(err)));
    ck_assert_str_eq(err, "option native: 'maybe' is not accepted "
                          "(accepted: native alone, or "
                          "native=yes/no/1/0/true/false/on/off)");
    ck_assert(!sp_config_parse("sample_every=-1", &cfg, err, sizeof(err)));
}
END_TEST

/* mine=: paths whose classes are the user's own. */
START_TEST(test_mine)
{
    sp_config_defaults(&cfg);
    ck_assert_str_eq(cfg.mine, "");
    ck_assert(sp_config_parse("mine=/usr/lib/python3/dist-packages/yaml",
                              &cfg, err, sizeof(err)));
    ck_assert_str_eq(cfg.mine, "/usr/lib/python3/dist-packages/yaml");
    ck_assert(sp_config_parse("mine = lib:/opt/x/src ", &cfg, err,
                              sizeof(err)));
    ck_assert_str_eq(cfg.mine, "lib:/opt/x/src");
    /* % is literal here: no escapes in these paths. */
    ck_assert(sp_config_parse("mine=/a%b", &cfg, err, sizeof(err)));
    ck_assert_str_eq(cfg.mine, "/a%b");
    ck_assert(!sp_config_parse("mine=", &cfg, err, sizeof(err)));
    ck_assert_str_eq(err, "option mine: no path given (accepted: one or "
                          "more paths separated by ':')");
    ck_assert(!sp_config_parse("mine=a::b", &cfg, err, sizeof(err)));
    ck_assert_str_eq(err, "option mine: an empty path between ':' "
                          "(accepted: one or more paths separated by ':')");
    ck_assert(!sp_config_parse("mine=:a", &cfg, err, sizeof(err)));
    ck_assert(!sp_config_parse("mine=a:", &cfg, err, sizeof(err)));
    ck_assert(!sp_config_parse("mine", &cfg, err, sizeof(err)));
}
END_TEST

START_TEST(test_unknown_key_quoted_safely)
{
    /* Long keys are cut, control bytes shown as '?'. */
    parse_fails("a\nb=1", "unknown option 'a?b' in SLOTPROF_OPTIONS "
                "(accepted: output, text, min_instances, top, interval, "
                "signal, dormant, max_pause, allocs, sample_every, native, max_depth, mine)");
    char s[200], want[300];
    memset(s, 'k', 100);
    strcpy(s + 100, "=1");
    snprintf(want, sizeof(want), "unknown option '%.64s...' in "
             "SLOTPROF_OPTIONS (accepted: output, text, min_instances, "
             "top, interval, signal, dormant, max_pause, allocs, sample_every, native, max_depth, mine)", s);
    parse_fails(s, want);
}
END_TEST

START_TEST(test_missing_value)
{
    parse_fails("top", "option top has no value "
                "(write top=VALUE in SLOTPROF_OPTIONS)");
    parse_fails("output=/x, text ", "option text has no value "
                "(write text=VALUE in SLOTPROF_OPTIONS)");
}
END_TEST

START_TEST(test_bad_numbers)
{
    parse_fails("min_instances=abc", "option min_instances: 'abc' is not "
                "a whole number " NUM_DOC);
    parse_fails("min_instances=", "option min_instances: '' is not "
                "a whole number " NUM_DOC);
    parse_fails("min_instances=-1", "option min_instances: '-1' is not "
                "a whole number " NUM_DOC);
    parse_fails("min_instances=+1", "option min_instances: '+1' is not "
                "a whole number " NUM_DOC);
    parse_fails("top=1e6", "option top: '1e6' is not a whole number "
                NUM_DOC);
    parse_fails("top=12abc", "option top: '12abc' is not a whole number "
                NUM_DOC);
    parse_fails("top=0x10", "option top: '0x10' is not a whole number "
                NUM_DOC);
    parse_fails("top=1 2", "option top: '1 2' is not a whole number "
                NUM_DOC);
    parse_fails("top=2.5", "option top: '2.5' is not a whole number "
                NUM_DOC);
}
END_TEST

START_TEST(test_number_overflow)
{
    parse_fails("min_instances=1000000000001", "option min_instances: "
                "'1000000000001' is too large " NUM_DOC);
    /* 2**64 + 1: must not wrap around to a small number. */
    parse_fails("top=18446744073709551617", "option top: "
                "'18446744073709551617' is too large " NUM_DOC);
    /* Junk after too many digits is still junk. */
    parse_fails("top=99999999999999999999x", "option top: "
                "'99999999999999999999x' is not a whole number " NUM_DOC);
}
END_TEST

START_TEST(test_bad_paths)
{
    parse_fails("output=", "option output: the path is empty "
                "(accepted: " PATH_DOC ")");
    parse_fails("output=  ", "option output: the path is empty "
                "(accepted: " PATH_DOC ")");
    parse_fails("output=/tmp/r-%x.json", "option output: '%x' in "
                "'/tmp/r-%x.json' is not a known escape "
                "(accepted: " PATH_DOC ")");
    parse_fails("output=/tmp/r-%P.json", "option output: '%P' in "
                "'/tmp/r-%P.json' is not a known escape "
                "(accepted: " PATH_DOC ")");
    parse_fails("output=/tmp/r%", "option output: '/tmp/r%' ends with a "
                "lone '%' (accepted: " PATH_DOC ")");
    /* "%%" is one escape: the following 'x' is plain text, but the
     * last '%' is alone. */
    parse_ok("output=a%%x");
    parse_fails("output=a%%%", "option output: 'a%%%' ends with a lone "
                "'%' (accepted: " PATH_DOC ")");
    parse_fails("text=", "option text: '' is not accepted "
                "(accepted: stderr, none, or " PATH_DOC ")");
    parse_fails("text=/tmp/%t", "option text: '%t' in '/tmp/%t' is not a "
                "known escape (accepted: " PATH_DOC ")");
}
END_TEST

START_TEST(test_path_too_long)
{
    static char s[SP_PATH_MAX + 16];
    char want[200];

    strcpy(s, "output=");
    memset(s + 7, 'a', SP_PATH_MAX);
    s[7 + SP_PATH_MAX] = '\0';
    snprintf(want, sizeof(want), "option output: the path is %d bytes "
             "long (accepted: at most %d bytes)", SP_PATH_MAX,
             SP_PATH_MAX - 1);
    parse_fails(s, want);

    strcpy(s, "text=");
    memset(s + 5, 'b', SP_PATH_MAX + 5);
    s[5 + SP_PATH_MAX + 5] = '\0';
    snprintf(want, sizeof(want), "option text: the path is %d bytes "
             "long (accepted: at most %d bytes)", SP_PATH_MAX + 5,
             SP_PATH_MAX - 1);
    parse_fails(s, want);
}
END_TEST

START_TEST(test_failure_leaves_cfg_alone)
{
    sp_config_defaults(&cfg);
    cfg.top = 42;
    strcpy(cfg.output, "/keep");
    ck_assert(!sp_config_parse("top=1,output=/new,bogus=1", &cfg, err,
                               sizeof(err)));
    ck_assert_uint_eq(cfg.top, 42);
    ck_assert_str_eq(cfg.output, "/keep");
}
END_TEST

START_TEST(test_small_error_buffer)
{
    char small[8];

    sp_config_defaults(&cfg);
    ck_assert(!sp_config_parse("foo=1", &cfg, small, sizeof(small)));
    ck_assert_str_eq(small, "unknown");
    /* No buffer at all: still a clean failure. */
    ck_assert(!sp_config_parse("foo=1", &cfg, NULL, 0));
    ck_assert(!sp_config_parse("foo=1", &cfg, small, 0));
}
END_TEST

/* ------------------------------------------------------------ %p */

/* Path variables: pid p, session "S1", snapshot 3. */
#define V(p) (&(struct sp_path_vars){.pid = (p), .session = "S1", \
                                     .snapshot = 3})

START_TEST(test_expand_path)
{
    char out[64];

    ck_assert(sp_config_expand_path("/tmp/r-%p.json", V(1234), out,
                                    sizeof(out)));
    ck_assert_str_eq(out, "/tmp/r-1234.json");
    ck_assert(sp_config_expand_path("%p/%p", V(7), out, sizeof(out)));
    ck_assert_str_eq(out, "7/7");
    ck_assert(sp_config_expand_path("100%%-%%p", V(7), out, sizeof(out)));
    ck_assert_str_eq(out, "100%-%p");
    ck_assert(sp_config_expand_path("plain", V(7), out, sizeof(out)));
    ck_assert_str_eq(out, "plain");
    ck_assert(sp_config_expand_path("", V(7), out, sizeof(out)));
    ck_assert_str_eq(out, "");
    ck_assert(sp_config_expand_path("r%p", V(4194304), out, sizeof(out)));
    ck_assert_str_eq(out, "r4194304");
}
END_TEST

START_TEST(test_expand_path_fit)
{
    char out[8];

    /* "r-12345" and its NUL fill out exactly. */
    ck_assert(sp_config_expand_path("r-%p", V(12345), out, sizeof(out)));
    ck_assert_str_eq(out, "r-12345");
    ck_assert(!sp_config_expand_path("r-%p", V(123456), out, sizeof(out)));
    ck_assert(!sp_config_expand_path("abcdefgh", V(1), out, sizeof(out)));
    ck_assert(sp_config_expand_path("abcdefg", V(1), out, sizeof(out)));
    ck_assert(!sp_config_expand_path("", V(1), out, 0));
}
END_TEST

START_TEST(test_expand_path_bad_escape)
{
    char out[64];

    ck_assert(!sp_config_expand_path("r-%x", V(1), out, sizeof(out)));
    ck_assert(!sp_config_expand_path("r-%", V(1), out, sizeof(out)));
}
END_TEST

START_TEST(test_expand_session_snapshot)
{
    char out[64];
    struct sp_path_vars v = {.pid = 42, .session = "20261122T060702-41",
                             .snapshot = 17};

    ck_assert(sp_config_expand_path("/r/%s/%p-%n.json", &v, out,
                                    sizeof(out)));
    ck_assert_str_eq(out, "/r/20261122T060702-41/42-17.json");
    v.session = NULL;
    ck_assert(sp_config_expand_path("a%sb", &v, out, sizeof(out)));
    ck_assert_str_eq(out, "ab");
    ck_assert(sp_config_expand_path("%%s%%n", &v, out, sizeof(out)));
    ck_assert_str_eq(out, "%s%n");
}
END_TEST

START_TEST(test_parse_session_escapes)
{

    ck_assert(sp_config_parse("output=/r/%s-%p-%n.json,text=/r/%s.txt",
                              &cfg, err, sizeof(err)));
    ck_assert_str_eq(cfg.output, "/r/%s-%p-%n.json");
    ck_assert_str_eq(cfg.text_path, "/r/%s.txt");
    ck_assert(!sp_config_parse("output=/r/%t", &cfg, err, sizeof(err)));
    ck_assert_str_eq(err, "option output: '%t' in '/r/%t' is not a known "
                     "escape (accepted: a file path, where %p is the pid, "
                     "%s the session, %n the snapshot number and %% a %)");
}
END_TEST

/* ------------------------------------------------------------ sampling */

START_TEST(test_durations)
{
    static const struct {
        const char *opt;
        uint64_t us;
    } ok[] = {
        {"interval=1s", 1000000},       {"interval=1", 1000000},
        {"interval=250ms", 250000},     {"interval=1.5s", 1500000},
        {"interval=0.01", 10000},       {"interval=10ms", 10000},
        {"interval=2m", 120000000},     {"interval=24h", 86400000000u},
        {"interval= 3s ", 3000000},     {"interval=10000us", 10000},
        {"interval=0.000001h", 3600},   /* below 10 ms: see bad[] */
    };

    for (size_t i = 0; i + 1 < SP_ARRAY_LEN(ok); i++) {
        ck_assert_msg(sp_config_parse(ok[i].opt, &cfg, err, sizeof(err)),
                      "%s: %s", ok[i].opt, err);
        ck_assert_uint_eq(cfg.interval_us, ok[i].us);
        ck_assert(sp_config_sampling(&cfg));
    }
    ck_assert(sp_config_parse("max_pause=1us", &cfg, err, sizeof(err)));
    ck_assert_uint_eq(cfg.max_pause_us, 1);
    ck_assert(!sp_config_sampling(&cfg));   /* max_pause alone: exit only */
    ck_assert(sp_config_parse("max_pause=0.0005s", &cfg, err, sizeof(err)));
    ck_assert_uint_eq(cfg.max_pause_us, 500);
}
END_TEST

START_TEST(test_bad_durations)
{
    static const struct {
        const char *opt;
        const char *err;
    } bad[] = {
        {"interval=9ms", "option interval: '9ms' is out of range "
                         "(accepted: 10ms to 24h)"},
        {"interval=0.000001h", "option interval: '0.000001h' is out of "
                               "range (accepted: 10ms to 24h)"},
        {"interval=25h", "option interval: '25h' is out of range "
                         "(accepted: 10ms to 24h)"},
        {"interval=99999999999999999999s", "option interval: "
         "'99999999999999999999s' is out of range (accepted: 10ms to 24h)"},
        {"interval=1sec", "option interval: '1sec' is not a duration "
         "(accepted: a number and a unit, us, ms, s, m or h, e.g. 500ms "
         "or 1.5s)"},
        {"interval=", "option interval: '' is not a duration (accepted: a "
         "number and a unit, us, ms, s, m or h, e.g. 500ms or 1.5s)"},
        {"interval=.s", "option interval: '.s' is not a duration "
         "(accepted: a number and a unit, us, ms, s, m or h, e.g. 500ms "
         "or 1.5s)"},
        {"interval=-1s", "option interval: '-1s' is not a duration "
         "(accepted: a number and a unit, us, ms, s, m or h, e.g. 500ms "
         "or 1.5s)"},
        {"interval=1.0000001s", "option interval: '1.0000001s' is not a "
         "duration (accepted: a number and a unit, us, ms, s, m or h, e.g. "
         "500ms or 1.5s)"},
        {"max_pause=0", "option max_pause: '0' is out of range (accepted: "
                        "1us to 24h)"},
        {"interval", "option interval has no value (write interval=VALUE "
                     "in SLOTPROF_OPTIONS)"},
    };

    for (size_t i = 0; i < SP_ARRAY_LEN(bad); i++) {
        ck_assert_msg(!sp_config_parse(bad[i].opt, &cfg, err, sizeof(err)),
                      "%s accepted", bad[i].opt);
        ck_assert_str_eq(err, bad[i].err);
    }
}
END_TEST

START_TEST(test_signals)
{
    static const struct {
        const char *opt;
        int sig;
        const char *name;
    } ok[] = {
        {"signal=USR2", SIGUSR2, "SIGUSR2"},
        {"signal=sigusr1", SIGUSR1, "SIGUSR1"},
        {"signal=SigHup", SIGHUP, "SIGHUP"},
        {"signal=WINCH", SIGWINCH, "SIGWINCH"},
        {"signal=RTMIN", 0, "SIGRTMIN"},
        {"signal=SIGRTMIN+3", 3, "SIGRTMIN+3"},
    };

    for (size_t i = 0; i < SP_ARRAY_LEN(ok); i++) {
        ck_assert_msg(sp_config_parse(ok[i].opt, &cfg, err, sizeof(err)),
                      "%s: %s", ok[i].opt, err);
        int want = strncmp(ok[i].name, "SIGRTMIN", 8) == 0
                       ? SIGRTMIN + ok[i].sig : ok[i].sig;
        ck_assert_int_eq(cfg.signal, want);
        ck_assert_str_eq(cfg.signal_name, ok[i].name);
        ck_assert(sp_config_sampling(&cfg));
    }
    static const char *const bad[] = {"signal=TERM", "signal=SIGINT",
                                      "signal=KILL", "signal=10",
                                      "signal=RTMIN+99", "signal=RTMIN-1",
                                      "signal=", "signal=SIG",
                                      "signal=USR1X"};
    for (size_t i = 0; i < SP_ARRAY_LEN(bad); i++) {
        ck_assert_msg(!sp_config_parse(bad[i], &cfg, err, sizeof(err)),
                      "%s accepted", bad[i]);
        ck_assert_msg(strstr(err, "is not a signal slotprof can use "
                                  "(accepted: USR1, USR2, HUP, WINCH or "
                                  "RTMIN+N, with or without SIG)") != NULL,
                      "%s", err);
    }
}
END_TEST

START_TEST(test_dormant)
{

    ck_assert(sp_config_parse("dormant", &cfg, err, sizeof(err)));
    ck_assert(cfg.dormant);
    ck_assert(sp_config_sampling(&cfg));
    ck_assert(sp_config_parse("dormant=no", &cfg, err, sizeof(err)));
    ck_assert(!cfg.dormant);
    ck_assert(!sp_config_sampling(&cfg));
    ck_assert(sp_config_parse(" dormant , signal=USR1", &cfg, err,
                              sizeof(err)));
    ck_assert(cfg.dormant);
    /* "dormant=" with nothing after it is a typo, not a yes. */
    cfg.dormant = false;
    ck_assert(!sp_config_parse("dormant=", &cfg, err, sizeof(err)));
    ck_assert(!cfg.dormant);
    ck_assert_str_eq(err, "option dormant: '' is not accepted "
                     "(accepted: dormant alone, or "
                     "dormant=yes/no/1/0/true/false/on/off)");
    ck_assert(!sp_config_parse("allocs= ", &cfg, err, sizeof(err)));
    ck_assert(!sp_config_parse("dormant=maybe", &cfg, err, sizeof(err)));
    ck_assert_str_eq(err, "option dormant: 'maybe' is not accepted "
                     "(accepted: dormant alone, or "
                     "dormant=yes/no/1/0/true/false/on/off)");
    /* Defaults: no sampling. */
    ck_assert(sp_config_parse("", &cfg, err, sizeof(err)));
    ck_assert(!sp_config_sampling(&cfg));
    ck_assert_uint_eq(cfg.interval_us, 0);
    ck_assert_int_eq(cfg.signal, 0);
    ck_assert_uint_eq(cfg.max_pause_us, 0);
}
END_TEST

static Suite *
config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("parse");

    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_null_and_empty_give_defaults);
    tcase_add_test(tc, test_parse_starts_from_defaults);
    tcase_add_test(tc, test_output);
    tcase_add_test(tc, test_text);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_all_keys_together);
    tcase_add_test(tc, test_whitespace_trimmed);
    tcase_add_test(tc, test_empty_items_ignored);
    tcase_add_test(tc, test_last_duplicate_wins);
    tcase_add_test(tc, test_longest_path_fits);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_unknown_key);
    tcase_add_test(tc, test_future_keys_rejected_today);
    tcase_add_test(tc, test_alloc_options);
    tcase_add_test(tc, test_unknown_key_quoted_safely);
    tcase_add_test(tc, test_mine);
    tcase_add_test(tc, test_missing_value);
    tcase_add_test(tc, test_bad_numbers);
    tcase_add_test(tc, test_number_overflow);
    tcase_add_test(tc, test_bad_paths);
    tcase_add_test(tc, test_path_too_long);
    tcase_add_test(tc, test_failure_leaves_cfg_alone);
    tcase_add_test(tc, test_small_error_buffer);
    suite_add_tcase(s, tc);

    tc = tcase_create("expand");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_expand_path);
    tcase_add_test(tc, test_expand_path_fit);
    tcase_add_test(tc, test_expand_path_bad_escape);
    tcase_add_test(tc, test_expand_session_snapshot);
    tcase_add_test(tc, test_parse_session_escapes);
    tcase_add_test(tc, test_durations);
    tcase_add_test(tc, test_bad_durations);
    tcase_add_test(tc, test_signals);
    tcase_add_test(tc, test_dormant);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(config_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
