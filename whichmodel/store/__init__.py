"""The database: one SQLite file per project (sqlite-utils), the only place with SQL.

``Store`` opens (and migrates) a file; its methods are every write (``database``) and
every read (``queries``) the rest of whichmodel makes.
"""

from whichmodel.store.database import Store, cache_key
from whichmodel.store.history import prompt_id
from whichmodel.store.migrations import MIGRATIONS, MIGRATIONS_TABLE

__all__ = ["MIGRATIONS", "MIGRATIONS_TABLE", "Store", "cache_key", "prompt_id"]
