import sys

from wasmbed.cli import main

sys.exit(main())
