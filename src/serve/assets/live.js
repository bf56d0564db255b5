// veiviser serve: live reload and the error overlay. Injected into served HTML only; never part
// of a built site. Listens to the server's events: a new build reloads the page (or, with
// --follow, opens the page that changed); a failed build shows its errors over the page.
(function () {
  'use strict';
  var me = document.currentScript;
  var build = me.getAttribute('data-build');
  var follow = me.getAttribute('data-follow') === '1';
  var events = new EventSource('/__veiviser/events');
  events.addEventListener('state', function (e) {
    var state = JSON.parse(e.data);
    if (state.build !== build) {
      // A restarted server has a new build id too, so a page that outlived its server reloads.
      events.close();
      if (follow && state.changed && state.changed !== location.pathname) {
        location.assign(state.changed);
      } else {
        location.reload();
      }
      return;
    }
    var old = document.getElementById('veiviser-overlay');
    if (old) old.remove();
    if (state.overlay) document.body.insertAdjacentHTML('beforeend', state.overlay);
  });
  document.addEventListener('click', function (e) {
    if (e.target && e.target.closest && e.target.closest('#veiviser-overlay .vv-close')) {
      document.getElementById('veiviser-overlay').hidden = true;
    }
  });
})();
