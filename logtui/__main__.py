"""`python -m logtui`: the same CLI as the `logtui` command."""

import sys

from .cli import main

sys.exit(main())
