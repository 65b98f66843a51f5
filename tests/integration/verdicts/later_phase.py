"""later_phase: an attribute that appears only after the peak census.

    later_phase.py       path A
    later_phase.py B     path B: phase 2 gives every node a document

Phase 1 builds 100,000 Nodes, the collector off, then collects: a
gc-triggered census sees them all (the peak: the census the report
shows).  Phase 2 keeps 20,000 of them,
sets `node.document` on one in ten, and grows the process by a ballast of
bytes until a gc-triggered census has seen that (under the library: the
loop asks slotprof.stats() and stops as soon as a census ran; without it
the loop is one collection).  Phase 3 drops the nodes that carry a
document, so the exit census does not show it either.  A plan from the
census the report shows lacks 'document'; one from every census has it
(issue 9, item 2).  Output: the counts, the same on every run."""
import gc
import sys

try:
    import slotprof
except ImportError:
    slotprof = None

PHASE1 = 100000
PHASE2 = 20000


class Node:
    def __init__(self, i):
        self.index = i
        self.parent = None
        self.children = ()


class Weight:
    __slots__ = ()


class Document:
    def __init__(self, name):
        self.name = name


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def censuses():
    return slotprof.stats()["censuses"] if slotprof is not None else 0


def wait_for_census(before):
    """Collect until the library has taken a census (its budget allows one
    once the run has gone on long enough); at most a few seconds of work."""
    gc.collect()
    if slotprof is None:
        return
    for _ in range(400):
        if censuses() > before:
            return
        junk = [[k] for k in range(20000)]
        del junk
        gc.collect()


def main(path_b):
    # No collection while phase 1 grows, so one census sees all of it
    # (a census at every 10% of growth would spend the library's census
    # budget, and phase 2's census would wait for seconds).
    gc.disable()
    nodes = [Node(i) for i in range(PHASE1)]
    gc.enable()
    peak = rss()
    wait_for_census(censuses())
    keep = nodes[:PHASE2]
    del nodes
    doc = Document("doc")
    step = 1 if path_b else 10
    for n in keep[::step]:
        n.document = doc
    with_doc = sum(1 for n in keep if hasattr(n, "document"))
    # A gc census needs the process to have grown past every census so
    # far: 10% more counted instances alive (with allocation counting,
    # the default) or 10% more resident memory.  A ballast of both, a
    # quarter above phase 1: instances of a slotted class (not in the
    # report's classes) and bytes, touched (phase 1's memory may or may
    # not have gone back to the system).
    ballast = b"x" * max(peak + peak // 4 - rss(), 1 << 20)
    weights = [Weight() for _ in range(PHASE1 + PHASE1 // 4)]
    before = censuses()
    wait_for_census(before)
    del ballast, weights
    survivors = [n for n in keep if not hasattr(n, "document")]
    del keep
    print("phase 1: %d nodes; phase 2: %d nodes, %d with a document; "
          "survivors: %d" % (PHASE1, PHASE2, with_doc, len(survivors)))
    return survivors


KEEP = main(len(sys.argv) > 1)
