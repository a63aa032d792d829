"""The class report's inline stylesheet and script: the page must open offline, from a file, with
nothing fetched, so both travel inside it.

Tables with prose in their cells keep a readable width and scroll sideways inside their box on a
phone; the page itself never does. The script only sorts tables when a header is clicked (or Enter
is pressed on it); without it the tables keep the order the report chose (hardest check first,
most students first, by name).
"""

from __future__ import annotations

CSS = """
*{box-sizing:border-box}
html{color-scheme:light}
body{margin:0 auto;max-width:72rem;padding:1rem;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
 sans-serif;color:#1f2328;background:#fff;overflow-wrap:break-word}
h1{font-size:1.6rem;margin:.2rem 0}
h1 small{display:block;font-size:1rem;color:#57606a;font-weight:normal}
h2{font-size:1.3rem;margin:2.2rem 0 .6rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
a{color:#0b5cad}
nav{display:flex;flex-wrap:wrap;gap:.2rem 1rem;margin:.6rem 0}
.lead{color:#57606a;margin:.2rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,21rem),1fr));gap:1rem}
.card{background:#f6f8fa;border:1px solid #d8dee4;border-radius:8px;padding:.8rem;min-width:0}
.card h3{margin:0 0 .4rem}
figure{margin:0}
svg{display:block;width:100%;max-width:30rem;height:auto}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(6.2rem,1fr));gap:.35rem;margin:.6rem 0 0}
.figures div{background:#fff;border:1px solid #e6eaef;border-radius:6px;padding:.25rem .5rem}
.figures dt{font-size:.75rem;color:#57606a}
.figures dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.bands{font-size:.85rem;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.4rem 0;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.92rem}
table{min-width:40rem}
#students table{min-width:0}
#students td{min-width:0}
th,td{text-align:left;padding:.35rem .55rem;border-bottom:1px solid #e6eaef;vertical-align:top}
th{background:#f0f3f6;white-space:nowrap;font-weight:600}
td{overflow-wrap:break-word}
td:not(.n){min-width:8rem}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.js table.sortable th{cursor:pointer;user-select:none}
.js table.sortable th::after{content:" \\2195";color:#8c959f}
.js table.sortable th[aria-sort=ascending]::after{content:" \\25B2";color:#1f2328}
.js table.sortable th[aria-sort=descending]::after{content:" \\25BC";color:#1f2328}
.bar{display:inline-block;height:.6rem;background:#4c78a8;border-radius:2px;margin-left:.4rem;vertical-align:middle}
ul.mistakes{margin:0;padding-left:1.1rem}
ul.mistakes li{margin:.1rem 0}
code{font-size:.85em;color:#57606a}
.err{color:#b3261e;font-weight:600}
.muted{color:#8c959f}
.note{background:#fff8e1;border-left:4px solid #e3b341;padding:.4rem .7rem}
dl.ideas dt{font-weight:600;margin-top:.9rem}
dl.ideas dd{margin:.2rem 0 0}
:target{background:#fff3c4}
dl.provenance{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.provenance dt{color:#57606a}
dl.provenance dd{margin:0}
@media (max-width:40rem){body{padding:.6rem;font-size:15px}th,td{padding:.3rem .4rem}
 dl.provenance{grid-template-columns:1fr}dl.provenance dd{margin-bottom:.4rem}}
"""

SCRIPT = """
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function key(cell) {
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent.trim().toLowerCase() : value;
  }
  function sort(th) {
    var table = th.closest("table"), body = table.tBodies[0], column = th.cellIndex;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var numeric = th.classList.contains("n");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[column]), y = key(b.cells[column]);
      var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return ascending ? order : -order;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable th").forEach(function (th) {
    th.tabIndex = 0;
    th.title = "sort by this column";
    th.addEventListener("click", function () { sort(th); });
    th.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(th); }
    });
  });
})();
"""
