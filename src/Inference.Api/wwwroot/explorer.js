// The capsule explorer: after each prediction (app.js fires "capsnet:prediction"), 16 sliders over the predicted
// digit's capsule. A slider moves one dimension away from the network's own value (its centre, 0); every move is
// decoded by POST /reconstruct and drawn beside the model's input. At most one request is in flight, they are at
// least MIN_INTERVAL_MS apart, the latest slider position wins, and a 429 (the service's rate limit) waits for its
// Retry-After: dragging stays live without flooding the service. "Show perturbation grid" asks
// POST /explore?format=png for the paper's Figure 4 around the sliders' capsule; a click on a tile moves that
// dimension's slider to the tile's value. No framework, no network beyond this service.
"use strict";

(() => {
  const DIMENSIONS = 16;
  const SLIDER_RANGE = 0.5;   // each slider moves its dimension by −0.5…+0.5
  const SLIDER_STEP = 0.01;
  const MIN_INTERVAL_MS = 50;  // at most 20 decodes a second while a slider is dragged

  const section = document.getElementById("capsule-explorer");
  const sliderBox = document.getElementById("capsule-sliders");
  const digitLabel = document.getElementById("explorer-digit");
  const input = document.getElementById("explorer-input");
  const reconstruction = document.getElementById("explorer-reconstruction");
  const status = document.getElementById("explorer-status");
  const resetButton = document.getElementById("explorer-reset");
  const gridButton = document.getElementById("explorer-grid-button");
  const grid = document.getElementById("explorer-grid");
  const gridFrame = document.getElementById("explorer-grid-frame");
  const gridImage = document.getElementById("explorer-grid-image");

  const sliders = [];
  let capsule = null;       // { digit, values: [16] }: the network's capsule, the sliders' centre
  let generation = 0;       // a new prediction starts a new generation; answers for an older one are dropped
  let inFlight = false;
  let pending = false;
  let gridState = null;     // { offsets: [steps], at: [16] slider offsets when the grid was made }
  let gridUrl = null;

  function buildSliders() {
    const ticks = document.createElement("datalist");
    ticks.id = "capsule-centre";
    ticks.innerHTML = '<option value="0"></option>';
    sliderBox.appendChild(ticks);
    for (let d = 0; d < DIMENSIONS; d++) {
      const row = document.createElement("div");
      row.className = "slider-row";
      row.dataset.dimension = String(d);
      row.innerHTML =
        `<label for="capsule-d${d}">d${d}</label>`
        + `<input type="range" id="capsule-d${d}" min="${-SLIDER_RANGE}" max="${SLIDER_RANGE}" step="${SLIDER_STEP}" value="0" list="capsule-centre">`
        + `<output for="capsule-d${d}"><span class="offset">0.00</span><span class="absolute"></span></output>`;
      const slider = row.querySelector("input");
      slider.dataset.dimension = String(d);
      slider.addEventListener("input", () => {
        showValue(d);
        decodeSoon();
      });
      sliders.push(slider);
      sliderBox.appendChild(row);
    }
  }

  const offsetOf = (d) => Number(sliders[d].value);
  const currentValues = () => capsule.values.map((v, d) => v + offsetOf(d));
  const signed = (x, digits) => (x > 0 ? "+" : x < 0 ? "−" : "") + Math.abs(x).toFixed(digits);

  function showValue(d) {
    const offset = offsetOf(d);
    const row = sliders[d].closest(".slider-row");
    row.querySelector(".offset").textContent = offset === 0 ? "0.00" : signed(offset, 2);
    row.querySelector(".absolute").textContent = `= ${signed(capsule.values[d] + offset, 3)}`;
    row.classList.toggle("moved", offset !== 0);
    sliders[d].title = `d${d}: ${signed(capsule.values[d] + offset, 3)} (the network's value: ${signed(capsule.values[d], 3)})`;
    if (gridState) grid.classList.toggle("stale", sliders.some((s, i) => offsetOf(i) !== gridState.at[i]));
  }

  // A new prediction: the sliders centre on its capsule, and the picture is its plain reconstruction (no call needed).
  document.addEventListener("capsnet:prediction", (event) => {
    const answer = event.detail;
    generation++;
    pending = false;
    capsule = { digit: answer.digit, values: answer.capsules[answer.digit].slice() };
    digitLabel.textContent = String(answer.digit);
    section.dataset.digit = String(answer.digit);
    sliders.forEach((slider, d) => {
      slider.value = "0";
      showValue(d);
    });
    input.src = `data:image/png;base64,${answer.modelInput}`;
    reconstruction.src = `data:image/png;base64,${answer.reconstruction}`;
    reconstruction.dataset.state = "done";
    hideGrid();
    setStatus(`Capsule of ${answer.digit}, length ${answer.probabilities[answer.digit].toFixed(3)}. Move a slider.`);
    section.hidden = false;
  });

  function decodeSoon() {
    if (!capsule) return;
    pending = true;
    if (!inFlight) pump();
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // One request at a time; when it ends, the sliders' latest state (if it changed meanwhile) goes next.
  async function pump() {
    inFlight = true;
    reconstruction.dataset.state = "decoding";
    let lastSent = 0;
    while (pending) {
      await sleep(Math.max(0, lastSent + MIN_INTERVAL_MS - performance.now()));
      pending = false;
      lastSent = performance.now();
      const mine = generation;
      try {
        const response = await fetch("/reconstruct", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ digit: capsule.digit, capsule: currentValues() }),
        });
        const body = await response.json().catch(() => null);
        if (mine !== generation) continue;
        if (response.status === 429) {
          const seconds = Number(response.headers.get("Retry-After")) || 1;
          setStatus(`The service's rate limit is reached; trying again in ${seconds} s.`, true);
          await sleep(seconds * 1000);
          pending = true; // then decode the sliders as they are by then
          continue;
        }
        if (!response.ok) {
          setStatus(body && body.detail ? body.detail : `The service answered ${response.status}.`, true);
          continue;
        }
        reconstruction.src = `data:image/png;base64,${body.reconstruction}`;
        const moved = sliders.filter((_, d) => offsetOf(d) !== 0).length;
        setStatus(`${moved} of 16 dimensions moved · capsule length ${body.capsuleLength.toFixed(3)} · decoded in ${body.inferenceMilliseconds.toFixed(1)} ms`);
      } catch {
        if (mine === generation) setStatus("The service cannot be reached.", true);
      }
    }
    inFlight = false;
    reconstruction.dataset.state = "done";
  }

  resetButton.addEventListener("click", () => {
    if (!capsule) return;
    sliders.forEach((slider, d) => {
      slider.value = "0";
      showValue(d);
    });
    decodeSoon();
  });

  gridButton.addEventListener("click", async () => {
    if (!capsule) return;
    const mine = generation;
    const at = sliders.map((_, d) => offsetOf(d));
    gridButton.disabled = true;
    try {
      const response = await fetch("/explore?format=png", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "image/png" },
        body: JSON.stringify({ digit: capsule.digit, capsule: currentValues() }),
      });
      if (mine !== generation) return;
      if (!response.ok) {
        const problem = await response.json().catch(() => null);
        setStatus(problem && problem.detail ? problem.detail : `The service answered ${response.status}.`, true);
        return;
      }
      const offsets = (response.headers.get("X-Perturbation-Offsets") || "").split(",").map(Number);
      const blob = await response.blob();
      if (gridUrl) URL.revokeObjectURL(gridUrl);
      gridUrl = URL.createObjectURL(blob);
      gridState = { offsets, at };
      gridImage.onload = () => labelGrid(offsets);
      gridImage.src = gridUrl;
      grid.hidden = false;
      grid.classList.remove("stale");
      gridButton.textContent = "Refresh perturbation grid";
    } catch {
      if (mine === generation) setStatus("The service cannot be reached.", true);
    } finally {
      gridButton.disabled = false;
    }
  });

  function hideGrid() {
    grid.hidden = true;
    gridState = null;
    gridButton.textContent = "Show perturbation grid";
  }

  // The grid image is 16 rows × steps columns of 28-pixel tiles with 1-pixel gutters, shown at twice its size.
  const TILE = 28, PITCH = 29;

  function labelGrid(offsets) {
    gridFrame.querySelectorAll(".grid-label").forEach((label) => label.remove());
    const scale = gridImage.clientWidth / gridImage.naturalWidth;
    offsets.forEach((offset, k) => {
      const label = document.createElement("span");
      label.className = "grid-label column";
      label.textContent = offset === 0 ? "0" : signed(offset, 2);
      label.style.left = `${(k * PITCH + TILE / 2) * scale}px`;
      gridFrame.appendChild(label);
    });
    for (let d = 0; d < DIMENSIONS; d++) {
      const label = document.createElement("span");
      label.className = "grid-label row";
      label.textContent = `d${d}`;
      label.style.top = `${(d * PITCH + TILE / 2) * scale}px`;
      gridFrame.appendChild(label);
    }
  }

  // A click on a tile moves that row's slider to the tile's offset (from where the sliders were when the grid was made).
  gridImage.addEventListener("click", (event) => {
    if (!gridState || !capsule) return;
    const scale = gridImage.clientWidth / gridImage.naturalWidth;
    const column = Math.min(gridState.offsets.length - 1, Math.floor(event.offsetX / scale / PITCH));
    const d = Math.min(DIMENSIONS - 1, Math.floor(event.offsetY / scale / PITCH));
    const target = Math.max(-SLIDER_RANGE, Math.min(SLIDER_RANGE, gridState.at[d] + gridState.offsets[column]));
    sliders[d].value = String(Math.round(target / SLIDER_STEP) * SLIDER_STEP);
    showValue(d);
    sliders[d].focus();
    decodeSoon();
  });

  function setStatus(message, isError = false) {
    status.textContent = message;
    status.classList.toggle("error", isError);
  }

  buildSliders();
})();
