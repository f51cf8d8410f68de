"""The app heap behind Instance.module_malloc (WAMR's module_malloc)."""


class AppHeap:
    """The app heap behind module_malloc: pages appended to memory 0 at
    instantiation, managed first-fit with 8-byte alignment. Its bookkeeping
    lives on the host side, out of the guest's reach; only the embedder
    allocates from it, so it grows with the embedder's calls, not the
    guest's."""

    ALIGN = 8

    def __init__(self, base, size):
        self.free_list = [[base, size]]   # sorted [offset, size]
        self.used = {}

    @classmethod
    def reserve(cls, inst, heap_size):
        """Grow memory 0 by enough pages; None when it has no memory or
        cannot grow (module_malloc then falls back to the module's malloc)."""
        mem = inst.memory()
        if mem is None:
            return None
        pages = (heap_size + 65535) // 65536
        old = mem.grow(pages)
        if old < 0:
            return None
        base = old * 65536
        if base == 0:   # keep offset 0 free: it means failure
            return cls(8, pages * 65536 - 8)
        return cls(base, pages * 65536)

    def alloc(self, size):
        need = max(self.ALIGN, (size + self.ALIGN - 1) // self.ALIGN * self.ALIGN)
        for i, blk in enumerate(self.free_list):
            off, avail = blk
            if avail >= need:
                if avail == need:
                    del self.free_list[i]
                else:
                    blk[0] = off + need
                    blk[1] = avail - need
                self.used[off] = need
                return off
        return 0

    def free(self, off):
        size = self.used.pop(off, None)
        if size is None:
            return
        fl = self.free_list
        i = 0
        while i < len(fl) and fl[i][0] < off:
            i += 1
        fl.insert(i, [off, size])
        if i + 1 < len(fl) and off + size == fl[i + 1][0]:
            fl[i][1] += fl[i + 1][1]
            del fl[i + 1]
        if i > 0 and fl[i - 1][0] + fl[i - 1][1] == off:
            fl[i - 1][1] += fl[i][1]
            del fl[i]
