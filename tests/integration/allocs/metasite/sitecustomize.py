class M(type):
    pass
class M2(M):
    def __new__(mcls, name, bases, ns):
        return super().__new__(mcls, name, bases, ns)
import builtins
builtins.M = M; builtins.M2 = M2
