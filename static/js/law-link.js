/* "Plak een link naar de wet": fill statute, article and lid from a pasted law link.
 * Progressive enhancement only; the server reads the same link on submit
 * (bundler/lawlinks.py is the one parser; this mirrors its two forms). */
(function () {
  "use strict";
  var BWB = /(?:^|[^A-Z0-9])(BWB[RV]\d{7})(?!\d)/i;
  var JCI = /jci1\.\d+:[a-z]:(BWB[RV]\d{7})((?:&[^&#\s]*)*)/i;
  var ARTICLE = /^[0-9]+[a-z]{0,3}(?:[.:][0-9]+[a-z]{0,3}){0,3}$/i;
  var PARAGRAPH = /^[0-9]+[a-z]?$/i;

  function decode(value) {
    try { return decodeURIComponent(value); } catch (e) { return value; }
  }

  function parse(text) {
    text = (text || "").trim();
    if (!text || text.length > 2000) { return null; }
    var parts = {}, bwb, match = JCI.exec(text);
    if (match) {
      bwb = match[1];
      match[2].split("&").forEach(function (pair) {
        var at = pair.indexOf("="), key = (at < 0 ? pair : pair.slice(0, at)).trim().toLowerCase();
        if (key && !(key in parts)) { parts[key] = decode(at < 0 ? "" : pair.slice(at + 1)).trim(); }
      });
    } else {
      if (text.toLowerCase().indexOf("wetten.overheid.nl") < 0 && !/^BWB[RV]\d{7}$/i.test(text)) { return null; }
      match = BWB.exec(text);
      if (!match) { return null; }
      bwb = match[1];
      var hash = text.indexOf("#");
      if (hash >= 0) {
        decode(text.slice(hash + 1)).split("_").forEach(function (piece) {
          var m = /^([A-Za-z]+?)([0-9].*)$/.exec(piece);
          if (m && !(m[1].toLowerCase() in parts)) { parts[m[1].toLowerCase()] = m[2]; }
        });
      }
    }
    var article = ARTICLE.test(parts.artikel || "") ? parts.artikel : "";
    var paragraph = article && PARAGRAPH.test(parts.lid || "") ? parts.lid : "";
    return { bwb: bwb.toUpperCase(), article: article, paragraph: paragraph };
  }

  function setValue(input, value) {
    if (!input) { return; }
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.querySelectorAll("[data-law-link]").forEach(function (box) {
    var input = box.querySelector("input");
    var status = box.querySelector("[data-law-link-status]");
    var form = box.closest("form");
    if (!input || !form) { return; }
    function text(name) { return box.getAttribute("data-text-" + name) || ""; }

    function fill() {
      var ref = parse(input.value);
      if (!input.value.trim()) { status.textContent = ""; return; }
      if (!ref) { status.textContent = text("unreadable"); return; }
      var statute = form.querySelector("select[name=statute]");
      var known = statute && Array.prototype.some.call(statute.options, function (o) { return o.value === ref.bwb; });
      var unknown = form.querySelector("input[name=statute_unknown]");
      if (unknown && unknown.checked) { unknown.checked = false; unknown.dispatchEvent(new Event("change", { bubbles: true })); }
      setValue(statute, known ? ref.bwb : "");
      setValue(form.querySelector("input[name=article]"), ref.article);
      setValue(form.querySelector("input[name=paragraph]"), ref.paragraph);
      if (!known) { status.textContent = text("unknown").replace("{bwb}", ref.bwb); return; }
      var what = statute.options[statute.selectedIndex].text;
      if (ref.article) { what += ", " + text("article") + " " + ref.article; }
      if (ref.paragraph) { what += ", " + text("paragraph") + " " + ref.paragraph; }
      status.textContent = text("filled").replace("{what}", what);
    }
    // Paste puts the text in after the event; read it on the next turn.
    input.addEventListener("paste", function () { window.setTimeout(fill, 0); });
    input.addEventListener("change", fill);
  });
}());
