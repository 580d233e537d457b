// Scenario page: after a refused launch or edit, bring the banner that says why into view
// (it sits at the top of the page; the form below keeps what was typed).
(function () {
  "use strict";
  var banner = document.getElementById("error-banner");
  if (!banner) { return; }
  window.scrollTo(0, 0);
  banner.scrollIntoView({block: "start"});
  banner.focus({preventScroll: true});
})();
