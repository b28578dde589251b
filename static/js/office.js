// Programme office inbox: a "select all on this page" checkbox. Without JavaScript every row
// still has its own checkbox, so nothing depends on this file.
(function () {
  "use strict";
  var table = document.querySelector(".bundler-office-inbox");
  if (!table) { return; }
  var boxes = Array.prototype.slice.call(table.querySelectorAll("tbody input[name='knelpunt']"));
  var cell = table.querySelector("thead th");
  if (!cell || boxes.length === 0) { return; }
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "knelpunt-alle";
  all.className = "utrecht-checkbox utrecht-checkbox--html-input utrecht-checkbox--custom";
  var label = document.createElement("label");
  label.htmlFor = all.id;
  label.className = "bundler-visually-hidden";
  label.textContent = cell.textContent.trim() + ": " + (document.documentElement.lang === "en" ? "all on this page" : "alles op deze pagina");
  cell.textContent = "";
  cell.appendChild(all);
  cell.appendChild(label);
  function sync() {
    var checked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
  });
  boxes.forEach(function (b) { b.addEventListener("change", sync); });
  sync();
}());
