from scrutiny.cli.main import main

raise SystemExit(main())
