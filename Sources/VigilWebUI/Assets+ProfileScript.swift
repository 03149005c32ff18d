/// profile.js: on a page that lists a profile still being taken, follows the API's
/// server-sent events for it and shows each state as it changes; when it is done (or
/// failed) the page reloads, so the flame graph and downloads come from the server as
/// on any load. It only sets textContent. Without it, a reload shows the same.
extension Assets {
    static let profileJS = #"""
    "use strict";
    (function () {
      for (const row of document.querySelectorAll("tr[data-profile][data-state='requested'], tr[data-profile][data-state='sent']")) {
        const state = row.children[2];
        const source = new EventSource("/api/v1/profiles/" + encodeURIComponent(row.dataset.profile) + "/stream");
        source.addEventListener("state", function (event) {
          const profile = JSON.parse(event.data);
          state.textContent = profile.error ? profile.state + ": " + profile.error : profile.state;
          if (profile.state === "done" || profile.state === "failed") {
            source.close();
            window.location.reload();
          }
        });
        // The stream ends after ten minutes or when the server stops: a reload shows the rest.
        source.onerror = function () { source.close(); };
      }
    })();
    """#
}
