"""Bench workload: object churn with a growing heap.

Usage: objchurn.py [ROUNDS]

Each round creates batches of instances of several dict-carrying classes
(a small hierarchy, a class with a materialized __dict__, a class whose
instances get attributes in varying order, one with __slots__ for
contrast) wired into lists and dicts, drops most of them and keeps a
fraction alive, so the heap grows round after round and the collector
runs full collections along the way (which is when the library takes its
growth censuses).  Prints a deterministic summary.
"""

import sys


class Node:
    def __init__(self, key, parent):
        self.key = key
        self.parent = parent
        self.children = []
        self.weight = key % 17


class Leaf(Node):
    def __init__(self, key, parent):
        Node.__init__(self, key, parent)
        self.label = "leaf-%d" % (key % 1000)


class Record:
    def __init__(self, i):
        self.id = i
        self.name = "r%d" % (i % 5000)
        self.tags = ("a", "b") if i % 3 else ()
        self.score = i * 0.5
        self.extra = None


class Sparse:
    def __init__(self, i):
        # Attributes in data-dependent order and number: defeats key
        # sharing for some instances.
        if i % 2:
            self.b = i
            self.a = -i
        else:
            self.a = i
            self.b = -i
        if i % 5 == 0:
            self.c = str(i)


class Materialized:
    def __init__(self, i):
        self.x = i
        self.y = i + 1
        self.__dict__["z"] = i + 2
        vars(self)


class Slotted:
    __slots__ = ("u", "v")

    def __init__(self, i):
        self.u = i
        self.v = -i


def one_round(r, batch):
    root = Node(r, None)
    records = {}
    garbage = []
    for i in range(batch):
        key = r * batch + i
        leaf = Leaf(key, root) if i % 4 else Node(key, root)
        root.children.append(leaf)
        rec = Record(key)
        records[key] = rec
        garbage.append((Sparse(key), Materialized(key), Slotted(key)))
        if i % 16 == 0:
            # A reference cycle: only the collector frees it.
            leaf.children.append(leaf)
    total = sum(c.weight for c in root.children)
    total += sum(1 for rec in records.values() if rec.tags)
    # Keep one in eight of each kind alive past the round; the rest of
    # the round's objects (and its cycles) become garbage.
    children, root.children = root.children, []
    kept = (children[::8], [records[k] for k in sorted(records)[::8]],
            garbage[::8])
    return total, kept


def main(argv):
    rounds = int(argv[1]) if len(argv) > 1 else 40
    batch = 20000
    alive = []
    checksum = 0
    for r in range(rounds):
        total, kept = one_round(r, batch)
        checksum = (checksum * 31 + total) % 1000000007
        alive.append(kept)
    live = sum(len(k[0]) + len(k[1]) + len(k[2]) for k in alive)
    print("objchurn: %d rounds x %d, %d kept groups alive, checksum %d"
          % (rounds, batch, live, checksum))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
