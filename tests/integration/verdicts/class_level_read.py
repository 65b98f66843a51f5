"""class_level_read: a class default that code also reads through the
class (`Config.debug`).

    class_level_read.py      path A
    class_level_read.py B    path B: one instance sets `debug`

With the default left in the class body (today's plan) path B raises
AttributeError (read-only); with the default moved out of the body and
'debug' a slot, `Config.debug` is the slot's member descriptor: path A
prints "<member 'debug' of 'Config' objects>" instead of False."""
import sys


class Config:
    debug = False                   # default, also read as Config.debug

    def __init__(self, name):
        self.name = name
        self.size = 0


configs = [Config(str(i)) for i in range(1000)]
if len(sys.argv) > 1:
    configs[3].debug = True
print("class default:", Config.debug)
print("instances with debug:", sum(1 for c in configs if c.debug))
