// The page of the "Show journey graph" panel: the SVG the language server drew
// (`workspace/executeCommand` `journey.showGraph`), shown in a webview that runs no script and
// loads nothing (its content security policy allows inline styles and nothing else).

/** The command of the code lens above each `journey`; the server answers it with an SVG. */
export const SHOW_GRAPH = "journey.showGraph";

/** The HTML page that shows `svg`, the graph of journey `name`. */
export function graphHtml(name: string, svg: string): string {
  const title = escapeHtml(`journey ${name}`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${title}</title>
<style>body { background: #ffffff; margin: 0; padding: 12px; } svg { max-width: none; }</style>
</head>
<body>
${stripProlog(svg)}
</body>
</html>
`;
}

/** The panel's title. */
export function graphTitle(name: string): string {
  return `Graph: ${name}`;
}

function stripProlog(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, "");
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
