"""``python -m whichmodel.cli``: the same as the ``whichmodel`` command."""

from whichmodel.cli import main

main()
