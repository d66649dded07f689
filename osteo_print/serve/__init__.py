"""Live preview: ``osteo-print serve`` builds a project, serves it on 127.0.0.1, and
rebuilds it as its files change, reloading the open pages.

The parts, one module each:

- ``preview``: ``Preview``, the library API that starts and stops the rest;
- ``watch``: watches the build's input folders (``watchfiles``) and says what changed;
- ``builder``: one thread that rebuilds through the build cache: the web pages in this
  process, then the PDFs in a child process (``pdfjob``) that a new change interrupts;
- ``state``: what the last builds did, shared by the builder and the server;
- ``server``: the HTTP server (the preview folder, the index, the events);
- ``page``: the index page, and the script injected into served pages;
- ``cli``: the ``serve`` command.

Nothing heavy is imported here: the command line imports ``serve.cli`` at start-up.
"""
