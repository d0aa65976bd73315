// Fill a PDF form the way Firefox does: PDF.js lists the fields (getFieldObjects), sets values
// in its annotation storage and saves with its own saveDocument().
// Usage: node fill.mjs IN.pdf OUT.pdf VALUES.json   (VALUES: {"field name": "value"})
// Prints {"fields": [{name, type, id, value}...], "filled": n} as JSON.
import { readFileSync, writeFileSync } from "node:fs";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const [input, output, valuesFile] = process.argv.slice(2);
const values = valuesFile ? JSON.parse(readFileSync(valuesFile, "utf8")) : {};
const data = new Uint8Array(readFileSync(input));
const doc = await getDocument({ data, useSystemFonts: false, isEvalSupported: false }).promise;
const objects = (await doc.getFieldObjects()) || {};
const fields = [];
let filled = 0;
for (const [name, widgets] of Object.entries(objects)) {
  for (const w of widgets) {
    if (!w.id || w.type === "") continue;
    fields.push({ name, type: w.type, id: w.id, value: w.value, multiline: !!w.multiline });
    if (Object.hasOwn(values, name)) {
      doc.annotationStorage.setValue(w.id, { value: values[name] });
      filled += 1;
    }
  }
}
if (output) {
  const saved = await doc.saveDocument();
  writeFileSync(output, saved);
}
console.log(JSON.stringify({ fields, filled }));
await doc.destroy();
