// copar serve: a little plain JavaScript (no framework, nothing fetched from elsewhere).
"use strict";

// Documents: follow the build, one request every 500 ms, until it ends.
function followBuild(section) {
  const state = document.getElementById("etat-production");
  const bar = document.getElementById("barre");
  const summary = document.getElementById("resume");
  async function tick() {
    const response = await fetch(section.dataset.progression, { credentials: "same-origin" });
    const job = await response.json();
    bar.max = Math.max(job.total, 1);
    bar.value = job.done;
    if (job.running) {
      state.textContent = `Production en cours : ${job.phase} (${job.done} sur ${job.total})` + (job.label ? ` — ${job.label}` : "");
      setTimeout(tick, 500);
      return;
    }
    state.textContent = job.error ? "Production interrompue." : "Production terminée.";
    summary.replaceChildren();
    if (job.error) {
      const p = document.createElement("p");
      p.className = "alerte";
      p.setAttribute("role", "alert");
      p.textContent = job.error;
      summary.append(p);
    }
    if (job.lines.length) {
      const pre = document.createElement("pre");
      pre.textContent = job.lines.join("\n");
      summary.append(pre);
    }
    // the list of documents changed: show it (the summary stays, the build is finished)
    setTimeout(() => window.location.reload(), 800);
  }
  tick();
}

// Classeur: when the workbook changes on disk, show the page again (with the check if one was shown).
function watchWorkbook(form) {
  let known = form.dataset.surveiller;
  setInterval(async () => {
    const response = await fetch("/classeur/etat", { credentials: "same-origin" });
    const { mtime } = await response.json();
    if (mtime !== known) {
      known = mtime;
      window.location.reload();
    }
  }, 2000);
}

// Suivi: filter the rows by what is typed (name, number or state).
function filterTable(input) {
  const rows = document.querySelectorAll(`#${input.dataset.filtre} tbody tr`);
  input.addEventListener("input", () => {
    const wanted = input.value.trim().toLowerCase();
    rows.forEach((row) => { row.hidden = wanted !== "" && !row.textContent.toLowerCase().includes(wanted); });
  });
}

// Formulaires: files dropped on the zone go into its file input.
function dropZone(form) {
  const input = form.querySelector("input[type=file]");
  form.addEventListener("dragover", (event) => { event.preventDefault(); form.classList.add("survol"); });
  form.addEventListener("dragleave", () => form.classList.remove("survol"));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    form.classList.remove("survol");
    input.files = event.dataTransfer.files;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const production = document.querySelector("[data-en-cours]");
  if (production) followBuild(production);
  const watched = document.querySelector("[data-surveiller]");
  if (watched) watchWorkbook(watched);
  document.querySelectorAll("[data-filtre]").forEach(filterTable);
  const zone = document.getElementById("depot");
  if (zone) dropZone(zone);
});
