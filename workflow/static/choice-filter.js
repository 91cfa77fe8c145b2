/* A search over a long list of checkboxes (the participants of a service: 70 people and
   more). Typing keeps only the choices whose label holds every typed word, letter case and
   Polish diacritics ignored ("lodz" finds "Łódź"); ticked choices always stay in sight, so
   nothing chosen is hidden. The box is hidden in the HTML and shown here: without
   JavaScript the whole list is shown, as before. No inline script (Content-Security-Policy). */
(function () {
  "use strict";

  function plain(text) {
    return text.toLowerCase().replace(/ł/g, "l").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function bind(box) {
    var list = document.getElementById(box.getAttribute("data-choice-filter") + "-choices");
    var input = box.querySelector("input[type=search]");
    var status = box.querySelector("[data-choice-filter-status]");
    if (!list || !input) {
      return;
    }
    var items = Array.prototype.slice.call(list.querySelectorAll("li"));
    var texts = items.map(function (li) { return plain(li.textContent); });
    box.hidden = false;

    function apply() {
      var words = plain(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (li, i) {
        var box = li.querySelector("input");
        var match = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
        var visible = match || (box && box.checked);
        li.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      if (status) {
        status.textContent = words.length ? status.getAttribute("data-template")
          .replace("{shown}", shown).replace("{total}", items.length) : "";
      }
    }

    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); /* Enter filters; it does not send the whole form */
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-choice-filter]"), bind);
})();
