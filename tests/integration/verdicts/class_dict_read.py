"""class_dict_read: code that reads the class namespace, as docutils'
Inliner.init_customizations does (`args = locals().copy();
args.update(vars(self.__class__))`, then `'%(name)s' % args`).

    class_dict_read.py      path A
    class_dict_read.py B    path B: the narrow formatters too

__slots__ put a member descriptor for every slot name into the class
namespace, where it overrides the local of the same name: with
__slots__ = ('width', 'fill') the pattern becomes
"[<member 'fill' of 'Formatter' objects>]" -- no exception, other
output (in docutils: other regular expressions, other documents)."""
import sys


class Formatter:
    open_mark = "["                 # class constants, used by name
    close_mark = "]"

    def __init__(self, width):
        self.width = width
        self.fill = None

    def setup(self):
        fill = "-" * self.width
        args = locals().copy()
        args.update(vars(self.__class__))
        self.fill = fill
        return "%(open_mark)s%(fill)s%(close_mark)s" % args


formatters = [Formatter(3 + i % 4) for i in range(1000)]
patterns = set(f.setup() for f in formatters)
if len(sys.argv) > 1:
    patterns.add(Formatter(1).setup())
print("patterns:", sorted(patterns))
