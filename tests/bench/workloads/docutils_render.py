"""Bench workload: docutils renders a large generated reST document.

Usage: docutils_render.py [SECTIONS]

Generates a deterministic reStructuredText document (SECTIONS sections,
each with paragraphs and inline markup, a bullet and an enumerated list,
a grid table, a simple table, a literal block, a definition list, a field
list, footnote and cross references), renders it to HTML5 with docutils
(Debian's python3-docutils, put on PYTHONPATH by the harness) and prints
the HTML's length and SHA-256 plus the node count of the doctree.  The
whole doctree is alive when it is written, so the heap grows to a few
hundred thousand objects.
"""

import hashlib
import sys

import docutils.core

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet "
         "kilo lima mike november oscar papa quebec romeo sierra tango "
         "uniform victor whiskey xray yankee zulu").split()


def words(seed, n):
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(n))


def section(i):
    title = "Section %d: %s" % (i, words(i, 3))
    out = [title, "=" * len(title), ""]
    out.append("This is *section* %d about **%s** with ``literal %d`` and a "
               "reference to `Section %d: %s`_ and a footnote [#f%d]_."
               % (i, words(i + 1, 2), i, max(i - 1, 0), words(max(i - 1, 0), 3),
                  i))
    out.append("")
    out.append(words(i + 2, 40))
    out.append("")
    for j in range(4):
        out.append("- item %d.%d %s" % (i, j, words(i + j, 5)))
    out.append("")
    for j in range(3):
        out.append("%d. step %s" % (j + 1, words(i * 3 + j, 4)))
    out.append("")
    border = "+" + "-" * 12 + "+" + "-" * 24 + "+" + "-" * 10 + "+"
    out.append(border)
    out.append("| %-10s | %-22s | %-8s |" % ("key", "value", "count"))
    out.append(border.replace("-", "="))
    for j in range(3):
        out.append("| %-10s | %-22s | %8d |"
                   % ("k%d_%d" % (i, j), words(i + j, 3)[:22], i * 10 + j))
        out.append(border)
    out.append("")
    out.append("=====  =====  ======")
    out.append("A      B      A or B")
    out.append("=====  =====  ======")
    for a in (0, 1):
        for b in (0, 1):
            out.append("%-5s  %-5s  %-6s" % (bool(a), bool(b), bool(a or b)))
    out.append("=====  =====  ======")
    out.append("")
    out.append("Example::")
    out.append("")
    out.append("    def f%d(x):" % i)
    out.append("        return x * %d" % i)
    out.append("")
    out.append("term %d" % i)
    out.append("    " + words(i + 5, 12))
    out.append("")
    out.append(":Author: %s" % words(i, 2))
    out.append(":Version: 1.%d" % i)
    out.append("")
    out.append(".. [#f%d] Footnote %d: %s" % (i, i, words(i + 9, 6)))
    out.append("")
    return out


def document(sections):
    lines = ["%s" % "Generated benchmark document", "#" * 28, "",
             ".. contents::", ""]
    for i in range(sections):
        lines.extend(section(i))
    return "\n".join(lines) + "\n"


def main(argv):
    sections = int(argv[1]) if len(argv) > 1 else 600
    source = document(sections)
    parts = docutils.core.publish_doctree(
        source, settings_overrides={"_disable_config": True,
                                    "report_level": 5})
    nodes = sum(1 for _ in parts.findall()) if hasattr(parts, "findall") \
        else sum(1 for _ in parts.traverse())
    html = docutils.core.publish_from_doctree(
        parts, writer_name="html5",
        settings_overrides={"_disable_config": True, "report_level": 5,
                            "embed_stylesheet": False})
    print("docutils: %d sections, %d source bytes, %d nodes"
          % (sections, len(source), nodes))
    print("html: %d bytes, sha256 %s"
          % (len(html), hashlib.sha256(html).hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
