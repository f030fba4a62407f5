"""python -m accounts api | consume | create-api-key | add-user | reset-password | first-admin"""

import sys

from accounts import cli
from accounts.service import api_app, consumer_app
from accounts.settings import AccountsSettings
from pikit.service import main

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] not in ("api", "consume"):
        sys.exit(cli.main(sys.argv[1:]))
    settings = AccountsSettings()
    main("accounts", {"api": (api_app, settings.port), "consume": (consumer_app, settings.health_port)}, sys.argv)
