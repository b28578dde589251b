/* Similar wishes while typing: asks the server which existing wishes look like this one.
   Progressive enhancement: without it, "Controleer op dubbele knelpunten" does the same. */
(function () {
  "use strict";
  var form = document.querySelector("[data-wish-form]");
  if (!form || !window.fetch) { return; }
  var results = form.querySelector("[data-similar-results]");
  var url = form.getAttribute("data-similar-url");
  var exclude = form.getAttribute("data-exclude") || "";
  var title = form.querySelector("#title");
  var statute = form.querySelector("#statute");
  var article = form.querySelector("#article");
  if (!results || !url || !title) { return; }
  var text = function (name, fallback) { return results.getAttribute("data-text-" + name) || fallback; };
  var timer = null;
  var last = "";

  function query() {
    var params = new URLSearchParams();
    params.set("titel", title.value.trim());
    params.set("statuut", statute ? statute.value : "");
    params.set("artikel", article ? article.value.trim() : "");
    if (exclude) { params.set("behalve", exclude); }
    return params.toString();
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }

  function render(wishes) {
    results.textContent = "";
    if (!wishes.length) { results.hidden = true; return; }
    results.appendChild(element("h2", "utrecht-heading-2", text("heading", "Lijkt uw knelpunt op een van deze?")));
    results.appendChild(element("p", "utrecht-paragraph", text("intro", "")));
    var list = element("ul", "bundler-similar__list");
    wishes.forEach(function (wish) {
      var item = element("li", "bundler-similar__item");
      item.appendChild(element("h3", "utrecht-heading-3", wish.reference + " " + wish.title));
      var facts = [];
      if (wish.statute) { facts.push(wish.statute + (wish.article ? ", " + text("article", "artikel") + " " + wish.article : "")); }
      facts.push(wish.state);
      facts.push(text("pilots", "pilots: {n}").replace("{n}", String(wish.pilotCount)));
      item.appendChild(element("p", "utrecht-paragraph", facts.join(" · ")));
      if (wish.canJoin) {
        var link = element("a", "utrecht-link", text("join", "Wij lopen hier ook tegenaan"));
        link.href = wish.joinUrl;
        var paragraph = element("p", "utrecht-paragraph");
        paragraph.appendChild(link);
        item.appendChild(paragraph);
      } else {
        item.appendChild(element("p", "utrecht-paragraph", text("involved", "")));
      }
      list.appendChild(item);
    });
    results.appendChild(list);
    results.hidden = false;
  }

  function check() {
    var enough = title.value.trim().length >= 4 || (statute && statute.value && article && article.value.trim());
    if (!enough) { results.hidden = true; results.textContent = ""; last = ""; return; }
    var params = query();
    if (params === last) { return; }
    last = params;
    fetch(url + "?" + params, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { wishes: [] }; })
      .then(function (data) { if (params === last) { render(data.wishes || []); } })
      .catch(function () { /* the server-side check still works */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  }

  [title, statute, article].forEach(function (input) {
    if (!input) { return; }
    input.addEventListener("input", later);
    input.addEventListener("change", later);
  });
  if (title.value) { later(); }
})();
