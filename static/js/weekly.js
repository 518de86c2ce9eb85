// Weekly update grid (templates/providers/weekly.html). The page works without this script (plain
// form, filters via the query string). This adds: spreadsheet keys (Enter / Shift+Enter and, in text
// fields, arrow down/up move through a column; Escape restores a cell), change marks, sorting and
// filtering in place (typed values stay), the summary before saving, taking over a colleague's values
// in a conflict row, and folding the less-changed fields on a phone.
(function () {
  "use strict";
  var form = document.getElementById("weekly-form");
  var table = document.getElementById("weekly-table");
  if (!form || !table) { return; }
  document.documentElement.classList.add("js");
  var tbody = table.tBodies[0];
  var statusEl = document.getElementById("weekly-status");
  var slice = function (list) { return Array.prototype.slice.call(list); };
  var rows = function () { return slice(tbody.querySelectorAll("tr.weekly-row")); };
  var visibleRows = function () { return rows().filter(function (r) { return !r.hidden; }); };
  var inputs = function (row) { return slice(row.querySelectorAll(".grid-input")); };
  var current = function (input) { return input.value.trim(); };
  var changed = function (input) { return current(input) !== (input.dataset.orig || ""); };

  // ------------------------------------------------------------ change marks and the live count
  function countChanged() {
    return rows().filter(function (r) { return r.classList.contains("has-changes"); }).length;
  }
  function updateStatus() {
    var all = rows(), shown = visibleRows().length, n = countChanged();
    var text = n === 1 ? "1 aanbod gewijzigd" : n + " aanbod gewijzigd";
    text += " · " + all.length + " aanbod";
    if (shown < all.length) {
      text += " (" + (all.length - shown) + " verborgen door het filter; ook dat wordt opgeslagen of bevestigd)";
    }
    if (statusEl.textContent !== text) { statusEl.textContent = text; }
  }
  function mark(input) {
    var cell = input.closest(".cell"), row = input.closest("tr");
    cell.classList.toggle("is-changed", changed(input));
    row.classList.toggle("has-changes", inputs(row).some(changed));
    var summary = row.querySelector(".note summary");
    if (summary && input.name.slice(-5) === "-note") { summary.classList.toggle("is-changed", changed(input)); }
  }
  rows().forEach(function (row) { inputs(row).forEach(mark); });
  form.addEventListener("input", function (e) { if (e.target.classList.contains("grid-input")) { mark(e.target); updateStatus(); } });
  form.addEventListener("change", function (e) { if (e.target.classList.contains("grid-input")) { mark(e.target); updateStatus(); } });

  // ------------------------------------------------------------ keys
  function expand(row, open) {
    var button = row.querySelector(".more-fields");
    row.classList.toggle("is-expanded", open);
    if (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Minder velden" : "Alle velden (" + row.querySelectorAll(".cell.is-extra").length + " meer)";
    }
  }
  function move(input, step) {
    var field = input.closest(".cell").dataset.field;
    var list = visibleRows(), i = list.indexOf(input.closest("tr"));
    var target = list[i + step];
    if (!target) { return false; }
    var next = target.querySelector('.cell[data-field="' + field + '"] .grid-input');
    if (!next) { return false; }
    var details = next.closest("details");
    if (details) { details.open = true; }
    if (next.offsetParent === null) { expand(target, true); }
    next.focus();
    if (next.type === "text") { next.select(); }
    return true;
  }
  form.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!t.classList || !t.classList.contains("grid-input") || e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === "Escape") {
      if (changed(t)) {
        t.value = t.dataset.orig || "";
        mark(t);
        updateStatus();
        e.preventDefault();
      }
    } else if (e.key === "Enter") {
      e.preventDefault(); // never submit from a field: saving goes through the summary
      move(t, e.shiftKey ? -1 : 1);
    } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && t.type === "text" && !e.shiftKey) {
      if (move(t, e.key === "ArrowDown" ? 1 : -1)) { e.preventDefault(); }
    }
  });

  // ------------------------------------------------------------ phone: fold the less-changed fields
  rows().forEach(function (row) {
    var button = row.querySelector(".more-fields");
    if (!button || !row.querySelector(".cell.is-extra")) { return; }
    button.hidden = false;
    expand(row, false);
    button.addEventListener("click", function () { expand(row, !row.classList.contains("is-expanded")); });
  });

  // ------------------------------------------------------------ conflict rows: take over the colleague's values
  slice(form.querySelectorAll(".take-theirs")).forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var row = button.closest("tr");
      inputs(row).forEach(function (input) { input.value = input.dataset.orig || ""; mark(input); });
      updateStatus();
      row.querySelector(".grid-input").focus();
    });
  });

  // ------------------------------------------------------------ sorting and filtering in place
  var tools = document.getElementById("weekly-tools");
  function key(row, sort) {
    var raw = row.dataset["k" + sort.charAt(0).toUpperCase() + sort.slice(1)];
    if (sort === "naam") { return raw || ""; }
    return raw === "" || raw === undefined ? null : Number(raw);
  }
  function compare(sort) {
    return function (a, b) {
      if (sort !== "locatie") {
        var ka = key(a, sort), kb = key(b, sort);
        if (ka === null && kb !== null) { return 1; }
        if (kb === null && ka !== null) { return -1; }
        if (ka !== null && kb !== null && ka !== kb) { return ka < kb ? -1 : 1; }
      }
      return Number(a.dataset.order) - Number(b.dataset.order);
    };
  }
  function apply() {
    var loc = tools.elements.locatie.value, sort = tools.elements.sorteer.value;
    var attention = tools.elements.aandacht.checked;
    var all = rows().sort(compare(sort));
    var groups = {};
    slice(tbody.querySelectorAll("tr.weekly-group")).forEach(function (g) { groups[g.dataset.loc] = g; });
    var frag = document.createDocumentFragment(), last = null;
    all.forEach(function (r) {
      if (sort === "locatie" && r.dataset.loc !== last && groups[r.dataset.loc]) { frag.appendChild(groups[r.dataset.loc]); }
      last = r.dataset.loc;
      frag.appendChild(r);
      r.hidden = Boolean((loc && r.dataset.loc !== loc) ||
                         (attention && r.dataset.attention !== "1" && !r.classList.contains("has-changes")));
    });
    if (sort !== "locatie") { Object.keys(groups).forEach(function (k) { frag.insertBefore(groups[k], frag.firstChild); }); }
    tbody.appendChild(frag);
    Object.keys(groups).forEach(function (k) {
      groups[k].hidden = sort !== "locatie" || !all.some(function (r) { return r.dataset.loc === k && !r.hidden; });
    });
    table.classList.toggle("is-grouped", sort === "locatie");
    table.dataset.sort = sort;
    var params = new URLSearchParams();
    if (loc) { params.set("locatie", loc); }
    if (sort !== "locatie") { params.set("sorteer", sort); }
    if (attention) { params.set("aandacht", "1"); }
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    updateStatus();
  }
  if (tools) {
    tools.addEventListener("change", apply);
    tools.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  }
  updateStatus();

  // ------------------------------------------------------------ the summary before saving
  var dialog = document.getElementById("weekly-summary");
  var confirmed = false, pending = null;
  function shown(input) {
    var v = current(input);
    if (v === "") { return "leeg"; }
    if (input.tagName === "SELECT") {
      var opt = slice(input.options).filter(function (o) { return o.value === v; })[0];
      return opt ? opt.textContent : v;
    }
    if (input.type === "date" && /^\d{4}-\d{2}-\d{2}$/.test(v)) { return v.slice(8) + "-" + v.slice(5, 7) + "-" + v.slice(0, 4); }
    return v;
  }
  function original(input) {
    var copy = input.cloneNode(true);
    copy.value = input.dataset.orig || "";
    if (input.tagName === "SELECT") { copy.value = input.dataset.orig || ""; }
    return shown(copy);
  }
  function fieldName(input) {
    var label = form.querySelector('label[for="' + input.id + '"]');
    return label ? label.childNodes[0].textContent.trim() : input.name;
  }
  function el(tag, text) { var node = document.createElement(tag); if (text !== undefined) { node.textContent = text; } return node; }
  function openSummary(button) {
    var confirmAll = button.value === "confirm_all";
    var list = document.getElementById("weekly-summary-list");
    list.textContent = "";
    var nChanged = 0, nSame = 0, nSkipped = 0, nHidden = 0, nConflict = 0;
    rows().forEach(function (row) {
      var fields = inputs(row).filter(changed);
      if (fields.length) {
        nChanged += 1;
        if (row.classList.contains("has-conflict")) { nConflict += 1; }
        var item = el("li"), title = el("strong", row.dataset.label + ": ");
        item.appendChild(title);
        fields.forEach(function (input, i) {
          if (i) { item.appendChild(document.createTextNode("; ")); }
          item.appendChild(document.createTextNode(fieldName(input) + " "));
          item.appendChild(el("del", original(input)));
          item.appendChild(document.createTextNode(" → "));
          item.appendChild(el("ins", shown(input)));
        });
        list.appendChild(item);
      } else if (row.dataset.never === "1" && inputs(row).every(function (i) { return current(i) === ""; })) {
        nSkipped += 1;
      } else {
        nSame += 1;
        if (row.hidden) { nHidden += 1; }
      }
    });
    var counts = nChanged + (nChanged === 1 ? " wijziging" : " wijzigingen") + ", " + nSame + " ongewijzigd";
    counts += confirmAll ? " — die worden bevestigd." : " — die worden níet bevestigd.";
    document.getElementById("weekly-summary-counts").textContent = counts;
    var notes = [];
    if (!nChanged) { notes.push(confirmAll ? "U wijzigde niets: alleen bevestigen." : "U wijzigde niets: er wordt niets opgeslagen."); }
    if (nHidden) { notes.push(nHidden + " ongewijzigd aanbod is nu verborgen door het filter en telt mee."); }
    if (nSkipped) { notes.push(nSkipped + " aanbod is nooit gemeld en leeg gelaten: dat wordt overgeslagen."); }
    if (nConflict) { notes.push(nConflict + " aanbod had een conflict met een collega: uw waarden hierboven vervangen die van uw collega."); }
    document.getElementById("weekly-summary-note").textContent = notes.join(" ");
    document.getElementById("weekly-summary-title").textContent = confirmAll ? "Alles klopt nog?" : "Wijzigingen opslaan?";
    document.getElementById("weekly-summary-ok").textContent = confirmAll ? "Opslaan en bevestigen" : "Opslaan";
    pending = button;
    dialog.showModal();
    document.getElementById("weekly-summary-ok").focus();
  }
  if (dialog && typeof dialog.showModal === "function") {
    form.addEventListener("submit", function (e) {
      if (confirmed || !e.submitter || e.submitter.name !== "action") { return; }
      e.preventDefault();
      openSummary(e.submitter);
    });
    document.getElementById("weekly-summary-ok").addEventListener("click", function () {
      confirmed = true;
      dialog.close();
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(pending);
      } else {
        var hidden = el("input");
        hidden.type = "hidden"; hidden.name = "action"; hidden.value = pending.value;
        form.appendChild(hidden);
        form.submit();
      }
    });
    document.getElementById("weekly-summary-back").addEventListener("click", function () {
      dialog.close();
      if (pending) { pending.focus(); }
    });
  }
}());
