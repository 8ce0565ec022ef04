import sys

from gastown.githooks.dispatch import main

sys.exit(main(sys.argv[1:]))
