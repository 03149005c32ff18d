/// live.js: on a live query's page, follows the API's server-sent events for that
/// query (with the session cookie) and adds rows and target states as they arrive, up
/// to the page's room (a page holds 1,000 rows: thousands of rows added one by one
/// would make the page slow; the rest are counted and on the next pages). It only ever
/// sets textContent, so a row's values stay text. Without it the page shows what had
/// arrived when it was loaded.
extension Assets {
    static let liveJS = #"""
    "use strict";
    (function () {
      const rows = document.getElementById("rows");
      if (!rows || rows.dataset.stream === "done") return;
      const columns = JSON.parse(rows.dataset.columns || "[]");
      const head = rows.querySelector("thead tr");
      const body = rows.querySelector("tbody");
      const progress = document.getElementById("progress");
      const note = document.getElementById("rows-note");
      const next = document.getElementById("next-rows");
      let room = Number(rows.dataset.room || "1000"), more = 0;
      const source = new EventSource("/api/v1/queries/run/" + encodeURIComponent(rows.dataset.campaign) +
                                     "/stream?after=" + encodeURIComponent(rows.dataset.after || "0"));

      function cell(tag, text) {
        const c = document.createElement(tag);
        c.textContent = text;
        return c;
      }

      source.addEventListener("row", function (event) {
        if (room <= 0) {
          more++;
          if (note) note.textContent = more + " more row" + (more === 1 ? "" : "s") + " arrived after this page's last: see the next rows or the downloads.";
          if (next) next.hidden = false;
          return;
        }
        room--;
        if (next && event.lastEventId) next.href = "/live/" + encodeURIComponent(rows.dataset.campaign) + "?after=" + encodeURIComponent(event.lastEventId);
        const row = JSON.parse(event.data);
        for (const key of Object.keys(row).sort()) {
          if (key !== "host_identifier" && !columns.includes(key)) {
            columns.push(key);
            const th = cell("th", key);
            th.scope = "col";
            head.appendChild(th);
          }
        }
        const tr = document.createElement("tr");
        tr.appendChild(cell("td", row.host_identifier || ""));
        for (const key of columns) tr.appendChild(cell("td", row[key] === undefined ? "" : String(row[key])));
        body.appendChild(tr);
      });

      source.addEventListener("target", function (event) {
        const target = JSON.parse(event.data);
        for (const tr of document.querySelectorAll("#targets tbody tr")) {
          if (tr.dataset.host !== target.host_identifier) continue;
          const state = tr.children[1];
          state.textContent = target.state;
          state.className = "state " + target.state;
          tr.children[2].textContent = String(target.rows);
          tr.children[3].textContent = target.error || "";
        }
      });

      source.addEventListener("done", function () {
        source.close();
        rows.dataset.stream = "done";
        if (progress) progress.textContent = "Every host has answered.";
      });

      source.onerror = function () {
        // The stream ends after ten minutes or when the server stops. No reconnecting: the
        // browser would ask again from the page's first row and add rows twice; a reload
        // shows everything that has come.
        source.close();
        if (progress && rows.dataset.stream !== "done") progress.textContent += " (updates stopped: reload for more)";
      };
    })();
    """#
}
