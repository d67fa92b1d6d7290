"""A map of the stations drawn as SVG on the server: no tiles or scripts from the internet, so
it works on an intranet; the same stations are listed in text beside it."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

# Xihu District's extent, as in the opinions module's check of map points.
BOUNDS = {"lat": (30.05, 30.40), "lng": (119.95, 120.20)}
WIDTH, HEIGHT = 320, 440


def station_map(stations) -> str:
    points = [s for s in stations if s.latitude is not None and s.longitude is not None]
    (lat0, lat1), (lng0, lng1) = BOUNDS["lat"], BOUNDS["lng"]

    def xy(s):
        x = (float(s.longitude) - lng0) / (lng1 - lng0) * WIDTH
        y = (lat1 - float(s.latitude)) / (lat1 - lat0) * HEIGHT
        return round(x, 1), round(y, 1)

    # The dots are not links: an image must not hold focusable parts; the list beside the map
    # links every station.
    dots = format_html_join("", (
        '<circle cx="{}" cy="{}" r="7" class="map-dot {}"><title>{}</title></circle>'), (
        (*xy(s), s.kind, str(s)) for s in points))
    return format_html(
        '<svg viewBox="0 0 {} {}" class="station-map" role="img" aria-labelledby="map-title">'
        '<title id="map-title">{}</title><rect width="100%" height="100%" class="map-ground"/>'
        '{}</svg>', WIDTH, HEIGHT, _("Map of the liaison stations (%(n)d)") % {"n": len(points)},
        dots)
