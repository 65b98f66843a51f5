/*
 * pystr.c -- Python strings and dicts read without running Python code.
 *
 * A census runs inside gc callbacks with borrowed pointers: encoding a
 * str through a codec would allocate in the host's heap (and could
 * cache a UTF-8 copy in the object), and looking a key up by hash would
 * call a str subclass's __hash__/__eq__.  So strings are encoded here,
 * from their canonical form, into the profiler's heap, and dicts are
 * walked with PyDict_Next comparing exact str keys.
 *
 * One policy for names that are not valid UTF-8, used by every report
 * section (classes, allocation sites, slotted classes), so one class has
 * one name everywhere: a lone surrogate is written as the six characters
 * \udcXX and NUL as \x00 -- recognizable, never merged with another name.
 * GIL held.
 */
#include "pyapi.h"

#include <string.h>             /* memcmp, strlen */

bool
sp_py_put_utf8(struct sp_buf *b, PyObject *s)
{
    if (s == NULL || !PyUnicode_Check(s) || !sp_unicode_ready(s)) {
        return false;
    }
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        char u[4];
        if (c == 0) {
            sp_buf_puts(b, "\\x00");
        }
        else if (c < 0x80) {
            u[0] = (char)c;
            sp_buf_append(b, u, 1);
        }
        else if (c < 0x800) {
            u[0] = (char)(0xc0 | (c >> 6));
            u[1] = (char)(0x80 | (c & 0x3f));
            sp_buf_append(b, u, 2);
        }
        else if (c >= 0xd800 && c <= 0xdfff) {
            sp_buf_printf(b, "\\u%04x", (unsigned)c);
        }
        else if (c < 0x10000) {
            u[0] = (char)(0xe0 | (c >> 12));
            u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
            u[2] = (char)(0x80 | (c & 0x3f));
            sp_buf_append(b, u, 3);
        }
        else {
            u[0] = (char)(0xf0 | (c >> 18));
            u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
            u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
            u[3] = (char)(0x80 | (c & 0x3f));
            sp_buf_append(b, u, 4);
        }
    }
    return true;
}

char *
sp_py_utf8(PyObject *s)
{
    struct sp_buf b;
    sp_buf_init(&b);
    sp_buf_append(&b, "", 0);
    if (!sp_py_put_utf8(&b, s) || !sp_buf_ok(&b)) {
        sp_buf_free(&b);
        return NULL;
    }
    return b.data;      /* the buffer's memory is the string */
}

PyObject *
sp_py_dict_get(PyObject *dict, const char *name)
{
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    size_t n = strlen(name);
    if (dict == NULL || !PyDict_Check(dict)) {
        return NULL;
    }
    while (PyDict_Next(dict, &pos, &k, &v)) {
        if (PyUnicode_CheckExact(k) && sp_unicode_ready(k)
            && PyUnicode_KIND(k) == PyUnicode_1BYTE_KIND
            && (size_t)PyUnicode_GET_LENGTH(k) == n
            && memcmp(PyUnicode_DATA(k), name, n) == 0) {
            return v;
        }
    }
    return NULL;
}
