"""What the preview server writes itself: the index page, and the script it adds to the
HTML pages it serves (never to the files on disk).

The script listens on ``/__events`` (Server-Sent Events). A page reloads when a build
changed its own file (or a file every page uses); the index reloads after every build.
The scroll position is kept across a reload (sessionStorage). While the last build
failed, a page shows its error in a banner, with the text the command line prints.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from osteo_print.serve.state import Snapshot

EVENTS = "/__events"
BANNER_ID = "osteo-print-serve-error"

CLIENT_JS = """(function () {
  "use strict";
  var cfg = %(config)s;
  var key = "osteo-print-serve:scroll:" + location.pathname;
  function restore() {
    var saved = null;
    try { saved = sessionStorage.getItem(key); sessionStorage.removeItem(key); }
    catch (e) { return; }
    if (!saved) return;
    var xy = saved.split(",");
    window.scrollTo(Number(xy[0]) || 0, Number(xy[1]) || 0);
  }
  if (document.readyState === "complete") restore();
  else window.addEventListener("load", restore);
  function reload() {
    try { sessionStorage.setItem(key, window.scrollX + "," + window.scrollY); }
    catch (e) { /* no storage: reload at the top */ }
    location.reload();
  }
  function banner(errors) {
    var box = document.getElementById(cfg.banner);
    if (!errors.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = cfg.banner;
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:2147483647;" +
        "margin:0;padding:0.75em 1em;background:#fff4f4;color:#5c0000;" +
        "border-bottom:4px solid #b00020;font:16px/1.4 system-ui,sans-serif;" +
        "max-height:50vh;overflow:auto;box-shadow:0 2px 8px rgba(0,0,0,0.3)";
      document.body.appendChild(box);
    }
    box.textContent = "";
    var head = document.createElement("strong");
    head.textContent = "The last build failed. This page is from the last good build.";
    var text = document.createElement("pre");
    text.style.cssText = "white-space:pre-wrap;margin:0.5em 0 0;" +
      "font:15px/1.4 ui-monospace,monospace";
    text.textContent = errors.join("\\n\\n");
    box.appendChild(head);
    box.appendChild(text);
  }
  if (!window.EventSource) return;
  var source = new EventSource(cfg.events + "?since=" + cfg.since);
  source.onmessage = function (event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    var changed = cfg.page === "" ? data.gen > cfg.since :
      data.changed.indexOf(cfg.page) >= 0 || data.changed.indexOf("*") >= 0;
    if (data.run !== cfg.run || changed) { source.close(); reload(); return; }
    if (cfg.page !== "") banner(data.errors);
  };
})();
"""

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def client_script(page: str, since: int, run: str) -> str:
    """The script for one served page (``page`` "" for the index), as a <script> element."""
    config = json.dumps({"page": page, "since": since, "run": run, "events": EVENTS,
                         "banner": BANNER_ID})
    config = config.replace("<", "\\u003c")  # never "</script>" inside the element
    return f"<script>/* osteo-print serve */\n{CLIENT_JS % {'config': config}}</script>\n"


def inject(document: bytes, script: str) -> bytes:
    """``document`` with ``script`` before its last ``</body>`` (or at its end)."""
    data = script.encode("utf-8")
    ends = list(_BODY_END.finditer(document))
    if not ends:
        return document + data
    at = ends[-1].start()
    return document[:at] + data + document[at:]


def page_title(path: Path) -> str | None:
    """The <title> of a built page (its first few kilobytes), or None."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8192).decode("utf-8", "replace")
    except OSError:
        return None
    found = re.search(r"<title>(.*?)</title>", head, re.IGNORECASE | re.DOTALL)
    return html.unescape(found.group(1)).strip() if found else None


def _when(stamp: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(stamp)) if stamp else "not yet"


def _pdf_status(snap: Snapshot) -> str:
    """The PDFs' state, as a sentence's end."""
    return {"off": "not made (--no-pdf).", "waiting": "waiting for the web pages.",
            "building": "updating…", "done": f"built at {_when(snap.built.get('pdf'))}.",
            "failed": "the last PDF build failed (see above).",
            "stale": "not updated, since the last build failed."}.get(snap.pdf_state, "")


def _pdf_links(pdfs: Iterable[dict[str, Any]], row: dict[str, Any]) -> str:
    kinds = {"handout": ("handout",), "quiz": ("quiz", "answer-key")}.get(row["kind"], ())
    links = []
    for entry in pdfs:
        if entry.get("kind") in kinds and all(
                entry.get(name) == row[name]
                for name in ("document", "audience", "lang", "version")):
            what = "answer key, " if entry["kind"] == "answer-key" else ""
            pages = entry.get("pages")
            count = f", {pages} page{'' if pages == 1 else 's'}" if pages else ""
            path = html.escape(entry["path"])
            links.append(f'<a href="{path}">{path}</a> ({what}{html.escape(entry["paper"])}'
                         f"{count})")
    return "<br>".join(links) or "none yet"


def _tables(snap: Snapshot, folder: Path) -> list[str]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in snap.web:
        groups.setdefault((row["lang"], row["audience"]), []).append(row)
    parts = []
    for (lang, audience), rows in groups.items():
        parts.append(f"<h2>{html.escape(audience)} · {html.escape(lang)}</h2>")
        parts.append('<table><thead><tr><th scope="col">Document</th>'
                     '<th scope="col">Web page</th><th scope="col">PDF</th></tr></thead>'
                     "<tbody>")
        for row in rows:
            name = row["document"] + (f" {row['version']}" if row.get("version") else "")
            title = page_title(folder / row["page"]) or name
            page = html.escape(row["page"])
            parts.append(
                f'<tr><th scope="row">{html.escape(title)} <span class="name">'
                f"({html.escape(name)})</span></th>"
                f'<td><a href="{page}">{page}</a></td>'
                f"<td>{_pdf_links(snap.pdfs, row)}</td></tr>")
        parts.append("</tbody></table>")
    return parts


INDEX_CSS = """
body { font: 17px/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.6rem;
         border-bottom: 1px solid #ccc; }
th[scope=row] { font-weight: 600; }
.name { font-weight: normal; color: #555; }
.errors { border: 3px solid #b00020; background: #fff4f4; color: #5c0000; padding: 0.5rem 1rem; }
.errors pre { white-space: pre-wrap; font: 15px/1.4 ui-monospace, monospace; }
a { color: #0b4f8a; }
a:focus-visible { outline: 3px solid #0b4f8a; outline-offset: 2px; }
"""


def index_page(snap: Snapshot, folder: Path) -> str:
    """The index: every document's web page and PDFs, the build times, the last error."""
    parts = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>osteo-print preview</title>", f"<style>{INDEX_CSS}</style>",
             "</head>\n<body>\n<main>", "<h1>osteo-print preview</h1>",
             f'<p id="status">Web pages built at {_when(snap.built.get("web"))}'
             f'{" (building…)" if snap.building == "web" else ""}. '
             f"PDFs: {_pdf_status(snap)}</p>"]
    if snap.errors:
        errors = "\n\n".join(snap.errors)
        parts.append('<section class="errors" id="errors" role="alert" '
                     'aria-labelledby="errors-heading">'
                     '<h2 id="errors-heading">The last build failed</h2>'
                     f"<pre>{html.escape(errors)}</pre>"
                     "<p>The pages below are from the last good build. Fix the file and "
                     "save it: this page reloads by itself.</p></section>")
    tables = _tables(snap, folder)
    parts += tables or ["<p>No pages yet.</p>"]
    if snap.warnings:
        parts.append(f"<details><summary>{len(snap.warnings)} warning"
                     f"{'' if len(snap.warnings) == 1 else 's'}</summary><ul>")
        parts += [f"<li>{html.escape(w)}</li>" for w in snap.warnings]
        parts.append("</ul></details>")
    parts.append("</main>")
    parts.append(client_script("", snap.gen, snap.run))
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)
