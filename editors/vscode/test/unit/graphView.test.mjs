// Unit tests of the journey graph panel's page (out/graphView.js, built by `npm run compile`).
// Run: node --test test/unit/

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

const require = createRequire(import.meta.url);
const { SHOW_GRAPH, graphHtml, graphTitle } = require("../../out/graphView.js");

test("the command is the one the server's code lens runs", () => {
  assert.equal(SHOW_GRAPH, "journey.showGraph");
});

test("the page embeds the SVG and allows no script or remote content", () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>wait 1d</text></svg>';
  const html = graphHtml("welcome", svg);
  assert.ok(html.includes(svg));
  assert.ok(html.includes("default-src 'none'"));
  assert.ok(!html.includes("<script"));
  assert.ok(html.includes("<title>journey welcome</title>"));
});

test("names are escaped in the page title", () => {
  assert.ok(graphHtml("<b>", "<svg/>").includes("<title>journey &lt;b&gt;</title>"));
  assert.equal(graphTitle("welcome"), "Graph: welcome");
});
