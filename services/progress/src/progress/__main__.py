"""python -m progress api | consume"""

import sys

from pikit.service import main
from progress.service import api_app, consumer_app
from progress.settings import ProgressSettings

if __name__ == "__main__":
    settings = ProgressSettings()
    main("progress", {"api": (api_app, settings.port), "consume": (consumer_app, settings.health_port)}, sys.argv)
