from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage


class PlotlyFinder(BaseFinder):
    """Serves plotly.js from the plotly package itself, as vendor/plotly.min.js.

    No CDN and no vendored copy: the file comes with the pinned Python package, and collectstatic
    hashes and compresses it like our own static files.
    """

    name = "plotly.min.js"
    prefix = "vendor"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        folder = Path(plotly.__file__).parent / "package_data"
        self.source = folder / self.name
        self.storage = FileSystemStorage(location=folder)
        self.storage.prefix = self.prefix

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path == f"{self.prefix}/{self.name}":
            return [str(self.source)] if find_all else str(self.source)
        return []

    def list(self, ignore_patterns):
        yield self.name, self.storage
