"""Store limits: caps on what one Runtime's guests may make the host allocate.

After wasmtime's StoreLimits. A ``StoreLimits`` belongs to one store (one
Runtime); memories, tables and instances consult it as they are created and
grown, and give their share back when released:

- ``max_memory_size``  bytes one linear memory may reach (None: only the
  memory's own maximum and the backing store bound it);
- ``max_table_elements``  elements one table may hold;
- ``max_total_table_elements``  elements all live tables of the store may
  hold together (a module with many tables cannot add up to the host's RAM);
- ``max_instances``, ``max_tables``, ``max_memories``  how many live module
  instances, tables and memories the store may hold.

Counts follow wasmtime: a table or memory counts where it is created (by a
module instance that defines it, or by the host), not where it is imported.
Over a count or a minimum, creation raises InstantiationError naming the
limit; over a size, memory.grow and table.grow return -1.
"""

from wasmbed.core import errors as E
from wasmbed.core.errors import InstantiationError


class StoreLimits:
    """The caps of one store (None: no cap) and what is live now.

    ``instances``, ``tables``, ``memories``, ``table_elements`` are the live
    counts.
    """

    def __init__(self, max_memory_size=None, max_table_elements=None,
                 max_total_table_elements=None, max_instances=None,
                 max_tables=None, max_memories=None):
        self.max_memory_size = max_memory_size
        self.max_table_elements = max_table_elements
        self.max_total_table_elements = max_total_table_elements
        self.max_instances = max_instances
        self.max_tables = max_tables
        self.max_memories = max_memories
        self.instances = 0
        self.tables = 0
        self.memories = 0
        self.table_elements = 0

    # -- memories ---------------------------------------------------------
    def memory_growing(self, new_bytes):
        """May a memory reach ``new_bytes``?"""
        mx = self.max_memory_size
        return mx is None or new_bytes <= mx

    def add_memory(self, min_bytes):
        """Count a new memory of ``min_bytes``. Raises InstantiationError."""
        if not self.memory_growing(min_bytes):
            raise InstantiationError(E.LIMIT_MEMORY_MIN % (
                min_bytes, self.max_memory_size))
        if self.max_memories is not None and self.memories >= self.max_memories:
            raise InstantiationError(E.LIMIT_MEMORIES % self.max_memories)
        self.memories += 1

    def remove_memory(self):
        self.memories -= 1

    # -- tables -----------------------------------------------------------
    def table_growing(self, old, new):
        """May a table of ``old`` elements hold ``new``?"""
        mx = self.max_table_elements
        if mx is not None and new > mx:
            return False
        tot = self.max_total_table_elements
        return tot is None or self.table_elements - old + new <= tot

    def add_table(self, n):
        """Count a new table of ``n`` elements. Raises InstantiationError."""
        mx = self.max_table_elements
        if mx is not None and n > mx:
            raise InstantiationError(E.LIMIT_TABLE_MIN % (n, mx))
        tot = self.max_total_table_elements
        if tot is not None and self.table_elements + n > tot:
            raise InstantiationError(E.LIMIT_TABLE_TOTAL % (
                self.table_elements + n, tot))
        if self.max_tables is not None and self.tables >= self.max_tables:
            raise InstantiationError(E.LIMIT_TABLES % self.max_tables)
        self.tables += 1
        self.table_elements += n

    def table_resized(self, old, new):
        self.table_elements += new - old

    def remove_table(self, n):
        self.tables -= 1
        self.table_elements -= n

    # -- instances --------------------------------------------------------
    def add_instance(self):
        """Count a new module instance. Raises InstantiationError."""
        if self.max_instances is not None and self.instances >= self.max_instances:
            raise InstantiationError(E.LIMIT_INSTANCES % self.max_instances)
        self.instances += 1

    def remove_instance(self):
        self.instances -= 1
