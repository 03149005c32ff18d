/// sql.js: the SQL editor on the live query, scheduled query and label forms. It colours
/// the SQL in a layer under the text area (the text area itself is unchanged, so typing,
/// selection and the form behave as without it) and shows the server's schema check of
/// the SQL as it is typed. Only textContent and class names are set: the SQL stays text.
/// No eval, no inline script (the page's CSP allows only this file).
extension Assets {
    static let sqlJS = #"""
    "use strict";
    (function () {
      const area = document.getElementById("sql");
      const status = document.getElementById("sql-check");
      if (!area || !area.form) return;
      const KEYWORDS = new Set(("select from where and or not in is null like glob join left inner cross outer on using group by order " +
        "having limit offset as distinct union all except intersect case when then else end exists between asc desc with recursive " +
        "cast collate escape natural values").split(" "));
      // Comments, strings, quoted names, numbers, words, anything else: one token each.
      const TOKEN = /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?|`[^`]*`?|\[[^\]]*\]?)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)|(\s+)|([\s\S])/gi;

      const layer = document.createElement("pre");
      layer.className = "sql-layer";
      layer.setAttribute("aria-hidden", "true");
      const box = document.createElement("div");
      box.className = "sql-box";
      area.parentNode.insertBefore(box, area);
      box.appendChild(layer);
      box.appendChild(area);
      box.parentNode.classList.add("highlighting");

      // The character index where the server's error points (it counts UTF-8 bytes).
      let errorAt = -1;
      function charIndex(text, bytes) {
        const encoder = new TextEncoder();
        let count = 0;
        for (let i = 0; i < text.length; i++) {
          if (count >= bytes) return i;
          const code = text.codePointAt(i);
          count += encoder.encode(String.fromCodePoint(code)).length;
          if (code > 0xffff) i++;
        }
        return text.length;
      }

      function paint() {
        const text = area.value;
        layer.textContent = "";
        let match, at = 0;
        TOKEN.lastIndex = 0;
        while ((match = TOKEN.exec(text)) !== null) {
          const token = match[0];
          let kind = "";
          if (match[1]) kind = "com";
          else if (match[2]) kind = "str";
          else if (match[3]) kind = "name";
          else if (match[4]) kind = "num";
          else if (match[5] && KEYWORDS.has(token.toLowerCase())) kind = "kw";
          const start = at;
          at += token.length;
          if (errorAt >= start && errorAt < at && !match[6]) kind += " err";
          if (kind) {
            const span = document.createElement("span");
            span.className = kind.trim();
            span.textContent = token;
            layer.appendChild(span);
          } else {
            layer.appendChild(document.createTextNode(token));
          }
        }
        // A final newline needs a character after it to take up a line.
        layer.appendChild(document.createTextNode("\n"));
        layer.scrollTop = area.scrollTop;
      }

      let timer = 0, asked = 0;
      function check() {
        const token = area.form.querySelector("input[name=csrf_token]");
        if (!status || !token || !area.value.trim()) { if (status) status.textContent = ""; return; }
        const mine = ++asked;
        const body = new URLSearchParams({ csrf_token: token.value, sql: area.value });
        fetch("/check", { method: "POST", body: body, credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (result) {
            if (mine !== asked) return;
            const problems = result.errors.concat(result.warnings);
            status.className = result.errors.length ? "error" : (result.warnings.length ? "warning" : "notice");
            status.textContent = result.errors.length ? "The server refuses this SQL: " + result.errors.join("; ")
              : result.warnings.length ? "Warning: " + result.warnings.join("; ") : "The SQL checks against the tables' schemas.";
            const at = problems.length ? /at byte (\d+)/.exec(problems[0]) : null;
            errorAt = result.errors.length && at ? charIndex(area.value, Number(at[1])) : -1;
            paint();
          })
          .catch(function () { if (mine === asked) status.textContent = ""; });
      }

      area.addEventListener("input", function () {
        errorAt = -1;
        paint();
        clearTimeout(timer);
        timer = setTimeout(check, 400);
      });
      area.addEventListener("scroll", function () { layer.scrollTop = area.scrollTop; layer.scrollLeft = area.scrollLeft; });
      paint();
      check();
    })();
    """#
}
