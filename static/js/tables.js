/* Cermin — tables on phones. Copies each column header into a data-label on its cells, so that
   below 40rem (static/css/app.css) each row reads as a card of "label: value" lines. Without this
   script a table scrolls inside its own box (.table-wrap), which the keyboard can reach. */
(function () {
  "use strict";
  function label(table) {
    var head = table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    // A table that labels its own cells (the audit log) stacks with its own stylesheet.
    if (!head || table.querySelector("td[data-label]")) { return; }
    var names = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      var span = cell.colSpan || 1;
      for (var i = 0; i < span; i += 1) { names.push((cell.textContent || "").replace(/\s+/g, " ").trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var name = names[column];
          if (name && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", name); }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("stacks");
    var wrap = table.closest(".table-wrap");
    if (wrap) { wrap.classList.add("stacked"); }
  }
  document.querySelectorAll("main table:not(.no-stack)").forEach(label);
}());
