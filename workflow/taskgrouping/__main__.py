from taskgrouping.cli import main

raise SystemExit(main())
