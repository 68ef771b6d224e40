import sys

from audiogp.cli import main

sys.exit(main())
