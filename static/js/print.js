// A "Print" button on the printable pages (slips, year-end report): no inline script.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
