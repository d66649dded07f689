"""Web pages: each handout and quiz version as a self-contained, accessible HTML page.

``osteo-print build --format html`` writes ``DOCUMENT_AUDIENCE_LANG.html`` (a quiz:
``QUIZ_AUDIENCE_LANG_VERSION.html``) and one ``assets/`` folder beside them, which every
page links to by relative URLs: the fonts, the stylesheet, the script and the logo.
The folder works offline, zipped, or on any web server. Pages are rendered with Jinja
only (no WeasyPrint): ``templates/web/``, the block templates (which see
``medium == "web"``), and the project's own overrides, as for print.
"""

from osteo_print.web.assets import ASSETS, web_assets
from osteo_print.web.render import render_web

__all__ = ["ASSETS", "render_web", "web_assets"]
