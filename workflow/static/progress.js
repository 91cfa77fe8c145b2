/* Progress of long work (a prepared export, a ranking run): polls the JSON address in the
   data-progress-url attribute and updates the <progress> bar and its text; when the work
   is finished it reloads the page, which then shows the result. No inline script, so a
   strict Content-Security-Policy (script-src 'self') allows it. Without JavaScript the
   page's plain "Odśwież" link does the same. */
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var status = box.querySelector("[data-progress-status]");
  var delay = 1500;

  function show(data) {
    if (bar && data.total) {
      bar.max = data.total;
      bar.value = data.done;
      bar.textContent = data.text;
    }
    if (text && data.text) {
      text.textContent = data.text;
    }
    if (status && data.status_text && status.textContent !== data.status_text) {
      status.textContent = data.status_text;
    }
  }

  function poll() {
    window.fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (data.finished) {
          window.location.reload();
          return;
        }
        show(data);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        window.setTimeout(poll, delay * 4);
      });
  }

  window.setTimeout(poll, delay);
}());
