"""python -m import_worker [consume]"""

import sys

from import_worker.service import consumer_app
from import_worker.settings import WorkerSettings
from pikit.service import main

if __name__ == "__main__":
    main("import-worker", {"consume": (consumer_app, WorkerSettings().health_port)}, sys.argv)
