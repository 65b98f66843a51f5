/*
 * check_strbuf.c -- the growable string (profiler/strbuf.c): growth,
 * printf past its 256-byte fast path, and the JSON string escaping every
 * report depends on for validity.
 */
#include "internal.h"

#include <check.h>              /* Check */
#include <stdio.h>              /* snprintf */
#include <stdlib.h>             /* EXIT_SUCCESS, EXIT_FAILURE */
#include <string.h>             /* memcmp, memcpy, memset, strlen */

/* b holds exactly `want` (and its NUL). */
static void
assert_buf(const struct sp_buf *b, const char *want)
{
    ck_assert(sp_buf_ok(b));
    ck_assert_uint_eq(b->len, strlen(want));
    ck_assert_str_eq(b->data, want);
}

START_TEST(test_fmt_count)
{
    char out[32];
    sp_fmt_count(out, sizeof(out), 0);
    ck_assert_str_eq(out, "0");
    sp_fmt_count(out, sizeof(out), 999);
    ck_assert_str_eq(out, "999");
    sp_fmt_count(out, sizeof(out), 12000);
    ck_assert_str_eq(out, "12,000");
    sp_fmt_count(out, sizeof(out), 1234567);
    ck_assert_str_eq(out, "1,234,567");
    sp_fmt_count(out, sizeof(out), UINT64_MAX);
    ck_assert_str_eq(out, "18,446,744,073,709,551,615");
}
END_TEST

START_TEST(test_init_and_free)
{
    struct sp_buf b;

    sp_buf_init(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert(!b.failed);
    /* Nothing appended yet: there is no text to use. */
    ck_assert(!sp_buf_ok(&b));
    sp_buf_puts(&b, "");
    assert_buf(&b, "");
    sp_buf_free(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(test_growth)
{
    struct sp_buf b;
    static char want[10001];

    sp_buf_init(&b);
    for (int i = 0; i < 1000; i++) {
        sp_buf_append(&b, "abcdefghij", 10);
        memcpy(want + 10 * i, "abcdefghij", 10);
        ck_assert_uint_gt(b.cap, b.len);
        ck_assert_int_eq(b.data[b.len], '\0');
    }
    want[10000] = '\0';
    assert_buf(&b, want);
    sp_buf_free(&b);
}
END_TEST

START_TEST(test_append_embedded_nul)
{
    struct sp_buf b;

    sp_buf_init(&b);
    sp_buf_append(&b, "a\0b", 3);
    ck_assert_uint_eq(b.len, 3);
    ck_assert(memcmp(b.data, "a\0b", 4) == 0);
    sp_buf_free(&b);
}
END_TEST

START_TEST(test_puts_printf)
{
    struct sp_buf b;

    sp_buf_init(&b);
    sp_buf_puts(&b, "x=");
    sp_buf_printf(&b, "%d,%s", 42, "y");
    assert_buf(&b, "x=42,y");
    sp_buf_free(&b);
}
END_TEST

START_TEST(test_printf_large)
{
    struct sp_buf b;
    char big[1001], want[1100];

    memset(big, 'q', 1000);
    big[1000] = '\0';
    snprintf(want, sizeof(want), "<%s>%d", big, 7);

    sp_buf_init(&b);
    sp_buf_printf(&b, "<%s>%d", big, 7);
    assert_buf(&b, want);
    /* And after text is already there (no fast path, existing data). */
    sp_buf_printf(&b, "%s", big);
    ck_assert_uint_eq(b.len, strlen(want) + 1000);
    ck_assert(memcmp(b.data + strlen(want), big, 1000) == 0);
    ck_assert_int_eq(b.data[b.len], '\0');
    sp_buf_free(&b);
}
END_TEST

START_TEST(test_printf_boundaries)
{
    /* 255 bytes fit the stack buffer with the NUL; 256 do not. */
    for (size_t n = 254; n <= 258; n++) {
        struct sp_buf b;
        char s[300];
        memset(s, 'z', n);
        s[n] = '\0';
        sp_buf_init(&b);
        sp_buf_printf(&b, "%s", s);
        assert_buf(&b, s);
        sp_buf_free(&b);
    }
}
END_TEST

static void
assert_json(const char *in, const char *want)
{
    struct sp_buf b;

    sp_buf_init(&b);
    sp_buf_json_str(&b, in);
    assert_buf(&b, want);
    sp_buf_free(&b);
}

START_TEST(test_json_plain)
{
    assert_json("", "\"\"");
    assert_json("shop.Order", "\"shop.Order\"");
    /* '/' may be escaped in JSON but need not be. */
    assert_json("/tmp/a.py", "\"/tmp/a.py\"");
}
END_TEST

START_TEST(test_json_escapes)
{
    assert_json("say \"hi\"", "\"say \\\"hi\\\"\"");
    assert_json("a\\b", "\"a\\\\b\"");
    assert_json("l1\nl2\r\tx", "\"l1\\nl2\\r\\tx\"");
}
END_TEST

START_TEST(test_json_control_chars)
{
    assert_json("\x01", "\"\\u0001\"");
    assert_json("a\x1f" "b", "\"a\\u001fb\"");
    assert_json("\b\f", "\"\\u0008\\u000c\"");
    assert_json("\x1b[2J", "\"\\u001b[2J\"");
    /* DEL is not a control character for JSON. */
    assert_json("\x7f", "\"\x7f\"");
}
END_TEST

START_TEST(test_json_utf8_passes_through)
{
    /* é, €, U+1F600: bytes unchanged, never \u-escaped. */
    assert_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}
END_TEST

/* ------------------------------------------------------------ terminal */

static void
assert_clean(const char *in, const char *want)
{
    struct sp_buf b;
    char out[64];

    sp_buf_init(&b);
    sp_buf_put_clean(&b, in);
    sp_buf_append(&b, "", 0);
    ck_assert(sp_buf_ok(&b));
    ck_assert_str_eq(b.data, want);
    sp_buf_free(&b);
    ck_assert_uint_eq(sp_text_clean(out, sizeof(out), in), strlen(want));
    ck_assert_str_eq(out, want);
}

START_TEST(test_clean_controls)
{
    assert_clean("plain caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                 "plain caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* C0, DEL: one '?' each; a newline cannot start a second line. */
    assert_clean("a\nb\rc\x1b[2Jd\x7f", "a?b?c?[2Jd?");
    /* C1 controls as UTF-8 (U+0085 NEL, U+009B CSI): one '?' each. */
    assert_clean("x\xc2\x85y\xc2\x9b" "31m", "x?y?31m");
    /* U+00A0 is printable. */
    assert_clean("\xc2\xa0", "\xc2\xa0");
    /* Bytes that are not UTF-8: a lone 0x9b (CSI on 8-bit terminals),
     * a truncated sequence, an overlong form, a surrogate. */
    assert_clean("\x9b" "1m", "?1m");
    assert_clean("a\xe2\x82", "a??");
    assert_clean("\xc0\xaf", "??");
    assert_clean("\xed\xa0\x80", "???");
    assert_clean("", "");
}
END_TEST

START_TEST(test_clean_cut_at_character)
{
    char out[4];
    /* 3 bytes of room: "a" then a 3-byte character does not fit. */
    ck_assert_uint_eq(sp_text_clean(out, sizeof(out), "a\xe2\x82\xac"), 1);
    ck_assert_str_eq(out, "a");
    ck_assert_uint_eq(sp_text_clean(out, sizeof(out), "\n\n\n\n"), 3);
    ck_assert_str_eq(out, "???");
}
END_TEST

static Suite *
strbuf_suite(void)
{
    Suite *s = suite_create("strbuf");
    TCase *tc = tcase_create("buffer");

    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_init_and_free);
    tcase_add_test(tc, test_growth);
    tcase_add_test(tc, test_append_embedded_nul);
    tcase_add_test(tc, test_puts_printf);
    tcase_add_test(tc, test_printf_large);
    tcase_add_test(tc, test_printf_boundaries);
    suite_add_tcase(s, tc);

    tc = tcase_create("json");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_json_plain);
    tcase_add_test(tc, test_json_escapes);
    tcase_add_test(tc, test_json_control_chars);
    tcase_add_test(tc, test_json_utf8_passes_through);
    tcase_add_test(tc, test_fmt_count);
    suite_add_tcase(s, tc);

    tc = tcase_create("terminal");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_clean_controls);
    tcase_add_test(tc, test_clean_cut_at_character);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(strbuf_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
