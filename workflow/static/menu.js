// The role's menu (<details class="menu" open> in base.html): closed on a narrow screen, so
// that a phone shows one "Menu" button instead of every link; always open on a wide one.
(function () {
  "use strict";
  var menu = document.querySelector("details.menu");
  if (!menu || !window.matchMedia) { return; }
  var narrow = window.matchMedia("(max-width: 40rem)");
  function fit() {
    if (narrow.matches) { menu.removeAttribute("open"); } else { menu.setAttribute("open", ""); }
  }
  fit();
  if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
}());
