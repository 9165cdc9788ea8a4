/* Mingjing cockpit: draws the charts from the JSON the page carries (#cockpit-data).
   No data is fetched: the server renders the numbers, this file only draws them. */
(function () {
  "use strict";

  var COLOURS = { red: "#cf222e", yellow: "#d4a72c", green: "#1a7f37" };
  var LEVELS = { high: "#cf222e", medium: "#d4a72c", low: "#8c959f" };

  function num(value) { return Number(value); }

  function bar(labels, values, options) {
    options = options || {};
    var horizontal = !!options.horizontal;
    var category = { type: "category", data: labels, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
    var value = { type: "value", minInterval: 1 };
    return {
      grid: { left: horizontal ? 100 : 40, right: 20, top: 20, bottom: horizontal ? 30 : 50, containLabel: !horizontal },
      tooltip: { trigger: "axis" },
      xAxis: horizontal ? value : Object.assign(category, { axisLabel: { rotate: labels.length > 6 ? 35 : 0 } }),
      yAxis: horizontal ? Object.assign(category, { inverse: true }) : value,
      series: [{ type: "bar", data: values, barMaxWidth: 36 }]
    };
  }

  var builders = {
    colour: function (d) {
      return {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["40%", "70%"], center: ["50%", "45%"],
          label: { formatter: "{b}\n{c}" },
          data: d.by_colour.map(function (c) {
            return { name: c.label, value: c.n, itemStyle: { color: COLOURS[c.key] } };
          })
        }]
      };
    },
    level: function (d) {
      var option = bar(d.by_level.map(function (l) { return l.label; }),
        d.by_level.map(function (l) { return { value: l.n, itemStyle: { color: LEVELS[l.key] } }; }));
      return option;
    },
    monthly: function (d) {
      return {
        grid: { left: 40, right: 20, top: 20, bottom: 40 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.monthly.map(function (m) { return m[0]; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "line", name: d.labels.alerts, smooth: true, areaStyle: { opacity: 0.15 },
          data: d.monthly.map(function (m) { return m[1]; }), itemStyle: { color: "#a4262c" } }]
      };
    },
    visits: function (d) {
      return {
        grid: { left: 40, right: 20, top: 20, bottom: 40 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.visits.map(function (v) { return v[0].slice(5); }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: d.visits.map(function (v) { return v[1]; }), itemStyle: { color: "#0b57d0" } }]
      };
    },
    model: function (d) {
      return bar(d.by_model.map(function (m) { return m.title ? m.code + " " + m.title : m.code; }),
        d.by_model.map(function (m) { return m.n; }), { horizontal: true });
    },
    money: function (d) {
      var labels = d.by_model.map(function (m) { return m.code; });
      return {
        grid: { left: 60, right: 20, top: 40, bottom: 40 },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value" },
        series: [
          { type: "bar", name: d.labels.amount, data: d.by_model.map(function (m) { return num(m.amount); }), itemStyle: { color: "#d4a72c" } },
          { type: "bar", name: d.labels.recovered, data: d.by_model.map(function (m) { return num(m.recovered); }), itemStyle: { color: "#1a7f37" } }
        ]
      };
    },
    villages: function (d) {
      return bar(d.top_villages.map(function (v) { return v.name; }),
        d.top_villages.map(function (v) { return v.n; }), { horizontal: true });
    },
    complaint_category: function (d) {
      var rows = d.complaints.by_category;
      return bar(rows.map(function (c) { return c.label; }),
        rows.map(function (c) { return c.n; }), { horizontal: true });
    },
    complaint_status: function (d) {
      var rows = d.complaints.by_status;
      return bar(rows.map(function (s) { return s.label; }),
        rows.map(function (s) { return { value: s.n, itemStyle: { color: COLOURS[s.colour] } }; }));
    }
  };

  var clicks = {
    villages: function (d, params) {
      var village = d.top_villages[params.dataIndex];
      if (village && village.url) { window.location.href = village.url; }
    }
  };

  function start() {
    var source = document.getElementById("cockpit-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var kind = element.getAttribute("data-chart");
      if (!builders[kind] || (kind.indexOf("complaint_") === 0 && !data.complaints)) { return; }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(builders[kind](data));
      if (clicks[kind]) {
        chart.on("click", function (params) { clicks[kind](data, params); });
      }
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
