// TeX to SVG at build time with the pinned MathJax (npm package `mathjax`, its node entry point),
// for book/_ext/offline_mathjax.py. One request per line on stdin, one JSON answer per line on stdout:
//   {"tex": "...", "display": true}  ->  {"html": "<mjx-container ...>", "error": null | "message"}
//   {"defs": true}                   ->  {"html": "<svg ...><defs>glyphs used since the last call</defs></svg>"}
//   {"css": true}                    ->  {"css": "MathJax's SVG stylesheet"}
// Glyph shapes are written once per page (a hidden <svg> of <defs>, MathJax's "global" font cache)
// and each formula refers to them; a MathML copy rides along for screen readers (assistive-mml).
const readline = require("readline");
const mathjax = process.argv[2];

// Every TeX package of the browser's tex-full build, except the two that hide mistakes: a formula
// that does not parse or uses an unknown macro comes back with an error, which fails the build.
require(`${mathjax}/node-main.js`).init({
  loader: {paths: {mathjax}, load: ["adaptors/liteDOM", "input/tex-full", "output/svg", "a11y/assistive-mml"]},
  tex: {packages: {"[-]": ["noerrors", "noundefined"]}},
  svg: {fontCache: "global"},
  startup: {typeset: false},
}).then((MathJax) => {
  const adaptor = MathJax.startup.adaptor;
  const output = MathJax.startup.output;
  const answer = (value) => process.stdout.write(JSON.stringify(value) + "\n");
  readline.createInterface({input: process.stdin}).on("line", (line) => {
    const request = JSON.parse(line);
    if (request.css) return answer({css: adaptor.textContent(MathJax.svgStylesheet())});
    if (request.defs) {
      const defs = adaptor.outerHTML(output.fontCache.getCache());
      output.clearFontCache();
      return answer({html: `<svg id="MJX-SVG-global-cache" style="display: none" aria-hidden="true">${defs}</svg>`});
    }
    let error = null;
    let html;
    try {
      const node = MathJax.tex2svg(request.tex, {display: request.display});
      html = adaptor.outerHTML(node);
      const failed = html.match(/data-mjx-error="([^"]*)"/);
      if (failed) error = failed[1];
    } catch (exception) {
      error = String(exception.message || exception);
    }
    answer({html, error});
  });
}).catch((exception) => {
  process.stderr.write(`MathJax failed to start: ${exception}\n`);
  process.exit(1);
});
