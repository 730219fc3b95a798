"""`make bench`: python -m benchmarks [--only NAME ...] runs every benchmark (see `benchmarks`)."""

import sys

from benchmarks import main

sys.exit(main())
