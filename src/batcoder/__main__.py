"""``python -m batcoder`` (and ``accelerate launch -m batcoder train ...``) runs the ``batcoder`` command."""

import sys

from batcoder.cli import main

sys.exit(main())
