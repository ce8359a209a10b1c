"""An HTML upload with what scraped pages carry (a title with markup characters, navigation,
styles, scripts, an image with an event handler, a line break), the text the old tag-stripping
reader made of it, and the article the service reads from it now (trafilatura, issue 25), by the
API, the web page's upload and the command line alike."""

from __future__ import annotations

HOSTILE_HTML = """<!doctype html><html><head><title>Flood &lt;warning&gt; report</title>
<style>p { color: red }</style><script>window.pwned = "script"</script></head>
<body><nav>Home | World</nav><h1>Flood report</h1>
<p>Heavy rain 🌧 flooded the <b>northern</b>   valley on Monday.<img src=x
onerror="window.pwned='img'"></p>
<pre>  Rain:  40 mm
  Wind:  60 km/h</pre>
<ul><li>Roads were closed<br>for three days.</li><li>Schools shut.<select><option>Pick
</option></select></li></ul><form><button>Subscribe</button></form></body></html>"""
HOSTILE_HTML_TITLE = "Flood <warning> report"
HOSTILE_HTML_TEXT = (
    "Home | World\n\nFlood report\n\n"
    "Heavy rain 🌧 flooded the northern valley on Monday.\n\n"
    "Rain:  40 mm\nWind:  60 km/h\n\n"
    "Roads were closed\nfor three days.\n\nSchools shut."
)
# What the service stores: the article without the navigation line; the page's <h1> is its title.
HOSTILE_HTML_ARTICLE = (
    "Heavy rain 🌧 flooded the northern valley on Monday.\n  Rain:  40 mm\n  Wind:  60 km/h"
)
HOSTILE_HTML_ARTICLE_TITLE = "Flood report"
