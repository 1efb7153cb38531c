// Target charts: <div data-planning-chart data-chart-source="id-of-json-script">. The JSON is
// {"type": "bars", "labels", "values", "links"} (attainment %, each bar opens its target) or
// {"type": "lines", "labels", "series": [{"name", "values", "dashed"}]} (trend). No inline scripts.
(function () {
  "use strict";

  function option(data, fontFamily) {
    var base = { textStyle: { fontFamily: fontFamily }, tooltip: { trigger: "axis" } };
    if (data.type === "lines") {
      base.legend = { top: 0, textStyle: { fontFamily: fontFamily } };
      base.grid = { left: 8, right: 24, top: 32, bottom: 8, containLabel: true };
      base.xAxis = { type: "category", data: data.labels, axisLabel: { fontFamily: fontFamily } };
      base.yAxis = { type: "value", axisLabel: { fontFamily: fontFamily } };
      base.series = data.series.map(function (s) {
        return { type: "line", name: s.name, data: s.values, connectNulls: false,
                 lineStyle: s.dashed ? { type: "dashed" } : {} };
      });
      return base;
    }
    base.grid = { left: 8, right: 48, top: 8, bottom: 8, containLabel: true };
    base.xAxis = { type: "value", axisLabel: { fontFamily: fontFamily, formatter: "{value}%" } };
    base.yAxis = { type: "category", data: data.labels, inverse: true, axisLabel: { fontFamily: fontFamily } };
    base.series = [{ type: "bar", name: data.title, data: data.values,
                     itemStyle: { color: function (p) { return p.value >= 100 ? "#198754" : "#0d6efd"; } },
                     label: { show: true, position: "right", formatter: "{c}%" } }];
    return base;
  }

  function draw(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-planning-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById(el.dataset.chartSource);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(data, getComputedStyle(document.body).fontFamily));
      if (data.links) {
        chart.on("click", function (params) {
          var url = data.links[params.dataIndex];
          if (url) { window.location.href = url; }
        });
      }
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var ready = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
    ready.then(function () { draw(document); });
  });
})();
