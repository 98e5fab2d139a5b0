// As-you-type suggestions for the search page. The page works without it.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("suggestions");
  if (!input || !list || !window.fetch) { return; }
  var timer = null;
  var latest = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = input.value.trim();
      if (!text) { list.textContent = ""; return; }
      var ticket = ++latest;
      var url = input.dataset.suggest + "?limit=8&q=" + encodeURIComponent(text) + "&lang=" + encodeURIComponent(input.dataset.lang || "en");
      fetch(url, { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (items) {
          if (ticket !== latest) { return; }
          list.textContent = "";
          items.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.text;  // text, never HTML
            option.label = item.text === item.prefLabel ? item.lang : item.prefLabel + " (" + item.lang + ")";
            list.appendChild(option);
          });
        })
        .catch(function () { list.textContent = ""; });
    }, 120);
  });
})();
