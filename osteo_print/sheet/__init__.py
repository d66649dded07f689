"""Quiz sheets a machine can read: scan marks, the layout map and typed answers.

``marks``: the corner markers, the QR code and the sheet hash (no WeasyPrint, no OpenCV);
``layout``: the map of every tick box, read from WeasyPrint's laid-out document;
``typed``: the typed-answers template CSV, for clinics without a scanner.
See docs/design/scoring.md, sections 1 and 2.
"""
