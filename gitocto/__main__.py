from gitocto.cli import main

raise SystemExit(main())
