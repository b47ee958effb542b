(function () {
  'use strict';
  // Record CSP violations in the page itself, so a headless test can read them.
  var violations = [];
  function showViolations() {
    var list = document.getElementById('csp-violations');
    if (!list) { return; }
    while (violations.length) {
      var item = document.createElement('li');
      item.textContent = violations.shift();
      list.appendChild(item);
    }
  }
  document.addEventListener('securitypolicyviolation', function (e) {
    violations.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline'));
    showViolations();
  });

  var SEVERITY_RANK = { critical: 5, high: 4, medium: 3, low: 2, informational: 1 };
  var STATUS_RANK = { FAIL: 4, ERROR: 3, MUTED: 2, PASS: 1 };

  function option(select, value, label) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  function setUpFindings() {
    var table = document.getElementById('findings');
    if (!table) { return; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);

    var bar = document.createElement('div');
    bar.className = 'toolbar';
    bar.id = 'findings-toolbar';
    var search = document.createElement('input');
    search.type = 'search';
    search.placeholder = 'Filter by rule, resource, region, message\u2026';
    search.setAttribute('aria-label', 'Filter findings');
    var status = document.createElement('select');
    status.setAttribute('aria-label', 'Status');
    option(status, '', 'All statuses');
    ['FAIL', 'ERROR', 'MUTED'].forEach(function (s) { option(status, s, s); });
    var severity = document.createElement('select');
    severity.setAttribute('aria-label', 'Severity');
    option(severity, '', 'All severities');
    ['critical', 'high', 'medium', 'low', 'informational'].forEach(function (s) { option(severity, s, s); });
    var count = document.createElement('output');
    bar.appendChild(search);
    bar.appendChild(status);
    bar.appendChild(severity);
    bar.appendChild(count);
    table.parentNode.insertBefore(bar, table);

    function apply() {
      var q = search.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var ok = (!status.value || row.getAttribute('data-status') === status.value) &&
          (!severity.value || row.getAttribute('data-severity') === severity.value) &&
          (!q || row.textContent.toLowerCase().indexOf(q) !== -1);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + ' of ' + rows.length + ' findings';
    }
    search.addEventListener('input', apply);
    status.addEventListener('change', apply);
    severity.addEventListener('change', apply);
    apply();

    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, col) {
      if (!th.hasAttribute('data-sort')) { return; }
      th.tabIndex = 0;
      function sortBy() {
        var dir = th.getAttribute('aria-sort') === 'descending' ? 1 : -1;
        headers.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        var kind = th.getAttribute('data-sort');
        function key(row) {
          var text = row.cells[col].textContent.trim();
          if (kind === 'severity') { return SEVERITY_RANK[row.getAttribute('data-severity')] || 0; }
          if (kind === 'status') { return STATUS_RANK[row.getAttribute('data-status')] || 0; }
          return text.toLowerCase();
        }
        rows.sort(function (a, b) {
          var ka = key(a), kb = key(b);
          return ka < kb ? -dir : ka > kb ? dir : 0;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener('click', sortBy);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(); }
      });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    showViolations();
    setUpFindings();
    var state = document.getElementById('js-status');
    if (state) { state.textContent = 'Filtering and sorting enabled.'; }
    document.documentElement.setAttribute('data-js', 'ready');
  });
})();
