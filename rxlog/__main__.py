from rxlog.cli import main

raise SystemExit(main())
