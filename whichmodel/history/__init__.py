"""Prompt history in: files read whatever their encoding (``reading``), each line checked
(``records``), the whole file stored in one transaction or not at all (``importer``)."""
