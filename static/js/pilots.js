/* Municipality picker: a filter box over the checkbox list grouped by province.
   Progressive enhancement: without this script the grouped checkboxes work as they are. */
(function () {
  "use strict";
  var picker = document.querySelector("[data-municipality-picker]");
  if (!picker) { return; }
  var items = Array.prototype.slice.call(picker.querySelectorAll("li[data-name]"));
  var provinces = Array.prototype.slice.call(picker.querySelectorAll("details[data-province]"));
  var count = picker.querySelector("[data-picker-count]");

  var field = document.createElement("div");
  field.className = "utrecht-form-field bundler-picker-filter";
  var label = document.createElement("label");
  label.className = "utrecht-form-label";
  label.htmlFor = "gemeente-zoeken";
  label.textContent = picker.getAttribute("data-filter-label") || "Zoek een gemeente";
  var input = document.createElement("input");
  input.type = "search";
  input.id = "gemeente-zoeken";
  input.autocomplete = "off";
  input.className = "utrecht-textbox utrecht-textbox--html-input";
  var labelWrap = document.createElement("div");
  labelWrap.className = "utrecht-form-field__label";
  labelWrap.appendChild(label);
  field.appendChild(labelWrap);
  field.appendChild(input);
  count.parentNode.insertBefore(field, count);

  function checkedIn(node) {
    return node.querySelectorAll("input[type=checkbox]:checked").length;
  }

  function update() {
    var query = input.value.trim().toLowerCase();
    items.forEach(function (item) {
      item.hidden = query !== "" && item.getAttribute("data-name").indexOf(query) === -1;
    });
    provinces.forEach(function (province) {
      var visible = province.querySelectorAll("li[data-name]:not([hidden])").length;
      province.hidden = query !== "" && visible === 0;
      if (query !== "") { province.open = visible > 0; }
    });
  }

  function recount() {
    var template = picker.getAttribute("data-count-text") || "Gekozen: {n}";
    count.textContent = template.replace("{n}", String(checkedIn(picker)));
  }

  input.addEventListener("input", update);
  // Enter in the filter must not submit the pilot form.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }
  });
  picker.addEventListener("change", recount);
})();
