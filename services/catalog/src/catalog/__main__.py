"""python -m catalog api | consume"""

import sys

from pikit.service import main
from catalog.service import api_app, consumer_app
from catalog.settings import CatalogSettings

if __name__ == "__main__":
    settings = CatalogSettings()
    main("catalog", {"api": (api_app, settings.port), "consume": (consumer_app, settings.health_port)}, sys.argv)
