"""Acid-test workload: docutils (the project's copy) renders a generated
reStructuredText document to HTML5.

    docutils_run.py A     sections of paragraphs, inline markup, lists,
                          tables, literal blocks, definition and field
                          lists, internal references: no footnotes
    docutils_run.py B     another document: auto-numbered footnotes
                          ([#]_, [#label]_), auto-symbol footnotes,
                          citations, substitutions, admonitions, topics,
                          hyperlink targets, line blocks, option lists

Prints the node count of the doctree and the HTML's length and SHA-256.
The doctree stays alive while it is written."""
import hashlib
import sys

import docutils.core

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet "
         "kilo lima mike november oscar papa quebec romeo sierra tango "
         "uniform victor whiskey xray yankee zulu").split()


def words(seed, n):
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(n))


def title(text, ch):
    return [text, ch * len(text), ""]


def section_a(i):
    out = title("Section %d: %s" % (i, words(i, 3)), "=")
    out += ["This is *section* %d about **%s** with ``literal %d`` and a "
            "reference to `Section %d: %s`_." % (
                i, words(i + 1, 2), i, max(i - 1, 0),
                words(max(i - 1, 0), 3)), "", words(i + 2, 40), ""]
    out += ["- item %d.%d %s" % (i, j, words(i + j, 5)) for j in range(4)]
    out += [""] + ["%d. step %s" % (j + 1, words(i * 3 + j, 4))
                   for j in range(3)] + [""]
    border = "+" + "-" * 12 + "+" + "-" * 24 + "+"
    out += [border, "| %-10s | %-22s |" % ("key", "value"),
            border.replace("-", "=")]
    for j in range(3):
        out += ["| %-10s | %-22s |" % ("k%d_%d" % (i, j),
                                       words(i + j, 3)[:22]), border]
    out += ["", "Example::", "", "    def f%d(x):" % i,
            "        return x * %d" % i, "", "term %d" % i,
            "    " + words(i + 5, 12), "", ":Author: %s" % words(i, 2),
            ":Version: 1.%d" % i, ""]
    return out


def section_b(i):
    out = title("Chapter %d -- %s" % (i, words(i + 4, 2)), "-")
    out += ["Text with an auto-numbered footnote [#]_, a labelled one "
            "[#note%d]_, a symbol one [*]_, a citation [CIT%d]_ and a "
            "|sub%d| substitution; see target%d_." % (i, i, i, i), ""]
    out += [".. [#] Auto footnote %d: %s" % (i, words(i, 5)), "",
            ".. [#note%d] Labelled footnote: %s" % (i, words(i + 1, 4)), "",
            ".. [*] Symbol footnote %d." % i, "",
            ".. [CIT%d] Citation %s." % (i, words(i + 2, 3)), "",
            ".. |sub%d| replace:: replaced text %d" % (i, i), "",
            ".. _target%d: https://example.org/%d" % (i, i), "",
            ".. note::", "", "   A note: %s" % words(i + 3, 6), "",
            ".. warning:: Mind %s." % words(i, 2), "",
            ".. topic:: Topic %d" % i, "", "   " + words(i + 6, 10), "",
            "| line one %d" % i, "| line two %s" % words(i, 2), "",
            "-a            option a %d" % i,
            "--long=VALUE  option long", ""]
    return out


def document(which, sections):
    lines = title("Generated document %s" % which, "#")
    lines += [".. contents::", ""]
    for i in range(sections):
        lines += section_a(i) if which == "A" else section_b(i)
    return "\n".join(lines) + "\n"


def main(which):
    sections = 150 if which == "A" else 100
    source = document(which, sections)
    settings = {"_disable_config": True, "report_level": 5}
    tree = docutils.core.publish_doctree(source,
                                         settings_overrides=settings)
    nodes = sum(1 for _ in tree.findall())
    html = docutils.core.publish_from_doctree(
        tree, writer_name="html5",
        settings_overrides=dict(settings, embed_stylesheet=False))
    print("docutils %s: %d sections, %d source bytes, %d nodes"
          % (which, sections, len(source), nodes))
    print("html: %d bytes, sha256 %s" % (len(html),
                                         hashlib.sha256(html).hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
