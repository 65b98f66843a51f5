"""Acid-test workload: PyYAML (the project's copy, pure Python: no
_yaml extension) composes and loads a generated document.

    yaml_run.py A     one large document: a list of 6,000 block
                      mappings with scalars and nested lists, composed;
                      the node graph stays alive until exit
    yaml_run.py B     another: several documents with anchors and
                      aliases, flow collections, block scalars, explicit
                      tags, quoted strings with escapes, comments

Prints the node counts by kind and a hash of every node's tag and
scalar value; B also loads the documents and prints the data dumped
back as YAML, hashed."""
import hashlib
import sys

import yaml



def doc_a():
    out = []
    for i in range(6000):
        out.append("- id: %d\n  name: item-%d\n  price: %d.%02d\n"
                   "  tags: [t%d, t%d]\n  active: %s\n"
                   % (i, i, i % 500, i % 100, i % 7, i % 11,
                      "true" if i % 3 else "false"))
    return "".join(out)


def doc_b():
    docs = []
    for d in range(30):
        out = ["# document %d" % d, "---",
               "base%d: &base%d {host: \"h%d\\tx\", port: %d}"
               % (d, d, d, 8000 + d),
               "derived%d:" % d, "  <<: *base%d" % d, "  extra: !!str %d" % d,
               "text%d: |" % d]
        out += ["  line %d of a literal block" % k for k in range(5)]
        out += ["folded%d: >" % d]
        out += ["  folded words %d" % k for k in range(5)]
        out += ["list%d:" % d]
        out += ["  - {k: %d, v: 'single ''quoted'' %d'}" % (k, k)
                for k in range(200)]
        out += ["  - *base%d" % d, "ints%d: !!seq [%s]"
                % (d, ", ".join(str(k) for k in range(50)))]
        docs.append("\n".join(out) + "\n")
    return "".join(docs)


def count(node, seen, kinds, h):
    if id(node) in seen:
        return
    seen.add(id(node))
    kinds[type(node).__name__] = kinds.get(type(node).__name__, 0) + 1
    h.update(node.tag.encode())
    if isinstance(node, yaml.ScalarNode):
        h.update(node.value.encode() + b"\0")
        h.update(b"%d:%d" % (node.start_mark.line, node.start_mark.column))
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            count(k, seen, kinds, h)
            count(v, seen, kinds, h)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            count(v, seen, kinds, h)


KEEP = []


def main(which):
    text = doc_a() if which == "A" else doc_b()
    nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    KEEP.append(nodes)
    kinds = {}
    seen = set()
    h = hashlib.sha256()
    for n in nodes:
        count(n, seen, kinds, h)
    print("yaml %s: %d bytes, %d documents, nodes %s, sha256 %s" % (
        which, len(text), len(nodes), sorted(kinds.items()),
        h.hexdigest()))
    if which == "A":
        return 0
    data = list(yaml.load_all(text, Loader=yaml.SafeLoader))
    dumped = yaml.dump_all(data, Dumper=yaml.SafeDumper, sort_keys=True)
    print("dump: %d bytes, sha256 %s" % (
        len(dumped), hashlib.sha256(dumped.encode()).hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
