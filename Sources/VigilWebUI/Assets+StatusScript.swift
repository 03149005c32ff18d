/// status.js: keeps the hosts' online status current on the page that shows it (the
/// dashboard's counts, the hosts page's rows) from the API's server-sent events. It only
/// sets textContent and one of two class names. Without it, a reload shows the same.
extension Assets {
    static let statusJS = #"""
    "use strict";
    (function () {
      const rows = document.querySelectorAll("tr[data-host]");
      const ids = Array.from(rows, function (row) { return row.dataset.host; });
      const source = new EventSource("/api/v1/status/stream?ids=" + encodeURIComponent(ids.join(",")));
      source.addEventListener("counts", function (event) {
        const counts = JSON.parse(event.data);
        for (const [kind, value] of [["online", counts.online], ["offline", counts.offline], ["all", counts.total]]) {
          const count = document.querySelector(".tile." + kind + " .count");
          if (count) count.textContent = String(value);
        }
      });
      source.addEventListener("host", function (event) {
        const host = JSON.parse(event.data);
        const badge = document.querySelector("tr[data-host='" + Number(host.id) + "'] .badge");
        if (!badge) return;
        badge.textContent = host.online ? "online" : "offline";
        badge.className = "badge " + (host.online ? "online" : "offline");
      });
      // The stream ends after ten minutes or when the server stops: a reload starts another.
      source.onerror = function () { source.close(); };
    })();
    """#
}
