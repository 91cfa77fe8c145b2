/* Lists that scale (docs/decisions/0026): a list's filters apply without a click. Typing in
   the search box (after a short pause) or changing a filter fetches the same GET address the
   form's button would open, puts the new table and pager in place of the old ones and the new
   count into the status line (a live region, which screen readers then read out); the address bar follows (history.replaceState), so the page can be bookmarked and
   reloaded. Focus stays where the user is typing. Without JavaScript the form's "Pokaż"
   button does the same with a page load. No inline script (Content-Security-Policy). */
(function () {
  "use strict";
  if (window.sciezkaListing || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  window.sciezkaListing = true;
  var DELAY = 350;

  function bind(form) {
    var id = form.getAttribute("data-listing-form");
    var results = document.querySelector('[data-listing-results="' + id + '"]');
    if (!results) {
      return;
    }
    var timer = null;
    var asked = 0;
    var last = null;

    function address() {
      var params = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.disabled || el.type === "submit") {
          return;
        }
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
          return;
        }
        if (el.value !== "") {
          params.append(el.name, el.value);
        }
      });
      var query = params.toString();
      return form.getAttribute("action") + (query ? "?" + query : "");
    }

    function apply() {
      var url = address();
      if (url === last) {
        return;
      }
      last = url;
      var mine = ++asked;
      results.setAttribute("aria-busy", "true");
      window.fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status)); /* a message for the form: show the page */
          }
          return response.text();
        })
        .then(function (html) {
          if (mine !== asked) {
            return; /* an answer to an older search arrived late */
          }
          var doc = new window.DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector('[data-listing-results="' + id + '"]');
          if (fresh) {
            results.innerHTML = fresh.innerHTML;
            var status = document.querySelector('[data-listing-status="' + id + '"]');
            var news = doc.querySelector('[data-listing-status="' + id + '"]');
            if (status && news && status.textContent !== news.textContent) {
              status.textContent = news.textContent; /* announced: a live region kept in place */
            }
            window.history.replaceState(null, "", url);
          }
          results.removeAttribute("aria-busy");
        })
        .catch(function () {
          window.location.assign(url); /* the plain way, as without JavaScript */
        });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(apply, DELAY);
    }

    form.addEventListener("input", function (event) {
      if (event.target.type === "search" || event.target.type === "text") {
        later();
      }
    });
    form.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT" || event.target.type === "checkbox" ||
          event.target.type === "radio") {
        window.clearTimeout(timer);
        apply();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      last = null;
      apply();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-listing-form]"), bind);
})();
