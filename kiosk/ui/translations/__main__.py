from kiosk.ui.translations import main

raise SystemExit(main())
