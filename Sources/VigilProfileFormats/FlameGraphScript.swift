/// The inline style and script of `FlameGraphSVG`. Frames carry their position in
/// sample units (data-x, data-v) and their depth (data-d), so zooming is a
/// rescale of those numbers; no layout is recomputed from names.
enum FlameGraphScript {
    static let css = """
    text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; }
    #title { font-size: 17px; }
    #reset { cursor: pointer; fill: #2060c0; }
    .f { cursor: pointer; }
    .f:hover rect { stroke: #000; stroke-width: 0.5; }
    .hidden { display: none; }
    .faded rect { opacity: 0.5; }
    input { width: 210px; font-size: 12px; }
    """

    static let javascript = """
    (function () {
      var svg = document.documentElement;
      var total = +svg.getAttribute('data-total');
      var unit = svg.getAttribute('data-unit');
      var pad = +svg.getAttribute('data-pad');
      var width = +svg.getAttribute('width') - 2 * pad;
      var frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));
      var details = document.getElementById('details');
      var reset = document.getElementById('reset');
      var matched = document.getElementById('matched');
      var search = document.getElementById('search');
      function num(g, a) { return +g.getAttribute('data-' + a); }
      function name(g) { var t = g.querySelector('title').textContent; return t.slice(0, t.lastIndexOf(' (')); }
      function pct(v) { return (100 * v / total).toFixed(2) + '%'; }
      function fit(g, w) {
        var text = g.querySelector('text'), n = name(g), fits = Math.floor((w - 6) / 7);
        text.textContent = fits < 3 ? '' : (n.length <= fits ? n : n.slice(0, fits - 2) + '..');
      }
      function place(g, x0, span) {
        var x = num(g, 'x'), v = num(g, 'v'), d = num(g, 'd');
        var rect = g.querySelector('rect'), text = g.querySelector('text');
        var px = pad + (x - x0) * width / span, w = v * width / span;
        rect.setAttribute('x', px.toFixed(2)); rect.setAttribute('width', w.toFixed(2));
        text.setAttribute('x', (px + 3).toFixed(2));
        fit(g, w);
      }
      function zoom(z) {
        var zx = num(z, 'x'), zv = num(z, 'v'), zd = num(z, 'd');
        frames.forEach(function (g) {
          var x = num(g, 'x'), v = num(g, 'v'), d = num(g, 'd');
          g.classList.remove('hidden'); g.classList.remove('faded');
          if (d < zd && x <= zx && x + v >= zx + zv) { g.classList.add('faded'); place(g, zx, zv); g.querySelector('rect').setAttribute('x', pad); g.querySelector('rect').setAttribute('width', width); fit(g, width); }
          else if (d >= zd && x >= zx && x + v <= zx + zv) { place(g, zx, zv); }
          else { g.classList.add('hidden'); }
        });
        reset.classList.toggle('hidden', zv === total);
      }
      function unzoom() { zoom(frames[0]); }
      frames.forEach(function (g) {
        g.addEventListener('mouseover', function () { details.textContent = name(g) + ' (' + num(g, 'v') + ' ' + unit + ', ' + pct(num(g, 'v')) + ')'; });
        g.addEventListener('mouseout', function () { details.textContent = ' '; });
        g.addEventListener('click', function () { zoom(g); });
      });
      reset.addEventListener('click', unzoom);
      search.addEventListener('input', function () {
        var re = null;
        try { re = search.value ? new RegExp(search.value) : null; } catch (e) { return; }
        // Count each matched sample once: skip frames inside an already matched frame.
        var sum = 0, covered = [];
        frames.forEach(function (g) {
          var hit = re !== null && re.test(name(g));
          g.querySelector('rect').style.fill = hit ? 'rgb(230,0,230)' : '';
          if (!hit) return;
          var x = num(g, 'x'), v = num(g, 'v');
          if (!covered.some(function (c) { return x >= c[0] && x + v <= c[1]; })) { covered.push([x, x + v]); sum += v; }
        });
        matched.textContent = re === null ? '' : 'Matched: ' + pct(sum);
      });
    })();
    """
}
