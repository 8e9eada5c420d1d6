#!/usr/bin/env node
// Validates a Kubernetes Job manifest offline against the batch/v1 Job schema (the validators
// the npm package kubernetes-models generates from Kubernetes' OpenAPI document), and checks
// what a dsim sweep needs of it: an Indexed Job whose SHARDS equals its completions.
//   node tools/fleet/validate-job.js MANIFEST.yaml
// Prints the container's command line (its last element) on success, for the caller to compare
// with the README; otherwise one line naming what is wrong, exit 1. Modules are looked up in
// DSIM_NODE_MODULES (tools/test installs them under build/npm/node_modules), then as usual.
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");
const modules = process.env.DSIM_NODE_MODULES;
const load = (name) => (modules ? Module.createRequire(path.join(modules, "x.js"))(name) : require(name));

function fail(message) {
  process.stdout.write(`validate-job: ${message}\n`);
  process.exit(1);
}

if (process.argv.length !== 3) fail("usage: validate-job.js MANIFEST.yaml");
const file = process.argv[2];
let doc;
try {
  doc = load("js-yaml").load(fs.readFileSync(file, "utf8"));
} catch (e) {
  fail(`${file}: ${e.message.split("\n")[0]}`);
}
if (!doc || doc.apiVersion !== "batch/v1" || doc.kind !== "Job") fail(`${file}: not a batch/v1 Job`);
const { Job } = load("kubernetes-models/batch/v1/Job");
try {
  new Job(doc).validate();
} catch (e) {
  fail(`${file}: ${e.message.split("\n")[0]}`);
}
const spec = doc.spec;
if (spec.completionMode !== "Indexed") fail(`${file}: spec.completionMode must be Indexed (pods need $JOB_COMPLETION_INDEX)`);
const containers = spec.template.spec.containers;
if (containers.length !== 1) fail(`${file}: expected one container, found ${containers.length}`);
const shards = (containers[0].env || []).find((e) => e.name === "SHARDS");
if (!shards || String(spec.completions) !== shards.value)
  fail(`${file}: env SHARDS (${shards ? shards.value : "unset"}) must equal spec.completions (${spec.completions})`);
const command = containers[0].command || [];
process.stdout.write(command[command.length - 1] + "\n");
