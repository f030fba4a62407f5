"""python -m webhooks api | consume | dispatch"""

import sys

from pikit.service import main
from webhooks.service import api_app, consumer_app, dispatcher_app
from webhooks.settings import WebhooksSettings

if __name__ == "__main__":
    settings = WebhooksSettings()
    main("webhooks", {"api": (api_app, settings.port), "consume": (consumer_app, settings.health_port),
                      "dispatch": (dispatcher_app, settings.dispatch_health_port)}, sys.argv)
