// CİMER's pages work without this file; with it, the filing form shows only what the chosen kind has, the
// district list follows the province, the national ID is checked as it is typed, and the forward list is searched
// as one types. No inline script anywhere: the Content-Security-Policy allows only this file.
"use strict";

function setShown(section, shown) {
  section.hidden = !shown;
  // A hidden field is not sent: the API then never hears of a field the kind does not have.
  section.querySelectorAll("input, select, textarea").forEach((field) => { field.disabled = !shown; });
}

function filingForm(form) {
  const kind = form.querySelector("[data-controls-kind]");
  const petitionType = form.querySelector("[data-controls-petition-type]");
  const anonymous = form.querySelector("input[name=anonymous]");
  const confidential = form.querySelector("input[name=confidential]");
  const identity = form.querySelector("[data-identity]");
  function update() {
    form.querySelectorAll("[data-kinds]").forEach((section) => {
      setShown(section, section.dataset.kinds.split(" ").includes(kind.value));
    });
    const mayHide = kind.value === "petition" && petitionType &&
      ["complaint", "denunciation"].includes(petitionType.value);
    form.querySelectorAll("[data-petition-types]").forEach((section) => setShown(section, mayHide));
    const isAnonymous = mayHide && anonymous && anonymous.checked;
    if (identity) setShown(identity, !isAnonymous);
    if (confidential) {
      confidential.disabled = !mayHide || isAnonymous;
      if (isAnonymous) confidential.checked = false;
    }
  }
  [kind, petitionType, anonymous].forEach((field) => field && field.addEventListener("change", update));
  update();
}

function districtList(form) {
  const province = form.querySelector("[data-controls-districts]");
  const district = form.querySelector("select[name=district]");
  if (!province || !district) return;
  province.addEventListener("change", async () => {
    const empty = district.options[0];
    district.replaceChildren(empty);
    if (!province.value) return;
    const response = await fetch(`/iller/${encodeURIComponent(province.value)}/ilceler`);
    if (!response.ok) return;
    for (const name of await response.json()) district.append(new Option(name, name));
  });
}

function nationalIdValid(value) {
  if (!/^[1-9][0-9]{10}$/.test(value)) return false;
  const d = Array.from(value, Number);
  const tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10;
  const eleventh = d.slice(0, 10).reduce((a, b) => a + b, 0) % 10;
  return ((tenth + 10) % 10) === d[9] && eleventh === d[10];
}

function nationalIdCheck(field) {
  const message = document.createElement("p");
  message.className = "error";
  message.id = `${field.id}-live`;
  message.setAttribute("aria-live", "polite");
  field.insertAdjacentElement("afterend", message);
  const describedBy = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  field.setAttribute("aria-describedby", [...describedBy, message.id].join(" "));
  field.addEventListener("input", () => {
    // Judge only a whole number; the server checks it again whatever this says.
    const wrong = field.value.length === 11 && !nationalIdValid(field.value);
    message.textContent = wrong ? field.dataset.invalidText : "";
    if (wrong) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  });
}

function forwardSearch(form) {
  const search = document.querySelector("[data-forward-search]");
  const target = form.querySelector("select[name=to_institution]");
  if (!search || !target) return;
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const url = `${form.dataset.targetsUrl}?q=${encodeURIComponent(search.value)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const first = target.options[0];
      target.replaceChildren(first);
      for (const institution of await response.json()) {
        target.append(new Option(`${institution.name} (${institution.code})`, institution.code));
      }
    }, 200);
  });
}

function answerTemplates(select) {
  // Choosing a template puts its text, already filled in for this application, in the answer to edit and send.
  const text = document.getElementById(select.getAttribute("aria-controls"));
  if (!text) return;
  select.addEventListener("change", () => {
    const chosen = select.selectedOptions[0];
    if (chosen && chosen.dataset.text !== undefined) text.value = chosen.dataset.text;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form.filing").forEach((form) => { filingForm(form); districtList(form); });
  document.querySelectorAll("[data-national-id]").forEach(nationalIdCheck);
  document.querySelectorAll("form[data-forward]").forEach(forwardSearch);
  document.querySelectorAll("select[data-answer-template]").forEach(answerTemplates);
  const errors = document.getElementById("form-errors");
  if (errors) errors.focus();
});
