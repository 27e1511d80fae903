// The live map of hue-twin: everything comes from this server (no internet needed).
(function () {
  "use strict";

  const state = {
    run: null, runs: [], variable: "depth", times: [], depthLayer: null, impact: null,
    key: null, styles: null, timer: null,
    lang: localStorage.getItem("twin-lang") ||
      ((navigator.language || "en").toLowerCase().startsWith("vi") ? "vi" : "en"),
  };
  const $ = (id) => document.getElementById(id);
  const TIMED = new Set(["depth", "hazard"]);

  const WORDS = {
    vi: {
      title: "Huế — bản đồ lũ", intro: "Bản sao số lũ của Huế. Bấm vào một phường để xem tác động.",
      flood: "Lũ", run: "Lượt chạy", variable: "Lớp", var_depth: "Độ sâu theo thời gian",
      var_max_depth: "Độ sâu lớn nhất", var_hazard: "Mức nguy hiểm cho người",
      var_arrival_time: "Thời gian nước đến", warnings: "Cảnh báo",
      ward_impact: "Tác động theo phường", click_ward: "Bấm vào một phường.",
      dispatch: "Điều phối", no_run: "Chưa có lượt chạy nào hoàn tất.",
      no_alerts: "Không có cảnh báo.", population: "dân số",
      need_key: "Cuộc gọi và đội cứu hộ cần khoá điều phối viên: mở /map#key=KHOÁ_CỦA_BẠN.",
      calls: (c, t) => c + " cuộc gọi đang mở, " + t + " đội",
      hazard_some: "số người: nguy hiểm cho một số", hazard_most: "số người: nguy hiểm cho hầu hết",
      hazard_all: "số người: nguy hiểm cho tất cả", max_depth: "độ sâu lớn nhất",
      area: "diện tích ngập", arrives: "nước đến lúc", hazard_max: "mức nguy hiểm (lớn nhất)",
      no_impact: "không bị ảnh hưởng trong lượt chạy này", local: "giờ Huế", people: "người",
      whole_run: "cả lượt chạy",
    },
    en: {
      title: "Huế — flood map", intro: "Flood twin of Huế. Click a ward for its impact.",
      flood: "Flood", run: "Run", variable: "Layer", var_depth: "Depth over time",
      var_max_depth: "Maximum depth", var_hazard: "Hazard to people",
      var_arrival_time: "Arrival time", warnings: "Warnings", ward_impact: "Ward impact",
      click_ward: "Click a ward.", dispatch: "Dispatch", no_run: "No finished run yet.",
      no_alerts: "No active warnings.", population: "population",
      need_key: "Calls and teams need a dispatcher key: open /map#key=YOUR_KEY.",
      calls: (c, t) => c + " open calls, " + t + " teams",
      hazard_some: "people: danger for some", hazard_most: "people: danger for most",
      hazard_all: "people: danger for all", max_depth: "max depth", area: "flooded area",
      arrives: "water arrives", hazard_max: "hazard class (max)",
      no_impact: "no impact in this run", local: "Huế time", people: "people",
      whole_run: "whole run",
    },
  };
  const t = (key) => WORDS[state.lang][key];
  const locale = () => (state.lang === "vi" ? "vi-VN" : "en-GB");
  const localTime = (iso) => new Date(iso).toLocaleString(locale(),
    { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "short", timeStyle: "short" }) + " (" + t("local") + ")";
  const number = (v, digits) => Number(v).toLocaleString(locale(),
    { maximumFractionDigits: digits });

  function translate() {
    document.documentElement.lang = state.lang;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    $("lang").textContent = state.lang === "vi" ? "EN" : "VI";
    drawLegend();
    if (!state.key) { $("key-hint").textContent = t("need_key"); }
  }

  function drawLegend() {
    const box = $("legend");
    if (!state.styles) return;
    const style = state.styles.styles[state.variable][state.lang];
    box.innerHTML = "";
    const title = document.createElement("div");
    title.className = "legend-title";
    title.textContent = style.title + (style.units === "class" ? "" : " (" + style.units + ")");
    box.appendChild(title);
    for (const c of style.classes) {
      const row = document.createElement("div");
      row.className = "legend-row";
      const swatch = document.createElement("i");
      swatch.style.background = c.colour;
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(c.label));
      box.appendChild(row);
    }
  }

  function apiKey() {
    const match = /(?:^|[#&])key=([^&]+)/.exec(window.location.hash);
    if (match) {
      sessionStorage.setItem("twin-key", decodeURIComponent(match[1]));
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem("twin-key");
  }

  async function getJSON(url, withKey) {
    const headers = {};
    if (withKey && state.key) headers.Authorization = "Bearer " + state.key;
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  const map = L.map("map", { zoomControl: true, attributionControl: true });
  map.attributionControl.setPrefix("Leaflet | hue-twin");
  const overlays = {};
  const control = L.control.layers({}, overlays, { collapsed: false }).addTo(map);

  const hillshade = L.tileLayer("/tiles/hillshade/{z}/{x}/{y}.png", {
    maxZoom: 20, maxNativeZoom: 18, attribution: "DEM hillshade",
  }).addTo(map);
  control.addBaseLayer(hillshade, "Hillshade");

  function wardStyle() {
    return { color: "#34495e", weight: 1.5, fill: true, fillOpacity: 0.04 };
  }

  function impactTable(props) {
    const keys = [
      ["people_hazard_some", "hazard_some", (v) => String(v)],
      ["people_hazard_most", "hazard_most", (v) => String(v)],
      ["people_hazard_all", "hazard_all", (v) => String(v)],
      ["max_depth_m", "max_depth", (v) => number(v, 2) + " m"],
      ["flooded_area_km2", "area", (v) => number(v, 2) + " km²"],
      ["arrival_time", "arrives", (v) => (v ? localTime(v) : "—")],
      ["hazard_class_max", "hazard_max", (v) => String(v)],
    ];
    const rows = keys
      .filter(([k]) => props[k] !== undefined && props[k] !== null)
      .map(([k, label, show]) => "<tr><td>" + escapeHtml(t(label)) + "</td><td>" +
        escapeHtml(show(props[k])) + "</td></tr>");
    return rows.length ? '<table class="impact">' + rows.join("") + "</table>" : "";
  }

  async function showWard(feature, layer) {
    const p = feature.properties;
    let html = "<b>" + escapeHtml(p.name) + "</b> (" + escapeHtml(p.ward_id) + ")<br>" +
      t("population") + " " + escapeHtml(number(p.population, 0));
    if (state.run) {
      try {
        if (!state.impact) state.impact = await getJSON("/runs/" + state.run + "/impact/wards");
        const hit = state.impact.features.find((f) => f.properties.ward_id === p.ward_id);
        html += hit ? impactTable(hit.properties) : "<br><i>" + escapeHtml(t("no_impact")) + "</i>";
      } catch (err) {
        html += "<br><i>impact not available</i>";
      }
    }
    $("ward-impact").innerHTML = html;
    layer.bindPopup('<div class="ward-popup">' + html + "</div>").openPopup();
  }

  async function loadLayers() {
    const wards = await getJSON("/collections/wards/items?limit=10000");
    const wardLayer = L.geoJSON(wards, {
      style: wardStyle,
      onEachFeature: (feature, layer) => {
        layer.on("click", () => showWard(feature, layer));
        layer.bindTooltip(feature.properties.name, { sticky: true });
      },
    }).addTo(map);
    control.addOverlay(wardLayer, "Wards");
    if (wardLayer.getBounds().isValid()) map.fitBounds(wardLayer.getBounds());
    else map.setView([16.46, 107.59], 13);

    const roads = await getJSON("/collections/roads/items?limit=10000");
    const roadLayer = L.geoJSON(roads, {
      style: (f) => ({ color: f.properties.road_class === "arterial" ? "#7f8c8d" : "#95a5a6",
                       weight: f.properties.road_class === "alley" ? 1 : 2.5 }),
      interactive: false,
    }).addTo(map);
    control.addOverlay(roadLayer, "Roads");

    const lights = await getJSON("/collections/lights/items?limit=10000");
    const colours = { working: "#f1c40f", broken: "#c0392b", off: "#7f8c8d" };
    const lightLayer = L.geoJSON(lights, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        radius: 3, weight: 1, color: "#333", fillOpacity: 0.9,
        fillColor: colours[f.properties.status] || "#fff",
      }).bindTooltip(f.properties.light_id + ": " + f.properties.status),
    }).addTo(map);
    control.addOverlay(lightLayer, "Street lights");
  }

  function tileUrl(index) {
    const base = "/runs/" + state.run + "/tiles/" + state.variable + "/{z}/{x}/{y}.png";
    return TIMED.has(state.variable) && state.times[index] ?
      base + "?time=" + encodeURIComponent(state.times[index]) : base;
  }

  function setTime(index) {
    const label = state.times[index];
    $("time-label").textContent = !TIMED.has(state.variable) ? t("whole_run") :
      label ? localTime(label) : "";
    if (state.depthLayer) state.depthLayer.setUrl(tileUrl(index));
  }

  function play() {
    const slider = $("time-slider");
    if (state.timer) {
      clearInterval(state.timer);
      state.timer = null;
      $("play").textContent = "▶";
      return;
    }
    $("play").textContent = "⏸";
    state.timer = setInterval(() => {
      const next = (Number(slider.value) + 1) % (state.times.length || 1);
      slider.value = String(next);
      setTime(next);
      if (next === state.times.length - 1) play();
    }, 1200);
  }

  async function showRun() {
    const run = state.runs.find((r) => r.run_id === state.run);
    state.impact = null;
    const tj = await getJSON("/runs/" + state.run + "/tilejson.json?var=" + state.variable);
    state.times = tj.times || [];
    $("run-info").textContent = run ? run.name + " (" + run.kind + ")" : state.run;
    if (!state.depthLayer) {
      state.depthLayer = L.tileLayer(tileUrl(state.times.length - 1), {
        maxZoom: 20, maxNativeZoom: tj.maxzoom, opacity: 0.85, className: "flood-depth",
      }).addTo(map);
      control.addOverlay(state.depthLayer, "Flood");
    }
    const slider = $("time-slider");
    const timed = TIMED.has(state.variable) && state.times.length > 1;
    slider.max = String(Math.max(0, state.times.length - 1));
    slider.value = slider.max;
    slider.disabled = !timed;
    $("play").disabled = !timed;
    setTime(Number(slider.value));
    drawLegend();
  }

  async function loadFlood() {
    state.styles = await getJSON("/map/styles.json");
    drawLegend();
    const runs = (await getJSON("/runs?limit=50")).filter((r) => r.status === "finished");
    if (!runs.length) {
      $("run-info").textContent = t("no_run");
      return;
    }
    state.runs = runs;
    const select = $("run-select");
    for (const r of runs) {
      const option = document.createElement("option");
      option.value = r.run_id;
      option.textContent = r.name + " · " + r.kind + " · " + r.run_id.slice(0, 8);
      select.appendChild(option);
    }
    state.run = runs[0].run_id;
    select.addEventListener("change", () => { state.run = select.value; showRun(); });
    $("var-select").addEventListener("change", (e) => {
      state.variable = e.target.value;
      showRun();
    });
    const slider = $("time-slider");
    slider.addEventListener("input", () => setTime(Number(slider.value)));
    $("play").addEventListener("click", play);
    await showRun();
  }

  async function loadAlerts() {
    const areas = await getJSON("/alerts/active.geojson");
    const layer = L.geoJSON(areas, {
      style: { color: "#c0392b", weight: 2, fillOpacity: 0.12, dashArray: "4 3" },
      interactive: false,
    }).addTo(map);
    control.addOverlay(layer, "Active warnings");
    const seen = new Set();
    const list = $("alerts");
    list.innerHTML = "";
    for (const f of areas.features) {
      if (seen.has(f.properties.identifier)) continue;
      seen.add(f.properties.identifier);
      const div = document.createElement("div");
      div.className = "alert " + f.properties.severity;
      div.textContent = (state.lang === "en" && f.properties.headline_en) ||
        f.properties.headline_vi || f.properties.event;
      list.appendChild(div);
    }
    if (!seen.size) list.textContent = t("no_alerts");
  }

  async function loadDispatch() {
    if (!state.key) {
      $("key-hint").hidden = false;
      $("key-hint").textContent = t("need_key");
      $("dispatch").textContent = "";
      return;
    }
    const [calls, teams] = await Promise.all([
      getJSON("/dispatch/calls", true), getJSON("/dispatch/teams", true),
    ]);
    const group = L.layerGroup().addTo(map);
    for (const c of calls) {
      if (c.lat == null) continue;
      L.circleMarker([c.lat, c.lon], { radius: 7, color: "#8e44ad", fillOpacity: 0.8 })
        .bindTooltip("#" + c.call_id + ": " + c.people + " " + t("people") + ", " + c.status)
        .addTo(group);
    }
    for (const t of teams) {
      L.marker([t.lat, t.lon], { title: t.name })
        .bindTooltip(t.name + " (" + t.vehicle + "): " + t.status).addTo(group);
    }
    control.addOverlay(group, "Calls and teams");
    $("dispatch").textContent = t("calls")(calls.length, teams.length);
  }

  async function main() {
    state.key = apiKey();
    $("lang").addEventListener("click", () => {
      state.lang = state.lang === "vi" ? "en" : "vi";
      localStorage.setItem("twin-lang", state.lang);
      translate();
      setTime(Number($("time-slider").value));
    });
    translate();
    await loadLayers();
    const parts = [loadFlood(), loadAlerts(), loadDispatch()];
    const results = await Promise.allSettled(parts);
    results.forEach((r) => { if (r.status === "rejected") $("status").textContent = String(r.reason); });
    document.body.dataset.ready = "true";
  }

  main().catch((err) => {
    $("status").textContent = String(err);
    document.body.dataset.ready = "error";
  });
})();
