# gdb Python script: make oneDNN's platform::get_per_core_cache_size(level) return SPOOF_VALUE
# (default 1 byte, what oneDNN 3.7.x's Xbyak reports when CPUID leaf 0x8000001D is all zeros)
# for the levels in SPOOF_LEVELS (default "1,2,3"). Used to inject the faulty cache sizes into a
# build that detects caches correctly (e.g. torch 2.13 / oneDNN 3.12) on any x86 machine.
#   gdb -q -batch -x spoof_cache.gdb.py --args python3 repro_conv.py ...
# SPOOF_CALLER=substring spoofs only calls from functions whose name contains it (e.g.
# jit_uni_reorder_t); SPOOF_LIST_CALLERS=1 lists the calling functions at exit. Needs the
# libtorch_cpu.so symbol table (the torch 2.13 wheel and DJL's libtorch 2.7.1 have it). Every
# primitive creation stops in gdb, so keep to single cases: a full --sweep took over 20 minutes.
import os
import gdb

LEVELS = {int(x) for x in os.environ.get("SPOOF_LEVELS", "1,2,3").split(",") if x}
VALUE = int(os.environ.get("SPOOF_VALUE", "1"))
# Optional: only spoof calls whose calling function's name contains this string.
CALLER = os.environ.get("SPOOF_CALLER", "")
hits = {}
callers = {}


class Ret(gdb.FinishBreakpoint):
    def __init__(self, level, spoof):
        super().__init__(gdb.newest_frame(), internal=True)
        self.level = level
        self.spoof = spoof

    def stop(self):
        if self.spoof and self.level in LEVELS:
            gdb.execute(f"set $rax = {VALUE}")
        return False


class Entry(gdb.Breakpoint):
    def stop(self):
        level = int(gdb.parse_and_eval("$rdi")) & 0xFFFFFFFF
        hits[level] = hits.get(level, 0) + 1
        older = gdb.newest_frame().older()
        caller = (older.name() or hex(older.pc())) if older else "?"
        key = (level, caller[:150])
        callers[key] = callers.get(key, 0) + 1
        Ret(level, CALLER in caller)
        return False


gdb.execute("set pagination off")
gdb.execute("set breakpoint pending on")
gdb.execute("handle SIGSEGV nostop noprint pass")
Entry("dnnl::impl::cpu::platform::get_per_core_cache_size", internal=True)
gdb.execute("run")
print(f"[spoof_cache] levels {sorted(LEVELS)} -> {VALUE} bytes (callers matching {CALLER!r}); "
      f"calls per level: {hits}")
if os.environ.get("SPOOF_LIST_CALLERS"):
    for (lvl, c), k in sorted(callers.items()):
        print(f"[spoof_cache]   L{lvl} x{k}: {c}")
