// Upload with visible progress: bytes sent, then "controleren" while the server checks the file.
// Without JavaScript the form posts normally.
(function () {
  "use strict";
  document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      if (!input || !input.files || !input.files.length || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var box = form.querySelector(".upload-progress");
      var bar = form.querySelector("progress");
      var text = form.querySelector(".upload-progress__text");
      box.hidden = false;
      form.querySelector("button[type=submit]").disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var pct = Math.round((e.loaded / e.total) * 100);
          bar.value = pct;
          text.textContent = pct + "% verstuurd";
          if (pct >= 100) { bar.removeAttribute("value"); text.textContent = "Verstuurd; het bestand wordt gecontroleerd…"; }
        }
      });
      xhr.addEventListener("load", function () {
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        text.textContent = "Het versturen is mislukt. Probeer het opnieuw.";
        form.querySelector("button[type=submit]").disabled = false;
      });
      xhr.send(new FormData(form));
    });
  });
}());
