// SalesCore page behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Ask before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  // Submit a filter form when a control marked data-autosubmit changes.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      if (window.htmx && el.form.hasAttribute("hx-get")) {
        window.htmx.trigger(el.form, "submit");
      } else {
        el.form.requestSubmit();
      }
    }
  });

  // Charts: <div data-chart="bar" data-chart-source="id-of-json-script">.
  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById(el.dataset.chartSource);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var fontFamily = getComputedStyle(document.body).fontFamily;
      chart.setOption({
        textStyle: { fontFamily: fontFamily },
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
        // containLabel measures axis labels in their own font (default sans-serif), not textStyle's.
        xAxis: { type: "value", minInterval: 1, axisLabel: { fontFamily: fontFamily } },
        yAxis: { type: "category", data: data.labels, inverse: true, axisLabel: { fontFamily: fontFamily } },
        series: [{ type: "bar", name: data.title, data: data.values, itemStyle: { color: "#0d6efd" },
                   label: { show: true, position: "right" } }]
      });
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  // Wait for web fonts so ECharts measures axis labels with the font it will draw them in.
  document.addEventListener("DOMContentLoaded", function () {
    var ready = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
    ready.then(function () { drawCharts(document); });
  });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });

  // Chromium sometimes keeps showing empty boxes for text laid out before its unicode-range
  // slice of the web font arrived; a re-layout once a batch of font loads finishes redraws it.
  if (document.fonts && document.fonts.addEventListener) {
    document.fonts.addEventListener("loadingdone", function () {
      var body = document.body;
      if (!body) { return; }
      body.classList.add("fonts-reflow");
      void body.offsetHeight;
      body.classList.remove("fonts-reflow");
    });
  }
})();
