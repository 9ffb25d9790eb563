// Draws every plotly figure the server embedded as JSON: <script type="application/json"
// data-chart="ID"> next to <div id="ID">. Runs on load and after every htmx swap.
(function () {
  function draw(root) {
    var scripts = (root || document).querySelectorAll("script[data-chart]");
    scripts.forEach(function (script) {
      var target = document.getElementById(script.getAttribute("data-chart"));
      if (!target || !window.Plotly) {
        return;
      }
      var figure = JSON.parse(script.textContent);
      window.Plotly.react(target, figure.data, figure.layout, {
        displaylogo: false,
        // No toolbar: its buttons would sit inside the role="img" container (and one of them
        // offers to send the data to a cloud service). The numbers are in the table beside.
        displayModeBar: false,
        showSendToCloud: false,
        responsive: true,
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    draw(event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : document);
  });
})();
