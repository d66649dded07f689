"""Rewrite a content folder of osteo-print 0.x (fixed handouts) into the block model.

    python scripts/migrate_content.py CONTENT_DIR

Handouts become ``blocks``; the widgets become tables, checklists, a tracker and a
steps figure; the quiz bank's generators move into the handouts. Comments are lost:
keep a copy. Run once; a folder already in the block model is left as it is.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

ORDER = {"stages": 10, "medicines": 20, "exercises": 30, "nutrients": 40, "lifestyle": 50}
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def translator(lang: str):
    path = TEMPLATES / "locales" / f"{lang}.po"
    if not path.is_file():
        return lambda text: text
    with path.open("rb") as fh:
        catalog = read_po(fh)
    return lambda text: (catalog.get(text).string if catalog.get(text) and
                         catalog.get(text).string else text)


class Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str):
    style = ">" if len(value) > 70 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list):
    flow = all(isinstance(v, str | int) and len(str(v)) < 30 for v in value) and value
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=bool(flow))


Dumper.add_representer(str, _str)
Dumper.add_representer(list, _list)


def facts(items):
    return [dict(item) for item in items]


def widget_blocks(name, doc, section, lang, labels, _):
    if name == "stage-diagram":
        return [{"type": "steps", "id": "stage-diagram", "picture": "bone",
                 "alt": doc["diagram"]["alt"], "caption": doc["diagram"]["caption"],
                 "source": doc["stages"][0]["source"],
                 "steps": [{"label": labels["stage"].format(number=s["number"]),
                            "name": s["name"]} for s in doc["stages"]]}]
    if name == "stage-table":
        return [{"type": "table", "id": "stage-table", "columns": [
            {"key": "stage", "label": _("Stage")},
            {"key": "happens", "label": _("What happens in your bones")},
            {"key": "notice", "label": _("What you may notice")}],
            "rows": [{"id": f"stage-{s['number']}",
                      "step": labels["stage"].format(number=s["number"]),
                      "stage": f"{labels['stage'].format(number=s['number'])}: {s['name']}",
                      "happens": s["happens"], "notice": s["notice"], "source": s["source"]}
                     for s in doc["stages"]]}]
    if name == "t-score-table":
        return [{"type": "table", "id": "t-score-table", "columns": [
            {"key": "score", "label": _("Your T-score")},
            {"key": "meaning", "label": _("What it means")}],
            "rows": [{"id": str(i + 1), "score": b["score"], "meaning": b["meaning"],
                      "source": b["source"]} for i, b in enumerate(doc["t_scores"])]}]
    if name == "medicine-table":
        return [{"type": "comparison-table", "id": "medicine-table", "columns": [
            {"key": "name", "label": _("Medicine")},
            {"key": "action", "label": _("Slows bone breakdown"), "marks": ["slows", "both"]},
            {"key": "action", "label": _("Builds new bone"), "marks": ["builds", "both"]}],
            "rows": [{"id": m["id"],
                      "name": f"{m['name']} ({m['brand']})" if m.get("brand") else m["name"],
                      "action": m["action"], "does": m["does"], "source": m["source"]}
                     for m in doc["medicines"]]}]
    if name == "exercise-list":
        rows = []
        for e in doc["exercises"]:
            activity = f"**{e['name']}**" + (f": {e['note']}" if e.get("note") else "")
            rows.append({"id": e["id"], "activity": activity, "name": e["name"],
                         "kind": e["kind"], "source": e["source"]})
        return [{"type": "comparison-table", "id": "activity-table", "columns": [
            {"key": "activity", "label": _("Activity")},
            {"key": "kind", "label": _("On your feet (weight-bearing)"),
             "marks": ["weight-bearing"]},
            {"key": "kind", "label": _("Strength (resistance)"), "marks": ["resistance"]}],
            "rows": rows}]
    if name == "weekly-tracker":
        rows = [{"name": e["name"], **({"note": e["note"]} if e.get("note") else {})}
                for e in doc["exercises"] if e["kind"] != "not-weight-bearing"]
        return [{"type": "tracker", "id": "weekly-tracker", "rows": rows,
                 "blank_rows": doc.get("tracker", {}).get("blank_rows", 2)}]
    if name == "nutrient-checklist":
        items = [{"label": n["name"], "text": n["does"], "source": n["source"]}
                 for n in doc["nutrients"] if n["section"] == section]
        return [{"type": "checklist", "id": f"{section}-checklist",
                 "intro": _("Check the box next to each one you want to ask about."),
                 "items": items}]
    if name == "faq":
        return [{"type": "qa", "id": "faqs", "items": [
            {"question": f["question"], "answer": facts(f["answer"])} for f in doc["faqs"]]}]
    raise ValueError(name)


def section_block(section, base, lang, labels, _, ref):
    blocks = [{"type": "paragraph", **p} for p in section.get("paragraphs", [])]
    if section.get("bullets"):
        blocks.append({"type": "bullets", "items": facts(section["bullets"])})
    for widget in section.get("show", []):
        made = widget_blocks(widget, base, section["id"], lang, labels, _)
        blocks += [{"id": b["id"]} for b in made] if ref else made
    return {"type": "section", "id": section["id"], "heading": section["heading"],
            "blocks": blocks}


def boxes(data):
    out = {}
    if "key_points" in data:
        out["kp"] = {"type": "key-points", "items": facts(data["key_points"])}
    if "actions" in data:
        out["actions"] = {"type": "actions", "items": [dict(a) for a in data["actions"]]}
    if "ask" in data:
        out["ask"] = {"type": "ask", "items": list(data["ask"])}
    return out


def convert_base(name, data, lang, labels, _):
    own = boxes(data)
    blocks = [own["kp"], *(section_block(s, data, lang, labels, _, False)
                           for s in data["sections"])]
    blocks += [own["actions"]] + ([own["ask"]] if "ask" in own else [])
    return {"title": data["title"], "purpose": data["purpose"],
            "last_reviewed": data["last_reviewed"], "order": ORDER.get(name, 100),
            "blocks": blocks}


def convert_variant(data, base, lang, labels, _):
    out = {k: data[k] for k in ("title", "purpose", "last_reviewed") if k in data}
    if not set(data) & {"key_points", "sections", "actions", "ask"}:
        return out
    own = boxes(data)
    blocks = [own.get("kp", {"id": "box-key-points"})]
    for section in data.get("sections", base["sections"]):
        if set(section) == {"id"}:
            blocks.append({"id": section["id"]})
        else:
            blocks.append(section_block(section, base, lang, labels, _, True))
    blocks.append(own.get("actions", {"id": "box-actions"}))
    if "ask" in own or "ask" in base:
        blocks.append(own.get("ask", {"id": "box-questions"}))
    out["blocks"] = blocks
    return out


GENERATORS = {
    "medicines": [
        ("medicine-action", "row-value", "medicine-table",
         {"column": "action"}, "answers"),
        ("medicine-builds", "pick-row", "medicine-table",
         {"column": "action", "values": ["builds", "both"], "label": "{name}"}, None)],
    "exercises": [
        ("weight-bearing", "pick-row", "activity-table",
         {"column": "kind", "values": ["weight-bearing"], "wrong": ["not-weight-bearing"],
          "label": "{name}"}, None)],
    "stages": [
        ("stage-order", "match-rows", "stage-table", {"left": "{step}", "right": "{happens}"},
         None),
        ("t-score", "row-value", "t-score-table", {"column": "meaning"}, None)],
}


def generators(name, bank):
    out = []
    for gen_id, kind, rows, extra, answers in GENERATORS.get(name, []):
        old = bank.get("generators", {}).get(gen_id)
        if not old:
            continue
        gen = {"id": gen_id, "type": kind, "rows": rows, **extra}
        if answers:
            gen["answers"] = {k: bank["labels"][k] for k in ("slows", "builds", "both")}
        gen.update(stem=old["stem"], explanation=old["explanation"], objective=old["objective"])
        out.append(gen)
    return out


def migrate(root: Path) -> None:
    for lang_dir in sorted(p for p in root.iterdir() if (p / "handouts").is_dir()):
        lang = lang_dir.name
        _ = translator(lang)
        bank_path = lang_dir / "quiz.yaml"
        bank = yaml.safe_load(bank_path.read_text("utf-8")) if bank_path.is_file() else {}
        labels = bank.get("labels", {"stage": "Stage {number}"})
        labels.setdefault("stage", "Stage {number}")
        bases = {}
        for path in sorted((lang_dir / "handouts").glob("*.yaml")):
            data = yaml.safe_load(path.read_text("utf-8"))
            if "blocks" in data:
                continue
            bases[path.stem] = data
            new = convert_base(path.stem, data, lang, labels, _)
            if gens := generators(path.stem, bank):
                new["generators"] = gens
            write(path, new, f"Handout: {data['title']}")
        for folder in sorted(p for p in (lang_dir / "handouts").iterdir() if p.is_dir()):
            for path in sorted(folder.glob("*.yaml")):
                data = yaml.safe_load(path.read_text("utf-8"))
                if "blocks" in data or path.stem not in bases:
                    continue
                new = convert_variant(data, bases[path.stem], lang, labels, _)
                write(path, new, f"{folder.name} version of ../{path.name}: keys not set "
                      "here come from it; a block given only by its id is kept as it is there.")
        if bank.get("generators"):
            bank_path.write_text(strip_generators(bank_path.read_text("utf-8")), "utf-8")


def strip_generators(text: str) -> str:
    """Drop the bank's generators and generator labels, keeping its comments."""
    text = re.sub(r"\ngenerators:\n(  .*\n|\n)*", "\n", text)
    return re.sub(r"\n  (slows|builds|both|stage): .*", "", text)


def write(path: Path, data: dict, comment: str) -> None:
    text = yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=88)
    path.write_text(f"# {comment}\n{text}", "utf-8")


if __name__ == "__main__":
    migrate(Path(sys.argv[1]))
