// The Lab's figure in the browser (see screen.py): paints the frames the kernel sends, in order, and
// tells the kernel the width it has, the screen's pixel ratio, and where the figure was clicked.
// A frame is one PNG ("whole") or several (the boxes around what changed, unchanged pixels transparent),
// each placed at its (x, y); all of a frame's parts show together. The page says when it painted a frame.

function decode(buffer) {
  return createImageBitmap(new Blob([buffer], { type: "image/png" }));
}

function paint(canvas, context, buffers, at, whole, size) {
  return Promise.all(buffers.map(decode)).then((bitmaps) => {
    if (whole) { // a new size shows with its own picture, never the old one stretched
      const bitmap = bitmaps[0];
      if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
      }
      const [width, height] = size; // CSS pixels (the bitmap may have more: HiDPI)
      canvas.style.width = `${width}px`;
      canvas.style.aspectRatio = `${width} / ${height}`;
      context.clearRect(0, 0, canvas.width, canvas.height);
    }
    bitmaps.forEach((bitmap, k) => {
      const [x, y] = at[k] || [0, 0];
      context.drawImage(bitmap, x, y);
      bitmap.close();
    });
  });
}

function render({ model, el }) {
  el.classList.add("rw-screen");
  const canvas = document.createElement("canvas");
  canvas.className = "rw-screen-canvas";
  el.appendChild(canvas);
  const context = canvas.getContext("2d");
  let queue = Promise.resolve(); // frames are painted one after the other, never out of order

  canvas.style.maxWidth = "100%"; // while the kernel fits a narrower width, the old picture scales down
  canvas.style.height = "auto";
  canvas.style.display = "block";
  function heard(message, buffers) {
    if (message.type === "frame") {
      const size = model.get("size"); // set by the kernel just before it sent this frame
      queue = queue.then(() => paint(canvas, context, buffers, message.at, message.whole, size))
        .catch(console.error)
        .then(() => model.send({ type: "painted", number: message.number }));
    }
  }
  model.on("msg:custom", heard);
  const saved = model.get("picture"); // the last whole frame the kernel kept (saved widget state)
  if (saved && saved.byteLength) {
    const size = model.get("size");
    queue = queue.then(() => paint(canvas, context, [saved], [[0, 0]], true, size));
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
