"""The UNO bridge: keeps one LibreOffice running and converts documents on request.

Run as a script by a Python that has LibreOffice's `uno` module (Debian: python3-uno,
usually /usr/bin/python3 — not copar's own virtual environment), never imported by copar:

    python3 unobridge.py SOFFICE PROFILE_URL PIPE_NAME

It starts `SOFFICE` listening on a named pipe with its own profile, connects to it and
prints one JSON line: {"ready": true} (or {"ready": false, "error": "…"} and exits).
Then each request line on stdin, {"files": [...], "outdir": "...", "filter": {...}},
converts each file to `outdir/<stem>.pdf` with the PDF export filter and its filter
data, answering one line per file ({"file": …, "error": null or "…"}) and a final
{"end": true}. On {"quit": true}, or at the end of its input (copar died), it closes
LibreOffice and exits.
LibreOffice is its child, in its process group: copar kills both at once on a time-out.
"""

import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue

CONNECT_SECONDS = 60


def _prop(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _filter_data(options):
    """Typed filter options ({"Name": {"type": "boolean"|"long"|…, "value": "…"}}) as UNO properties."""
    props = []
    for name, spec in options.items():
        kind, value = spec.get("type"), spec.get("value")
        if kind == "boolean":
            value = str(value).lower() == "true"
        elif kind == "long":
            value = int(value)
        props.append(_prop(name, value))
    return uno.Any("[]com.sun.star.beans.PropertyValue", tuple(props))


def _say(**message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _connect(office, pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception:
            if office.poll() is not None:
                raise RuntimeError(f"LibreOffice s'est arrêté au démarrage (code {office.returncode})") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _convert(desktop, path, outdir, options):
    stem = os.path.splitext(os.path.basename(path))[0]
    load = (_prop("Hidden", True), _prop("MacroExecutionMode", 0), _prop("UpdateDocMode", 0))
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, load)
    if document is None:
        return f"LibreOffice n'a pas pu ouvrir {os.path.basename(path)}"
    try:
        store = (_prop("FilterName", "writer_pdf_Export"), _prop("FilterData", _filter_data(options)))
        document.storeToURL(uno.systemPathToFileUrl(os.path.join(outdir, stem + ".pdf")), store)
    finally:
        document.close(True)
    return None


def _alive(desktop, office):
    """Whether LibreOffice still answers (after a failed conversion)."""
    if office.poll() is not None:
        return False
    try:
        desktop.getFrames()
        return True
    except Exception:
        return False


def main():
    soffice, profile, pipe = sys.argv[1:4]
    office = subprocess.Popen(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore", "--nolockcheck",
         "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        desktop = _connect(office, pipe)
    except Exception as exc:
        _say(ready=False, error=str(exc) or type(exc).__name__)
        office.kill()
        return 1
    _say(ready=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("quit"):
            break
        os.makedirs(request["outdir"], exist_ok=True)
        for path in request["files"]:
            try:
                error = _convert(desktop, path, request["outdir"], request.get("filter", {}))
            except Exception as exc:  # LibreOffice's IOException, or a dead office (DisposedException)
                error = f"{type(exc).__name__} : {getattr(exc, 'Message', '') or exc}"
                if not _alive(desktop, office):
                    _say(file=path, error=error)
                    return 2  # copar sees the end of output and starts another LibreOffice
            _say(file=path, error=error)
        _say(end=True)
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        office.wait(timeout=10)
    except subprocess.TimeoutExpired:
        office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
