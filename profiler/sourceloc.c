/*
 * sourceloc.c -- find the line of a class statement in a source file.
 *
 * CPython records no definition line for a class before 3.13
 * (__firstlineno__), and asking `inspect` would run Python code inside
 * the host.  The qualname says where to look: "Outer.Inner" is a class
 * statement nested in another, "make.<locals>.Point" one inside a def.
 * We scan the file for each part in turn, each deeper than the last.
 * A plain text scan: a class statement inside a string literal could
 * fool it; the line is reported as a hint, never used for a decision.
 * Python-free; reads the file with open/read into the profiler's heap.
 */
#include "internal.h"

#include <fcntl.h>              /* open */
#include <sys/stat.h>           /* fstat, S_ISREG */
#include <string.h>             /* strncmp, strchr */
#include <unistd.h>             /* read, close */

#define MAX_SOURCE (16u << 20)

static char *
slurp(const char *path, size_t *len)
{
    /* A module's __file__ can be a FIFO or a terminal (python /dev/stdin):
     * never block on it, read regular files only. */
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = sp_malloc(cap + 1);
    while (buf != NULL) {
        if (n == cap) {
            if (cap >= MAX_SOURCE) {
                break;
            }
            char *nb = sp_realloc(buf, cap * 2 + 1);
            if (nb == NULL) {
                sp_free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k <= 0) {
            break;
        }
        n += (size_t)k;
    }
    close(fd);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* Indentation width of the line at p (tabs to multiples of 8, as the
 * tokenizer does), and where its text starts. */
static int
indent_of(const char *p, const char **text)
{
    int ind = 0;
    while (*p == ' ' || *p == '\t') {
        ind += *p == '\t' ? 8 - ind % 8 : 1;
        p++;
    }
    *text = p;
    return ind;
}

/* Skip one keyword and the blanks after it; NULL if not there. */
static const char *
keyword(const char *p, const char *kw)
{
    size_t kl = strlen(kw);
    if (strncmp(p, kw, kl) != 0 || (p[kl] != ' ' && p[kl] != '\t')) {
        return NULL;
    }
    p += kl;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

/* Does the text start with `class NAME` (or `def NAME` / `async def NAME`
 * when func) followed by '(' ':' or a blank? */
static bool
defines(const char *p, bool func, const char *name, size_t nlen)
{
    if (func) {
        const char *q = keyword(p, "async");
        p = keyword(q ? q : p, "def");
    }
    else {
        p = keyword(p, "class");
    }
    if (p == NULL || strncmp(p, name, nlen) != 0) {
        return false;
    }
    char after = p[nlen];
    return after == '(' || after == ':' || after == ' ' || after == '\t';
}

int
sp_sourceloc_class_line(const char *path, const char *qualname)
{
    size_t len;
    char *src = slurp(path, &len);
    if (src == NULL) {
        return 0;
    }
    const char *pos = src;      /* search from here */
    int lineno = 1;             /* line number at pos */
    int min_indent = 0;         /* a nested part must be indented more */
    int found = 0;
    const char *part = qualname;

    while (*part != '\0') {
        const char *dot = strchr(part, '.');
        size_t plen = dot ? (size_t)(dot - part) : strlen(part);
        const char *next = dot ? dot + 1 : part + plen;
        bool is_func = strncmp(next, "<locals>", 8) == 0;
        if (is_func) {
            next += 8;
            if (*next == '.') {
                next++;
            }
        }
        found = 0;
        for (const char *p = pos; *p != '\0';) {
            const char *eol = strchr(p, '\n');
            const char *text;
            int ind = indent_of(p, &text);
            bool blank = *text == '\n' || *text == '\0' || *text == '#';
            if (!blank && ind < min_indent) {
                break;          /* left the enclosing block */
            }
            if (!blank && defines(text, is_func, part, plen)) {
                found = lineno;
                min_indent = ind + 1;
                pos = eol ? eol + 1 : p + strlen(p);
                lineno++;
                break;
            }
            if (eol == NULL) {
                break;
            }
            p = eol + 1;
            lineno++;
        }
        if (found == 0) {
            break;
        }
        part = next;
    }
    sp_free(src);
    return found;
}
