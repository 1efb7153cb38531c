// A campaign's funnel: <div data-campaign-funnel data-chart-source="id-of-json-script">. The JSON
// is {"title", "labels", "values", "links"}: each step opens the leads behind it. No inline scripts.
(function () {
  "use strict";

  function draw(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-campaign-funnel]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById(el.dataset.chartSource);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var fontFamily = getComputedStyle(document.body).fontFamily;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        textStyle: { fontFamily: fontFamily },
        tooltip: { trigger: "item", formatter: "{b}: {c}" },
        series: [{
          type: "funnel", name: data.title, sort: "none", gap: 2, min: 0,
          max: Math.max.apply(null, data.values.concat([1])),
          left: "10%", width: "80%", top: 8, bottom: 8, minSize: "8%",
          label: { show: true, position: "inside", formatter: "{b}: {c}", fontFamily: fontFamily },
          data: data.labels.map(function (label, i) { return { name: label, value: data.values[i] }; })
        }]
      });
      chart.on("click", function (params) {
        var url = data.links && data.links[params.dataIndex];
        if (url) { window.location.href = url; }
      });
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var ready = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
    ready.then(function () { draw(document); });
  });
})();
