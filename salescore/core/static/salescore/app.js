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

  // Pipeline board: drag a card ([data-move-url]) onto a column ([data-drop-stage]). The server runs
  // the same gated service as the opportunity page and answers with the board re-rendered: the
  // card in its new column, or where it was with the refusal and the missing criteria above.
  var dragged = null;
  function dropColumn(event) {
    if (!dragged || !event.target.closest) { return null; }
    var column = event.target.closest("[data-drop-stage]");
    return column && !column.contains(dragged) ? column : null;
  }
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-move-url]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("board-card-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.opportunity || "");
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("board-card-dragging"); }
    dragged = null;
    document.querySelectorAll(".board-drop-target").forEach(function (el) {
      el.classList.remove("board-drop-target");
    });
  });
  document.addEventListener("dragover", function (event) {
    var column = dropColumn(event);
    if (!column) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("board-drop-target");
  });
  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest("[data-drop-stage]");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("board-drop-target"); }
  });
  document.addEventListener("drop", function (event) {
    var column = dropColumn(event);
    if (!column) { return; }
    event.preventDefault();
    column.classList.remove("board-drop-target");
    var card = dragged;
    var board = card.closest("[data-board]");
    // Ask for the reason (required for Lost) once the drop has finished, not inside it.
    window.setTimeout(function () {
      var reason = "";
      if (column.dataset.reasonPrompt) {
        reason = window.prompt(column.dataset.reasonPrompt, "");
        if (reason === null) { return; }  // cancelled: the card stays
      }
      // The card's version: a card moved by someone else since the board loaded is refused (409).
      var values = { stage: column.dataset.dropStage, reason: reason, board: "1", version: card.dataset.version || "" };
      var filter = document.getElementById("board-filter");
      if (filter) {
        new FormData(filter).forEach(function (value, key) { values[key] = value; });
      }
      card.classList.add("opacity-50");
      window.htmx.ajax("POST", card.dataset.moveUrl, {
        source: board, target: board, swap: "innerHTML", values: values
      });
    }, 0);
  });

  // Activity forms: the check-in fields ([data-visit-fields]) only while the channel is a visit.
  function toggleVisitFields(root) {
    root.querySelectorAll("[data-visit-toggle]").forEach(function (select) {
      var fields = select.form && select.form.querySelector("[data-visit-fields]");
      if (fields) { fields.hidden = select.value !== select.dataset.visitToggle; }
    });
  }
  // A refusal the server explains (an alert marked by core.middleware.HTMX_ERROR_HEADER) is shown
  // where the answer was going: htmx by itself leaves a 4xx answer out, and nothing would happen.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.getResponseHeader("X-SalesCore-Error")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("DOMContentLoaded", function () { toggleVisitFields(document); });
  document.addEventListener("htmx:afterSwap", function (event) { toggleVisitFields(event.target); });
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-visit-toggle")) {
      toggleVisitFields(event.target.form || document);
    }
  });

  // "Use my location" on a visit: fill latitude and longitude from the browser.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-geolocate]");
    if (!button || !button.form) { return; }
    var form = button.form;
    if (!navigator.geolocation) { window.alert(button.dataset.geolocateError); return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
    }, function () { window.alert(button.dataset.geolocateError); }, { timeout: 10000 });
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
        grid: { left: 8, right: 40, top: 24, bottom: 8, containLabel: true },
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
