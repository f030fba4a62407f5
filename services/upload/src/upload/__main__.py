"""python -m upload api | consume"""

import sys

from pikit.service import main
from upload.service import api_app, consumer_app
from upload.settings import UploadSettings

if __name__ == "__main__":
    settings = UploadSettings()
    main("upload", {"api": (api_app, settings.port), "consume": (consumer_app, settings.health_port)}, sys.argv)
