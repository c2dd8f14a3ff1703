// SPDX-License-Identifier: GPL-2.0-or-later
#include "report/html_assets.h"

namespace zp::report::html {

const char* const kStyle = R"CSS(
:root { --fg: #1d2327; --muted: #5f6b73; --line: #d9dee2; --pass: #2a9d8f; --fail: #d62828; --warn: #e9a23b; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; background: #f7f8f9; }
header { background: #22313f; color: #fff; padding: 16px 28px; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header code { color: #ffe8a3; }
nav { padding: 8px 28px; background: #fff; border-bottom: 1px solid var(--line); }
nav a { margin-right: 16px; color: #22577a; text-decoration: none; }
main { padding: 8px 28px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 18px; margin: 16px 0; }
h2 { font-size: 17px; margin: 4px 0 10px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; color: #fff; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.unknown { background: var(--warn); }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f3; font-weight: 600; }
table.heat td.cell { min-width: 90px; cursor: pointer; font-size: 12px; }
table.heat td.cell.empty { color: #b0b8bf; cursor: default; }
table.heat td.cell.hot { outline: 3px solid var(--fail); outline-offset: -3px; font-weight: 600; }
table.heat td.cell.na { background: repeating-linear-gradient(45deg, #f3f4f5, #f3f4f5 4px, #fff 4px, #fff 8px); }
td.status-pass { color: var(--pass); font-weight: 600; } td.status-fail { color: var(--fail); font-weight: 600; }
td.status-unknown { color: var(--warn); font-weight: 600; }
tr.newly-allowed td:first-child { border-left: 4px solid var(--fail); }
tr.newly-blocked td:first-child { border-left: 4px solid var(--warn); }
#cell-detail { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 12px; background: #f3f5f7;
  padding: 8px 10px; border-radius: 6px; min-height: 2.5em; }
#zp-errors { background: #fde2e1; color: #8a1c1c; padding: 8px 28px; }
.muted { color: var(--muted); }
.legend span { display: inline-block; width: 14px; height: 14px; vertical-align: middle; margin: 0 4px 0 12px; border: 1px solid #999; }
svg text { font-family: system-ui, sans-serif; }
.graph-wrap { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.graph-box { flex: 3 1 560px; min-width: 0; }
.graph-box svg { width: 100%; height: auto; max-height: 88vh; display: block; }
.graph-edges { flex: 2 1 340px; max-height: 88vh; overflow: auto; }
table.edges { font-size: 12px; width: 100%; }
table.edges td:first-child { text-align: right; font-weight: 600; }
table.edges tr.hot td { color: var(--fail); }
table.edges tr.focus td, table.edges tr:hover td { background: #fff3c4; }
#zone-graph g.edge.focus path { stroke: #22577a; stroke-width: 3.5; }
#zone-graph g.badge.focus circle { fill: #fff3c4; stroke-width: 2; }
)CSS";

const char* const kErrorHook = R"JS(
(function () {
  function record(msg) {
    var box = document.getElementById('zp-errors');
    if (!box) { (window.zpPendingErrors = window.zpPendingErrors || []).push(msg); return; }
    box.hidden = false;
    var p = document.createElement('p');
    p.className = 'zp-error';
    p.textContent = msg;
    box.appendChild(p);
  }
  window.zpRecordError = record;
  window.addEventListener('error', function (e) {
    var where = e.filename ? ' at ' + e.filename + ':' + e.lineno : '';
    var what = e.message || ('failed to load ' + ((e.target && (e.target.src || e.target.href)) || 'a resource'));
    record(what + where);
  }, true);
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
  document.addEventListener('securitypolicyviolation', function (e) { record('blocked by the page policy: ' + e.blockedURI); });
})();
)JS";

const char* const kScript = R"JS(
(function () {
  (window.zpPendingErrors || []).forEach(function (m) { window.zpRecordError(m); });
  var panel = document.getElementById('cell-detail');
  function show(td) {
    var head = td.getAttribute('data-target') + ' (' + td.getAttribute('data-hook') + '): ' +
               td.getAttribute('data-from') + ' \u2192 ' + td.getAttribute('data-to');
    panel.textContent = head + '\n' + (td.getAttribute('data-detail') || 'nothing is accepted');
  }
  var cells = document.querySelectorAll('table.heat td.cell:not(.na)');
  for (var i = 0; i < cells.length; i++) {
    (function (td) {
      td.addEventListener('click', function () { show(td); });
      td.addEventListener('keydown', function (e) { if (e.key === 'Enter') show(td); });
    })(cells[i]);
  }
  // The graph's numbered arrows and the rows of its table light up together.
  function focusEdge(n, on) {
    var all = document.querySelectorAll('[data-edge="' + n + '"]');
    for (var k = 0; k < all.length; k++) all[k].classList.toggle('focus', on);
  }
  var linked = document.querySelectorAll('#zone-graph g.edge, #zone-graph g.badge, #graph-edges tr[data-edge]');
  for (var j = 0; j < linked.length; j++) {
    (function (el) {
      var n = el.getAttribute('data-edge');
      el.addEventListener('mouseenter', function () { focusEdge(n, true); });
      el.addEventListener('mouseleave', function () { focusEdge(n, false); });
    })(linked[j]);
  }
  document.getElementById('cells-with-traffic').textContent =
      document.querySelectorAll('table.heat td.cell[data-regions]:not([data-regions="0"])').length;
  document.body.setAttribute('data-zp-ready', '1');
})();
)JS";

}  // namespace zp::report::html
