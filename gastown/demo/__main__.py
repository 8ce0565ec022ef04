from gastown.demo.run import main
from gastown.errors import error_handler

with error_handler("gastown.demo"):
    raise SystemExit(main())
