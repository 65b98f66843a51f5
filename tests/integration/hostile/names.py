import sys
classes = []
def mk(qual, mod, attrs):
    C = type("C", (), {"__init__": lambda self: [setattr(self, a, 1) for a in attrs] and None})
    C.__qualname__ = qual
    C.__module__ = mod
    classes.append(C)
    return [C() for _ in range(150)]
keep = []
keep += mk("a." * 5000 + "Deep", "__main__", ["x"])
keep += mk("Ünïcødé.Klässe\u4e2d\u6587", "mödülé", ["ä", "b\u200b", "\U0001F600"])
keep += mk("ctl\x1b[2J\nname\t", "m\x00od", ["a\x00b", "\x7f", "q'uote\\"])
keep += mk("x" * 100000, "y" * 100000, ["z" * 50000])
keep += mk("", "", [""])
print("done")
