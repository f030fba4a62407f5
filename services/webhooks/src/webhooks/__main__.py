"""python -m webhooks api | consume | dispatch"""

import sys

from pikit.service import main
from webhooks.secretbox import SecretKeyError
from webhooks.service import api_app, consumer_app, dispatcher_app
from webhooks.settings import WebhooksSettings


def refusing_to_start(factory):
    """A missing or malformed WEBHOOKS_SECRET_KEYS ends the process with the reason alone (no traceback)."""
    def build():
        try:
            return factory()
        except SecretKeyError as exc:
            raise SystemExit(f"webhooks does not start: {exc}") from None
    return build


if __name__ == "__main__":
    settings = WebhooksSettings()
    main("webhooks", {"api": (refusing_to_start(api_app), settings.port),
                      "consume": (consumer_app, settings.health_port),
                      "dispatch": (refusing_to_start(dispatcher_app), settings.dispatch_health_port)}, sys.argv)
