// Printable sheets: show the "Cetak" button and make it open the print dialog.
// Without JavaScript the page explains Ctrl+P instead, so nothing depends on this file.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
