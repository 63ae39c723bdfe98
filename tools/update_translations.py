"""Regenerate resources/i18n/cisc_impervious_<locale>.ts from the plugin's sources.

pylupdate5 files the plugin's module-level tr("...") calls under "@default" (or the
enclosing class), not under the single context "CiscImpervious" the plugin translates
with, so this script extracts the strings itself:

- every tr("literal") / x.tr("literal") call in plugin/**/*.py and __init__.py
  (context "CiscImpervious", or the literal context argument when one is given), and
  QCoreApplication.translate("context", "literal"); and the template of every
  CoreMessage("literal", ...) of plugin/core (core cannot import Qt: the adapters translate it);
- the class labels of plugin/core/dataset.py (shown through tr(label_en)), pre-filled with
  their label_zh;
- every translatable <string> of ui/*.ui, under the .ui's class name (the context
  setupUi() translates with).

Existing translations are kept; new strings are added as "unfinished"; strings no longer in
the sources are dropped. Translations can be merged in from a JSON file {source: text}.

Usage (from the repository root):
    python3 tools/update_translations.py                # update the zh_CN .ts
    python3 tools/update_translations.py --check        # exit 1 if anything is untranslated
    python3 tools/update_translations.py --fill zh.json # merge translations, then update
    python3 tools/update_translations.py --list-unfinished
"""

import argparse
import ast
import importlib.util
import json
import sys
import xml.etree.ElementTree as ET
from collections import OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = "CiscImpervious"
DEFAULT_LOCALE = "zh_CN"
SOURCE_DIRS = ("plugin",)
SOURCE_FILES = ("__init__.py",)
UI_DIR = "ui"
SKIP_PARTS = {".venv", "__pycache__", "build", "zip_build", ".git"}


def ts_path(locale: str = DEFAULT_LOCALE) -> Path:
    return ROOT / "resources" / "i18n" / f"cisc_impervious_{locale}.ts"


# -- extraction -----------------------------------------------------------------------
def _python_files():
    for name in SOURCE_FILES:
        path = ROOT / name
        if path.exists():
            yield path
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            if not SKIP_PARTS.intersection(path.relative_to(ROOT).parts):
                yield path


def _literal(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def extract_python(path: Path, messages: "OrderedDict", warnings: list) -> None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        warnings.append(f"{path}: cannot parse ({error})")
        return
    relative = path.relative_to(ROOT).as_posix()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name == "CoreMessage" and node.args:
            # plugin/core's translatable messages (core/messages.py), translated by the adapters
            text, context = _literal(node.args[0]), CONTEXT
            if text is None:
                warnings.append(f"{relative}:{node.lineno}: CoreMessage() of a non-literal cannot be extracted")
                continue
        elif name == "tr" and node.args:
            text = _literal(node.args[0])
            context = CONTEXT
            ctx_node = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "context"), None)
            if ctx_node is not None:
                context = _literal(ctx_node) or CONTEXT
        elif name == "translate" and len(node.args) >= 2 and isinstance(func, ast.Attribute):
            context, text = _literal(node.args[0]), _literal(node.args[1])
            if context is None:
                continue
        else:
            continue
        if text is None:
            # tr(variable): fine when the variable's values are extracted elsewhere (class labels)
            text_node = node.args[0] if name == "tr" else node.args[1]
            if not isinstance(text_node, (ast.Attribute, ast.Subscript, ast.Name)):
                warnings.append(f"{relative}:{node.lineno}: tr() of a non-literal cannot be extracted")
            continue
        if not text.strip():
            continue
        messages.setdefault((context, text), []).append((relative, node.lineno))


def extract_dataset_labels(messages: "OrderedDict", prefill: dict) -> None:
    path = ROOT / "plugin" / "core" / "dataset.py"
    spec = importlib.util.spec_from_file_location("_cisc_dataset_for_i18n", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # pure Python: no Qt, no QGIS
    for info in module.CLASSES:
        messages.setdefault((CONTEXT, info.label_en), []).append(("plugin/core/dataset.py", 0))
        prefill[(CONTEXT, info.label_en)] = info.label_zh


def extract_ui(path: Path, messages: "OrderedDict") -> None:
    tree = ET.parse(path)
    root = tree.getroot()
    class_node = root.find("class")
    context = class_node.text.strip() if class_node is not None and class_node.text else path.stem
    relative = path.relative_to(ROOT).as_posix()
    for node in root.iter("string"):
        if node.get("notr") == "true" or not (node.text or "").strip():
            continue
        messages.setdefault((context, node.text), []).append((relative, 0))


def extract_all():
    """Return (messages {(context, source): [(file, line)]}, prefill, warnings)."""
    messages, prefill, warnings = OrderedDict(), {}, []
    for path in _python_files():
        extract_python(path, messages, warnings)
    extract_dataset_labels(messages, prefill)
    for path in sorted((ROOT / UI_DIR).glob("*.ui")):
        extract_ui(path, messages)
    return messages, prefill, warnings


# -- .ts files ------------------------------------------------------------------------
def read_ts(path: Path) -> dict:
    """{(context, source): (translation, finished)} of an existing .ts."""
    out = {}
    if not path.exists():
        return out
    root = ET.parse(path).getroot()
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            node = message.find("translation")
            text = (node.text or "") if node is not None else ""
            finished = node is not None and node.get("type") not in ("unfinished", "vanished", "obsolete")
            out[(name, source)] = (text, finished and bool(text))
    return out


def write_ts(path: Path, locale: str, messages: "OrderedDict", translations: dict) -> dict:
    """Write the .ts; return counts."""
    root = ET.Element("TS", {"version": "2.1", "language": locale, "sourcelanguage": "en"})
    by_context = OrderedDict()
    for (context, source), locations in messages.items():
        by_context.setdefault(context, []).append((source, locations))
    counts = {"total": 0, "unfinished": 0}
    for context in sorted(by_context, key=lambda c: (c != CONTEXT, c)):
        ctx = ET.SubElement(root, "context")
        ET.SubElement(ctx, "name").text = context
        for source, locations in by_context[context]:
            message = ET.SubElement(ctx, "message")
            for filename, line in locations[:3]:
                attrs = {"filename": "../../" + filename}
                if line:
                    attrs["line"] = str(line)
                ET.SubElement(message, "location", attrs)
            ET.SubElement(message, "source").text = source
            text, finished = translations.get((context, source), ("", False))
            node = ET.SubElement(message, "translation")
            if text and finished:
                node.text = text
            else:
                node.set("type", "unfinished")
                if text:
                    node.text = text
                counts["unfinished"] += 1
            counts["total"] += 1
    ET.indent(root, space="    ") if hasattr(ET, "indent") else None
    body = ET.tostring(root, encoding="unicode")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".ts.part")
    tmp.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")
    tmp.replace(path)
    return counts


def _plugin_i18n():
    """plugin/toolbelt/i18n.py, which decides what a locale name means (it imports QGIS's PyQt)."""
    spec = importlib.util.spec_from_file_location("_cisc_i18n_for_tools", ROOT / "plugin" / "toolbelt" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def update(locale: str = DEFAULT_LOCALE, fill: "dict | None" = None, verbose: bool = True):
    messages, prefill, warnings = extract_all()
    path = ts_path(locale)
    translations = read_ts(path)
    if _plugin_i18n().is_simplified_chinese(locale):  # label_zh is simplified Chinese
        for key, text in prefill.items():
            if not translations.get(key, ("", False))[1]:
                translations[key] = (text, True)
    for source, text in (fill or {}).items():
        for key in messages:
            if key[1] == source and text:
                translations[key] = (text, True)
    counts = write_ts(path, locale, messages, translations)
    if verbose:
        for warning in warnings:
            print("warning:", warning, file=sys.stderr)
        print(f"{path.relative_to(ROOT)}: {counts['total']} strings, {counts['unfinished']} unfinished", file=sys.stderr)
    return counts, messages, translations


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locale", default=DEFAULT_LOCALE)
    parser.add_argument("--fill", help="JSON file {english source: translation} to merge in")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if incomplete")
    parser.add_argument("--list-unfinished", action="store_true", help="print untranslated sources as JSON")
    args = parser.parse_args(argv)
    if args.check:
        messages, _prefill, _warnings = extract_all()
        translations = read_ts(ts_path(args.locale))
        missing = [k for k in messages if not translations.get(k, ("", False))[1]]
        for context, source in missing:
            print(f"untranslated [{context}]: {source}")
        return 1 if missing else 0
    fill = json.loads(Path(args.fill).read_text(encoding="utf-8")) if args.fill else None
    _counts, messages, translations = update(args.locale, fill)
    if args.list_unfinished:
        todo = {k[1]: "" for k in messages if not translations.get(k, ("", False))[1]}
        print(json.dumps(todo, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
