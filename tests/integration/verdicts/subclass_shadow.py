"""subclass_shadow: a base class whose instances set `kind`, and a
subclass with a class default of the same name.

    subclass_shadow.py      path A: Kinds and SubKinds
    subclass_shadow.py B    path B: the same, and one SubKind renamed

Today Kind is "safe" (__slots__ = ('kind',)) and SubKind "blocked"
(class-variable).  Kind's plan alone holds: SubKind instances keep a
__dict__, where Kind.__init__'s `self.kind = ...` goes because
SubKind.kind, a plain class attribute, comes first in the MRO and is not
a data descriptor.  With SubKind's plan too (__slots__ = ()), making a
SubKind raises AttributeError ('SubKind' object attribute 'kind' is
read-only).  The test holds as long as no such pair is called safe."""
import sys


class Kind:
    def __init__(self, name):
        self.kind = name


class SubKind(Kind):
    kind = "sub"                    # class default, shadows Kind's slot


kinds = [Kind("k%d" % i) for i in range(1000)]
subs = [SubKind("s%d" % i) for i in range(300)]
if len(sys.argv) > 1:
    subs[0].kind = "renamed"
print("kinds:", len(kinds), len(subs), subs[0].kind)
