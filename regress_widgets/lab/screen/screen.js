// The Lab's figure in the browser (see screen.py): paints the frames the kernel sends, in order, and
// tells the kernel the width it has, the screen's pixel ratio, and where the figure was clicked.
// A frame is one or more boxes of RGBA pixels, zlib-deflated: the whole picture ("whole"), or the boxes
// around what changed (unchanged pixels transparent), each at its [x, y, width, height]. They are inflated
// here (DecompressionStream: no wait for the image decoder's thread) and all painted together; then, if the
// kernel asks (a player waits), the page tells it it painted the frame. The saved picture (a PNG in the
// widget's state) is decoded once.

async function inflate(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer)
    : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  writer.write(bytes);
  writer.close();
  const reader = stream.readable.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  const out = new Uint8ClampedArray(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function fit(canvas, context, width, height, size) {
  // a new size shows with its own picture, never the old one stretched
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const [cssWidth, cssHeight] = size; // CSS pixels (the bitmap may have more: HiDPI)
  canvas.style.width = `${cssWidth}px`;
  canvas.style.aspectRatio = `${cssWidth} / ${cssHeight}`;
  context.clearRect(0, 0, canvas.width, canvas.height);
}

function paint(canvas, context, scratch, buffers, at, whole, size) {
  return Promise.all(buffers.map(inflate)).then((parts) => {
    if (whole) fit(canvas, context, at[0][2], at[0][3], size);
    const ink = scratch.getContext("2d");
    parts.forEach((pixels, k) => {
      const [x, y, width, height] = at[k];
      scratch.width = width; // (also clears it)
      scratch.height = height;
      ink.putImageData(new ImageData(pixels, width, height), 0, 0);
      context.drawImage(scratch, x, y); // transparent pixels keep what is there
    });
  });
}

function paintSaved(canvas, context, png, size) {
  return createImageBitmap(new Blob([png], { type: "image/png" })).then((bitmap) => {
    fit(canvas, context, bitmap.width, bitmap.height, size);
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
  });
}

function render({ model, el }) {
  el.classList.add("rw-screen");
  const canvas = document.createElement("canvas");
  canvas.className = "rw-screen-canvas";
  el.appendChild(canvas);
  const context = canvas.getContext("2d");
  const scratch = document.createElement("canvas"); // where a part is put before it is drawn over the picture
  let queue = Promise.resolve(); // frames are painted one after the other, never out of order

  canvas.style.maxWidth = "100%"; // while the kernel fits a narrower width, the old picture scales down
  canvas.style.height = "auto";
  canvas.style.display = "block";
  function heard(message, buffers) {
    if (message.type === "frame") {
      const size = model.get("size"); // set by the kernel just before it sent this frame
      queue = queue.then(() => paint(canvas, context, scratch, buffers, message.at, message.whole, size))
        .catch(console.error)
        .then(() => { if (message.ack) model.send({ type: "painted", number: message.number }); });
    }
  }
  model.on("msg:custom", heard);
  const saved = model.get("picture"); // the last whole frame the kernel kept (saved widget state)
  if (saved && saved.byteLength) {
    const size = model.get("size");
    queue = queue.then(() => paintSaved(canvas, context, saved, size));
  }

  // The width, once it has settled (a side panel sliding shut reports a new width every frame)
  let reported = -1;
  let timer = null;
  function report() {
    const width = Math.floor(el.getBoundingClientRect().width);
    if (width > 0 && width !== reported) {
      reported = width;
      model.set("width", width);
      model.set("pixel_ratio", window.devicePixelRatio || 1);
      model.save_changes();
    }
  }
  const observer = new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(report, reported < 0 ? 0 : 150);
  });
  observer.observe(el);
  canvas.addEventListener("click", (event) => {
    const box = canvas.getBoundingClientRect();
    model.send({ type: "click", x: event.clientX - box.left, y: event.clientY - box.top });
  });
  model.send({ type: "ready" }); // a new view: the kernel answers with a whole frame
  return () => {
    observer.disconnect();
    clearTimeout(timer);
    model.off("msg:custom", heard);
  };
}

export default { render };
