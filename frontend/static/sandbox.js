// Turns each code <textarea> into a CodeMirror editor. Without JavaScript (or without
// the npm-installed CodeMirror) the plain textareas still submit the same form.
(function () {
  if (typeof CodeMirror === "undefined") return;
  document.querySelectorAll("textarea.code-editor").forEach(function (area) {
    var editor = CodeMirror.fromTextArea(area, {
      mode: "python", lineNumbers: true, indentUnit: 4, viewportMargin: Infinity,
      extraKeys: { Tab: function (cm) { cm.replaceSelection("    "); } },
    });
    editor.on("change", function () { editor.save(); });
  });
})();
