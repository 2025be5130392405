/* Photos as phones take them: before upload, any photo whose long side is over
   2,048 px is redrawn at that size as a JPEG (the browser applies the EXIF orientation
   when it draws, and the new file carries no metadata). The server still checks and
   caps every photo; without JavaScript, or where the browser cannot, the original goes. */
(function () {
  "use strict";
  var LONG_SIDE = 2048;
  var QUALITY = 0.88;

  function smaller(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var long = Math.max(bitmap.width, bitmap.height);
      if (long <= LONG_SIDE) { return file; }
      var scale = LONG_SIDE / long;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function resize(input) {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length || !window.DataTransfer) { return; }
    input.dataset.resizing = "1";
    Promise.all(files.map(smaller)).then(function (done) {
      var list = new DataTransfer();
      done.forEach(function (f) { list.items.add(f); });
      input.files = list.files;
      delete input.dataset.resizing;
      input.dataset.resized = String(done.filter(function (f, i) { return f !== files[i]; }).length);
    });
  }

  // A form sent while a photo is still being made smaller waits for it (a moment).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.querySelector || !form.querySelector("input[data-resizing]")) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter;
    var wait = setInterval(function () {
      if (form.querySelector("input[data-resizing]")) { return; }
      clearInterval(wait);
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    }, 100);
  }, true);

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.type === "file" && input.name === "photos") { resize(input); }
  });
})();
