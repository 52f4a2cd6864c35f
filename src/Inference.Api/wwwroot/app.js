// The drawing page: a black pad with thick white strokes (as MNIST digits are), or a dropped PNG/JPEG, sent to
// POST /predict; the answer is shown as 10 bars (capsule lengths by digit), the model's input and the
// reconstruction. In overlapping mode the same pad goes to POST /predict/overlapping: the two longest bars, each
// digit's own reconstruction in its colour (red, green) and the overlay. No framework, no network beyond this service.
"use strict";

(() => {
  const STROKE_WIDTH = 22;
  const PREDICT_DELAY_MS = 250;

  const pad = document.getElementById("pad");
  const context = pad.getContext("2d");
  const dropZone = document.getElementById("drop-zone");
  const fileInput = document.getElementById("file");
  const bars = document.getElementById("bars");
  const digit = document.getElementById("digit");
  const verdictText = document.getElementById("verdict-text");
  const modelInput = document.getElementById("model-input");
  const reconstruction = document.getElementById("reconstruction");
  const status = document.getElementById("status");
  const modelVersion = document.getElementById("model-version");
  const notDigit = document.getElementById("not-digit");
  const layout = document.querySelector(".layout");
  const hint = document.getElementById("hint");
  const overlapping = document.getElementById("overlapping-result");
  const explorer = document.getElementById("capsule-explorer");
  const HINTS = {
    single: hint.textContent,
    overlapping: "Draw two digits over each other, each filling most of the pad (lift the pen between strokes as you like). "
      + "The answer comes when you lift the pen.",
  };
  let mode = "single";

  // For other scripts on the page (the capsule explorer): the latest answer, and a "capsnet:prediction" event.
  window.capsnet = { lastPrediction: null };

  let drawing = false;
  let inked = false;
  let last = null;
  let timer = null;
  let requestNumber = 0;

  function clearPad() {
    context.fillStyle = "#000";
    context.fillRect(0, 0, pad.width, pad.height);
    inked = false;
  }

  function buildBars() {
    for (let d = 0; d < 10; d++) {
      const row = document.createElement("li");
      row.className = "bar";
      row.dataset.digit = String(d);
      row.innerHTML = `<span class="bar-label">${d}</span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-value">–</span>`;
      bars.appendChild(row);
    }
  }

  function point(event) {
    const box = pad.getBoundingClientRect();
    return { x: (event.clientX - box.left) * (pad.width / box.width), y: (event.clientY - box.top) * (pad.height / box.height) };
  }

  function strokeTo(p) {
    context.strokeStyle = "#fff";
    context.lineWidth = STROKE_WIDTH;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(p.x, p.y);
    context.stroke();
    last = p;
    inked = true;
  }

  pad.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    clearTimeout(timer);
    drawing = true;
    last = point(event);
    strokeTo(last); // a dot for a tap
  });

  pad.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) strokeTo(point(e));
  });

  function endStroke() {
    if (!drawing) return;
    drawing = false;
    clearTimeout(timer);
    timer = setTimeout(predictDrawing, PREDICT_DELAY_MS);
  }
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);

  document.querySelectorAll("input[name=mode]").forEach((radio) => radio.addEventListener("change", () => {
    if (!radio.checked) return;
    mode = radio.value;
    layout.dataset.mode = mode;
    overlapping.hidden = mode !== "overlapping";
    if (mode === "overlapping" && explorer) explorer.hidden = true; // the explorer is for one digit's capsule
    hint.textContent = HINTS[mode];
    clearTimeout(timer);
    requestNumber++; // an answer still on its way belongs to the other mode
    clearPad();
    resetResult(mode === "overlapping" ? "Draw two overlapping digits to begin." : "Draw a digit to begin.");
  }));

  document.getElementById("clear").addEventListener("click", () => {
    clearTimeout(timer);
    clearPad();
    resetResult("Draw a digit to begin.");
  });

  fileInput.addEventListener("change", () => {
    if (fileInput.files.length) predictFile(fileInput.files[0]);
    fileInput.value = "";
  });

  ["dragenter", "dragover"].forEach((type) => dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((type) => dropZone.addEventListener(type, () => dropZone.classList.remove("dragging")));
  dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (file) predictFile(file);
  });

  function predictDrawing() {
    if (!inked) return;
    pad.toBlob((blob) => send(blob, "drawing.png"), "image/png");
  }

  function predictFile(file) {
    if (!/^image\/(png|jpeg)$/.test(file.type)) {
      showError(`${file.name} is not a PNG or JPEG image.`);
      return;
    }
    showOnPad(file);
    send(file, file.name);
  }

  // Shows a chosen image on the pad, fitted and centred (the original file is what is sent).
  function showOnPad(file) {
    const url = URL.createObjectURL(file);
    const image = new Image();
    image.onload = () => {
      clearPad();
      const scale = Math.min(pad.width / image.width, pad.height / image.height);
      const w = image.width * scale, h = image.height * scale;
      context.drawImage(image, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
      inked = false; // a shown file is not a drawing to send again
      URL.revokeObjectURL(url);
    };
    image.src = url;
  }

  async function send(blob, name) {
    const mine = ++requestNumber;
    const form = new FormData();
    form.append("image", blob, name);
    status.classList.remove("error");
    status.textContent = "Reading…";
    try {
      const sentIn = mode;
      const url = sentIn === "overlapping" ? "/predict/overlapping" : "/predict";
      const response = await fetch(url, { method: "POST", body: form, headers: { Accept: "application/json" } });
      const body = await response.json().catch(() => null);
      if (mine !== requestNumber) return; // a newer request is on its way
      if (!response.ok) {
        showError(body && body.detail ? body.detail : `The service answered ${response.status}.`);
        return;
      }
      if (sentIn === "overlapping") showOverlapping(body); else showPrediction(body);
    } catch (error) {
      if (mine === requestNumber) showError("The service cannot be reached.");
    }
  }

  function showPrediction(answer) {
    const top = answer.digit;
    bars.querySelectorAll(".bar").forEach((row, d) => {
      const p = answer.probabilities[d];
      row.classList.toggle("top", d === top);
      row.querySelector(".bar-fill").style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      row.querySelector(".bar-value").textContent = p.toFixed(3);
      row.dataset.value = String(p);
    });
    bars.dataset.state = "done";
    digit.textContent = String(top);
    // The best guess stays shown; a rejected image says so, with the reconstruction beside the input as the reason.
    notDigit.hidden = answer.isDigit !== false;
    digit.classList.toggle("rejected", answer.isDigit === false);
    verdictText.textContent = `capsule length ${answer.confidence.toFixed(3)} · reconstruction error ${answer.reconstructionError.toFixed(4)}`
      + (answer.isDigit === false ? " · not a digit" : "")
      + (answer.preprocessing.inverted ? " · inverted (dark ink on light)" : "");
    modelInput.src = `data:image/png;base64,${answer.modelInput}`;
    reconstruction.src = `data:image/png;base64,${answer.reconstruction}`;
    status.textContent = `Model ${answer.modelVersion} · ${answer.inferenceMilliseconds.toFixed(1)} ms`;
    window.capsnet.lastPrediction = answer;
    document.dispatchEvent(new CustomEvent("capsnet:prediction", { detail: answer }));
  }

  function showBars(probabilities, top) {
    bars.querySelectorAll(".bar").forEach((row, d) => {
      const p = probabilities[d];
      row.classList.toggle("top", top.includes(d));
      row.querySelector(".bar-fill").style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      row.querySelector(".bar-value").textContent = p.toFixed(3);
      row.dataset.value = String(p);
    });
    bars.dataset.state = "done";
  }

  function showOverlapping(answer) {
    const [first, second] = answer.digits;
    showBars(answer.probabilities, answer.digits);
    const png = (base64) => `data:image/png;base64,${base64}`;
    document.getElementById("overlap-first-digit").textContent = String(first);
    document.getElementById("overlap-second-digit").textContent = String(second);
    document.getElementById("overlap-text").textContent =
      `capsule lengths ${answer.probabilities[first].toFixed(3)} and ${answer.probabilities[second].toFixed(3)}`
      + (answer.preprocessing.inverted ? " · inverted (dark ink on light)" : "");
    document.getElementById("overlap-input").src = png(answer.modelInput);
    document.getElementById("overlap-first").src = png(answer.reconstructions[0]);
    document.getElementById("overlap-second").src = png(answer.reconstructions[1]);
    document.getElementById("overlay").src = png(answer.overlay);
    document.getElementById("overlap-first-caption").textContent = `The ${first}, alone`;
    document.getElementById("overlap-second-caption").textContent = `The ${second}, alone`;
    overlapping.dataset.state = "done";
    status.textContent = `Model ${answer.modelVersion} · ${answer.inferenceMilliseconds.toFixed(1)} ms`;
  }

  function resetResult(message) {
    overlapping.dataset.state = "empty";
    ["overlap-input", "overlap-first", "overlap-second", "overlay"].forEach((id) => document.getElementById(id).removeAttribute("src"));
    ["overlap-first-digit", "overlap-second-digit"].forEach((id) => { document.getElementById(id).textContent = "?"; });
    document.getElementById("overlap-text").textContent = message;
    bars.querySelectorAll(".bar").forEach((row) => {
      row.classList.remove("top");
      row.querySelector(".bar-fill").style.width = "0";
      row.querySelector(".bar-value").textContent = "–";
      delete row.dataset.value;
    });
    bars.dataset.state = "empty";
    digit.textContent = "?";
    digit.classList.remove("rejected");
    notDigit.hidden = true;
    verdictText.textContent = message;
    modelInput.removeAttribute("src");
    reconstruction.removeAttribute("src");
    status.textContent = "";
    status.classList.remove("error");
  }

  function showError(message) {
    status.textContent = message;
    status.classList.add("error");
  }

  async function showModelVersion() {
    try {
      const response = await fetch("/model", { headers: { Accept: "application/json" } });
      const model = await response.json();
      modelVersion.textContent = model.loaded
        ? `Model ${model.modelVersion} · ${model.executionProvider.replace("ExecutionProvider", "")}`
        : "No model loaded yet";
      const other = model.overlapping;
      modelVersion.textContent += other && other.loaded
        ? ` · overlapping digits: ${other.modelVersion}`
        : " · no overlapping-digits model";
    } catch {
      modelVersion.textContent = "Model: unknown";
    }
  }

  buildBars();
  clearPad();
  showModelVersion();
})();
