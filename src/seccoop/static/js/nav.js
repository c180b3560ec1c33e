// The header's menu button on small screens: it shows and hides the main navigation.
// Without this script the navigation simply stays open (the html element never gets "js").
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".nav-toggle");
    var nav = document.querySelector(".main-nav");
    if (!button || !nav) { return; }
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();
