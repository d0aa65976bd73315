"""A person filling copar's forms in LibreOffice, driven through UNO (tests/test_forms_office.py).

Run by a Python that has LibreOffice's `uno` module (Debian: python3-uno, /usr/bin/python3), never
imported by the tests:

    python3 lo_user.py JOB.json

It starts its own headless LibreOffice (own profile, named pipe, own process group, killed at the
end, as pipeline/pdf/unobridge.py does), plays the job and prints one JSON line: what it saw.

Writer job: {"kind": "writer", "in": …, "out": …, "typing": [{"control": i, "text": …, "at": "click" |
"end"}], "intrude": "…"}. The view cursor goes where a click puts it: into the i-th content control,
the placeholder selected as LibreOffice does on a click (Maj+→ over it), or, with "end", after the
last character of a pre-filled answer (→ pressed until there). The text is typed through the
dispatcher (`.uno:InsertText`, the command a key press runs), a line break as Maj+Entrée
(`.uno:InsertLinebreak`). "intrude" is typed into the title and into the identity table (the
protection should refuse both). Saved with the « Word 2007-365 » filter.

Calc job: {"kind": "calc", "in": …, "out": …, "typing": [{"cell": "E4", "text": "2,5"}],
"validations": ["E4", …]}: each cell is selected (Ctrl+G) and the text entered as typed in the
input line (`.uno:EnterString`), parsed with the profile's locale ("locale", fr-FR by default); then each listed cell's
value and its validation rule are reported, and the cells Calc marks invalid (Détective ▸ Marquer les
données incorrectes). Saved with the « Excel 2007-365 » filter. (No PDF export here: in this
session LibreOffice 7.4 dies a moment after `calc_pdf_Export`, one run in three; the test prints
the saved file with `soffice --convert-to pdf` instead.)
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue

CONNECT_SECONDS = 90
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Office.Linguistic/General"><prop oor:name="DefaultLocale" oor:op="fuse">
<value>{locale}</value></prop></item>
</oor:items>
"""


def _prop(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _connect(office, pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if office.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class User:
    def __init__(self, context):
        smgr = context.ServiceManager
        self.desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        self.helper = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)
        self.frame = None

    def do(self, command, **args):
        self.helper.executeDispatch(self.frame, command, "", 0, tuple(_prop(k, v) for k, v in args.items()))

    def type(self, text, enter=False):
        for i, line in enumerate(text.split("\n")):
            if i:
                self.do(".uno:InsertPara" if enter else ".uno:InsertLinebreak")  # Entrée, Maj+Entrée
            if line:
                self.do(".uno:InsertText", Text=line)

    def open(self, path):
        document = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0,
                                                     (_prop("Hidden", True), _prop("MacroExecutionMode", 0)))
        self.frame = document.getCurrentController().getFrame()
        return document


def _controls(document):
    """The content controls in document order, with the text each shows."""
    found = []
    paragraphs = document.getText().createEnumeration()
    while paragraphs.hasMoreElements():
        paragraph = paragraphs.nextElement()
        if not paragraph.supportsService("com.sun.star.text.Paragraph"):
            continue
        portions = paragraph.createEnumeration()
        while portions.hasMoreElements():
            portion = portions.nextElement()
            if portion.TextPortionType == "ContentControl":
                found.append(portion.ContentControl)
    return found


def _control_text(control):
    parts = []
    inner = control.createEnumeration()
    while inner.hasMoreElements():
        parts.append(inner.nextElement().getString())
    return "".join(parts)


def writer(user, job):
    document = user.open(job["in"])
    settings = document.createInstance("com.sun.star.document.Settings")
    seen = {"read_only_on_open": bool(settings.getPropertyValue("LoadReadonly")),
            "protect_form": bool(settings.getPropertyValue("ProtectForm")), "controls": []}
    view = document.getCurrentController().getViewCursor()
    controls = _controls(document)
    seen["count"] = len(controls)
    for control in controls:
        seen["controls"].append({"placeholder": bool(control.ShowingPlaceHolder), "text": _control_text(control)})
    for step in job["typing"]:
        control = controls[step["control"]]
        before = _control_text(control)
        view.gotoRange(control.getStart(), False)  # the click: inside the control, at its start
        if step["at"] == "click" and control.ShowingPlaceHolder:
            view.goRight(len(before), True)  # LibreOffice selects the placeholder on a click
        elif step["at"] == "end":
            user.do(".uno:GoRight", Count=len(before))  # → until the end of the pre-filled answer
        user.type(step["text"], step.get("enter", False))
    if job.get("intrude"):
        view.gotoRange(document.getText().getStart(), False)
        user.type(job["intrude"])
        cell = document.getTextTables().getByIndex(0).getCellByName("B1")
        view.gotoRange(cell.getText().getEnd(), False)
        user.type(job["intrude"])
        seen["intruded"] = job["intrude"] in document.getText().getString() + cell.getString()
    seen["after"] = [_control_text(c) for c in controls]
    document.storeToURL(uno.systemPathToFileUrl(job["out"]), (_prop("FilterName", "MS Word 2007 XML"),))
    document.close(True)
    return seen


def calc(user, job):
    document = user.open(job["in"])
    sheet = document.getCurrentController().getActiveSheet()
    seen = {"sheet": sheet.getName(), "cells": {}}
    for step in job["typing"]:
        user.do(".uno:GoToCell", ToPoint=step["cell"])
        user.do(".uno:EnterString", StringName=step["text"])
    for name in job["validations"]:
        cell = sheet.getCellRangeByName(name)
        rule = cell.getPropertyValue("Validation")
        seen["cells"][name] = {
            "value": cell.getValue(), "string": cell.getString(), "is_value": cell.getType().value == "VALUE",
            "rule": {"type": rule.Type.value, "operator": rule.getOperator().value, "formula1": rule.getFormula1(),
                     "formula2": rule.getFormula2(), "show_error": bool(rule.ShowErrorMessage),
                     "error_style": rule.ErrorAlertStyle.value, "blank": bool(rule.IgnoreBlankCells)}}
    user.do(".uno:ShowInvalid")  # Outils ▸ Détective ▸ Marquer les données incorrectes: a circle on each
    circles = sheet.getDrawPage()
    seen["invalid"] = sorted(circles.getByIndex(i).Anchor.AbsoluteName.rsplit(".", 1)[-1].replace("$", "")
                             for i in range(circles.getCount()))
    user.do(".uno:ClearArrows")
    document.storeToURL(uno.systemPathToFileUrl(job["out"]), (_prop("FilterName", "Calc MS Excel 2007 XML"),))

    document.close(True)
    return seen


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    profile = tempfile.mkdtemp(prefix="copar-lo-user-")
    os.makedirs(os.path.join(profile, "user"))
    with open(os.path.join(profile, "user", "registrymodifications.xcu"), "w", encoding="utf-8") as f:
        f.write(PROFILE.format(locale=job.get("locale", "fr-FR")))
    pipe = f"copar_lo_user_{os.getpid()}"
    office = subprocess.Popen(
        [job.get("soffice", "soffice"), f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}", "--headless",
         "--invisible", "--norestore", "--nolockcheck", "--nologo", "--nodefault",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        user = User(_connect(office, pipe))
        seen = writer(user, job) if job["kind"] == "writer" else calc(user, job)
        sys.stdout.write(json.dumps(seen, ensure_ascii=False) + "\n")
        try:
            user.desktop.terminate()
        except Exception:
            pass
        office.wait(timeout=20)
    finally:
        if office.poll() is None:
            os.killpg(office.pid, signal.SIGKILL)
            office.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
