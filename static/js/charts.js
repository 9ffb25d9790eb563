// Draws every plotly figure the server embedded as JSON: <div class="chart" id="ID"> and, beside
// it, <script id="ID-data" type="application/json"> (Django's json_script). Runs on load and after
// every htmx swap.
(function () {
  var swedish = {
    moduleType: "locale",
    name: "sv",
    dictionary: {
      Autoscale: "Autoskala",
      "Double-click to zoom back out": "Dubbelklicka för att zooma ut igen",
      "Download plot as a png": "Ladda ner diagrammet som png",
      "Reset axes": "Återställ axlar",
      "Zoom in": "Zooma in",
      "Zoom out": "Zooma ut",
    },
    format: {
      days: ["söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"],
      shortDays: ["sön", "mån", "tis", "ons", "tor", "fre", "lör"],
      months: [
        "januari", "februari", "mars", "april", "maj", "juni",
        "juli", "augusti", "september", "oktober", "november", "december",
      ],
      shortMonths: [
        "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
      ],
      date: "%Y-%m-%d",
      decimal: ",",
      thousands: "\u00a0",
    },
  };
  var finnish = {
    moduleType: "locale",
    name: "fi",
    dictionary: {
      Autoscale: "Automaattinen skaalaus",
      "Double-click to zoom back out": "Kaksoisnapsauta palataksesi alkuperäiseen kokoon",
      "Download plot as a png": "Lataa kaavio png-kuvana",
      "Reset axes": "Palauta akselit",
      "Zoom in": "Lähennä",
      "Zoom out": "Loitonna",
    },
    format: {
      days: [
        "sunnuntai", "maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai",
      ],
      shortDays: ["su", "ma", "ti", "ke", "to", "pe", "la"],
      months: [
        "tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu",
        "heinäkuu", "elokuu", "syyskuu", "lokakuu", "marraskuu", "joulukuu",
      ],
      shortMonths: [
        "tammi", "helmi", "maalis", "huhti", "touko", "kesä",
        "heinä", "elo", "syys", "loka", "marras", "joulu",
      ],
      // 5.11.2026, as Django's Finnish SHORT_DATE_FORMAT (j.n.Y) writes dates in the tables.
      date: "%-d.%-m.%Y",
      decimal: ",",
      thousands: "\u00a0",
    },
  };
  // The page's language picks the chart's: month names, decimal comma and space-grouped
  // thousands in Swedish and Finnish; plotly's own English otherwise.
  var locales = { sv: swedish, fi: finnish };
  var registered = false;

  function draw(root) {
    if (!window.Plotly) {
      return;
    }
    if (!registered) {
      window.Plotly.register([swedish, finnish]);
      registered = true;
    }
    var language = document.documentElement.lang;
    var locale = locales.hasOwnProperty(language) ? language : "en";
    var charts = (root || document).querySelectorAll("div.chart[id]");
    charts.forEach(function (target) {
      var script = document.getElementById(target.id + "-data");
      if (!script) {
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
        locale: locale,
      }).then(function () {
        if (target.dataset.linked) {
          return;
        }
        target.dataset.linked = "1";
        // A point that carries a URL opens it (the bubbles of the dashboard); the table beside
        // the chart has the same links for keyboard users.
        target.on("plotly_click", function (event) {
          var point = event.points && event.points[0];
          if (point && typeof point.customdata === "string" && point.customdata.charAt(0) === "/") {
            window.location.assign(point.customdata);
          }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    draw(event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : document);
  });
  // Printed papers carry the numbers: open every "show the numbers" before printing.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (details) {
      details.setAttribute("open", "");
    });
  });
})();
