// Render every formula given on stdin (JSON: [{tex, display}, ...]) with KaTeX, as a
// Markdown page shown with KaTeX would; print one JSON list of {index, error} failures.
const katex = require("katex");
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const failures = [];
  JSON.parse(input).forEach((item, index) => {
    try {
      katex.renderToString(item.tex, { displayMode: item.display, throwOnError: true,
                                       strict: "error" });
    } catch (error) {
      failures.push({ index, error: String(error.message || error) });
    }
  });
  process.stdout.write(JSON.stringify(failures));
});
