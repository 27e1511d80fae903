// The live map of hue-twin: everything comes from this server (no internet needed).
(function () {
  "use strict";

  const state = { run: null, times: [], depthLayer: null, impact: null, key: null };
  const $ = (id) => document.getElementById(id);

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
      ["people_hazard_some", "people: danger for some"],
      ["people_hazard_most", "people: danger for most"],
      ["people_hazard_all", "people: danger for all"],
      ["max_depth_m", "max depth (m)"],
      ["flooded_area_km2", "flooded area (km²)"],
      ["arrival_time", "water arrives (UTC)"],
      ["hazard_class_max", "hazard class (max)"],
    ];
    const rows = keys
      .filter(([k]) => props[k] !== undefined)
      .map(([k, label]) => "<tr><td>" + label + "</td><td>" + escapeHtml(props[k]) + "</td></tr>");
    return rows.length ? '<table class="impact">' + rows.join("") + "</table>" : "";
  }

  async function showWard(feature, layer) {
    const p = feature.properties;
    let html = "<b>" + escapeHtml(p.name) + "</b> (" + escapeHtml(p.ward_id) + ")<br>" +
      "population " + escapeHtml(p.population);
    if (state.run) {
      try {
        if (!state.impact) state.impact = await getJSON("/runs/" + state.run + "/impact/wards");
        const hit = state.impact.features.find((f) => f.properties.ward_id === p.ward_id);
        html += hit ? impactTable(hit.properties) : "<br><i>no impact in this run</i>";
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

  function setTime(index) {
    const label = state.times[index];
    $("time-label").textContent = label ? new Date(label).toLocaleString("vi-VN",
      { timeZone: "Asia/Ho_Chi_Minh" }) + " (giờ Huế)" : "";
    if (state.depthLayer) {
      state.depthLayer.setUrl("/runs/" + state.run + "/tiles/depth/{z}/{x}/{y}.png?time=" +
        encodeURIComponent(label));
    }
  }

  async function loadFlood() {
    const runs = await getJSON("/runs?limit=50");
    const run = runs.find((r) => r.status === "finished");
    if (!run) {
      $("run-info").textContent = "No finished run yet.";
      return;
    }
    state.run = run.run_id;
    const tj = await getJSON("/runs/" + run.run_id + "/tilejson.json?var=depth");
    state.times = tj.times || [];
    $("run-info").textContent = run.name + " (" + run.kind + ")";
    state.depthLayer = L.tileLayer(tj.tiles[0], {
      maxZoom: 20, maxNativeZoom: tj.maxzoom, opacity: 0.85, className: "flood-depth",
    }).addTo(map);
    control.addOverlay(state.depthLayer, "Flood depth");
    const slider = $("time-slider");
    slider.max = String(Math.max(0, state.times.length - 1));
    slider.value = slider.max;
    slider.disabled = state.times.length < 2;
    slider.addEventListener("input", () => setTime(Number(slider.value)));
    setTime(Number(slider.value));
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
      div.textContent = f.properties.headline_vi || f.properties.event;
      list.appendChild(div);
    }
    if (!seen.size) list.textContent = "No active warnings.";
  }

  async function loadDispatch() {
    if (!state.key) {
      $("dispatch").textContent = "Calls and teams need a dispatcher key.";
      return;
    }
    const [calls, teams] = await Promise.all([
      getJSON("/dispatch/calls", true), getJSON("/dispatch/teams", true),
    ]);
    const group = L.layerGroup().addTo(map);
    for (const c of calls) {
      if (c.lat == null) continue;
      L.circleMarker([c.lat, c.lon], { radius: 7, color: "#8e44ad", fillOpacity: 0.8 })
        .bindTooltip("call " + c.call_id + ": " + c.people + " người, " + c.status).addTo(group);
    }
    for (const t of teams) {
      L.marker([t.lat, t.lon], { title: t.name })
        .bindTooltip(t.name + " (" + t.vehicle + "): " + t.status).addTo(group);
    }
    control.addOverlay(group, "Calls and teams");
    $("dispatch").textContent = calls.length + " open calls, " + teams.length + " teams";
  }

  async function main() {
    state.key = apiKey();
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
