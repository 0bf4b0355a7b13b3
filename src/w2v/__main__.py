"""``python -m w2v``: the same as the ``w2v`` command."""

import sys

from w2v.cli import main

if __name__ == "__main__":
    sys.exit(main())
