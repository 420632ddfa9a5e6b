import js from "@eslint/js";
import globals from "globals";
import boundaries from "eslint-plugin-boundaries";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      ".builds/**",
      "build/**",
      "public/build/**",
      "node_modules/**",
      "data/**",
      "test-results/**",
      "playwright-report/**",
      "e2e/.data*/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": ["error", { allow: ["error", "warn"] }],
    },
  },
  {
    files: ["scripts/**", "e2e/**", "**/*.test.ts", "**/*.test.tsx"],
    rules: { "no-console": "off" },
  },
  // One import alias (ADR 038): `~/` is the repository root (`~/app/…`, `~/db/…`, `~/jobs/…`,
  // `~/adapters/…`); `./` stays for a module's own folder. Files Deno runs directly keep relative
  // paths: Deno does not read tsconfig's paths.
  {
    files: ["app/**", "db/**", "jobs/**", "adapters/**", "scripts/**", "e2e/**"],
    ignores: ["scripts/deno/**", "scripts/testing/writer-thread-stress.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../*", "../../*"],
              message:
                "Import from another folder through the ~/ alias (the repository root, ADR 038)",
            },
          ],
        },
      ],
    },
  },
  // The import direction (ADR 038): routes → domain (app/<capability>) → the jobs enqueue API,
  // db and adapters. db and adapters import nothing of the app; nothing imports a route; no
  // production module imports a test helper or the demo seed. Test files may import anything.
  {
    files: ["app/**", "db/**", "jobs/**", "adapters/**", "scripts/**"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    plugins: { boundaries },
    settings: {
      "import/resolver": { typescript: { project: "tsconfig.json" } },
      "boundaries/include": ["app/**", "db/**", "jobs/**", "adapters/**", "scripts/**", "e2e/**"],
      "boundaries/elements": [
        { type: "route", pattern: "app/routes", partialMatch: false },
        { type: "domain", pattern: "app/*", capture: ["capability"], partialMatch: false },
        // boot, entry points, root: the composition root may wire anything but a route.
        { type: "app-root", pattern: "app", partialMatch: false },
        { type: "jobs", pattern: "jobs", partialMatch: false },
        { type: "db", pattern: "db", partialMatch: false },
        { type: "adapters", pattern: "adapters", partialMatch: false },
        { type: "scripts", pattern: "scripts", partialMatch: false },
        { type: "e2e", pattern: "e2e", partialMatch: false },
      ],
      "boundaries/files": [
        {
          category: "test-helper",
          pattern: [
            "**/test-helpers.{ts,tsx}",
            "**/*fixtures*",
            "**/testing.ts",
            "**/testing/**",
            "**/fake-*.ts",
          ],
        },
        { category: "demo", pattern: ["app/demo/**"] },
        // The job runner itself; the app reaches jobs only through their enqueue API.
        { category: "jobs-runner", pattern: ["jobs/runner.server.ts", "jobs/start.server.ts"] },
      ],
    },
    rules: {
      "boundaries/dependencies": [
        "error",
        {
          default: "disallow",
          message:
            "{{from.type}} may not import {{to.type}} ('{{dependency.source}}'): the direction is routes → app/<capability> → jobs enqueue API / db / adapters (ADR 038)",
          policies: [
            {
              from: { element: { type: "route" } },
              allow: { to: { element: { types: { anyOf: ["domain", "app-root"] } } } },
            },
            {
              from: { element: { types: { anyOf: ["domain", "app-root", "jobs"] } } },
              allow: {
                to: {
                  element: { types: { anyOf: ["domain", "app-root", "jobs", "db", "adapters"] } },
                },
              },
            },
            { from: { element: { type: "db" } }, allow: { to: { element: { type: "db" } } } },
            {
              from: { element: { type: "adapters" } },
              allow: { to: { element: { type: "adapters" } } },
            },
            {
              from: { element: { types: { anyOf: ["scripts", "e2e"] } } },
              allow: {
                to: {
                  element: {
                    types: { anyOf: ["domain", "app-root", "jobs", "db", "adapters", "scripts"] },
                  },
                },
              },
            },
            {
              from: { element: { type: "domain" } },
              disallow: { to: { file: { categories: "jobs-runner" } } },
              message:
                "app/{{from.captured.capability}} may not import the job runner ('{{dependency.source}}'): enqueue through jobs/enqueue.server; only boot starts the runner (ADR 038)",
            },
            {
              from: {
                element: { types: { anyOf: ["domain", "route", "jobs", "db", "adapters"] } },
              },
              disallow: { to: { file: { categories: "demo" } } },
              message:
                "production code may not import the demo seed ('{{dependency.source}}'): take the value from the caller (boot, scripts) (ADR 038)",
            },
            // Test helpers and fakes are for tests, never for production code…
            {
              from: {
                element: {
                  types: { anyOf: ["route", "domain", "app-root", "jobs", "db", "adapters"] },
                },
              },
              disallow: { to: { file: { categories: "test-helper" } } },
              message:
                "a test helper ('{{dependency.source}}') may not be imported by {{from.type}} code: tests only (ADR 038)",
            },
            // …and they may import anything but a route, except the harnesses in scripts/testing,
            // whose job is to call routes in-process as a request would.
            {
              from: { file: { categories: "test-helper" } },
              allow: { to: { element: { types: { noneOf: ["route"] } } } },
            },
            {
              from: { element: { type: "scripts" }, file: { categories: "test-helper" } },
              allow: { to: { element: { type: "route" } } },
            },
          ],
        },
      ],
    },
  },
  // A route parses, calls a domain function and renders: it never queries the database itself.
  {
    files: ["app/routes/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["drizzle-orm", "drizzle-orm/*", "@libsql/*"],
              message: "A route does not query the database: call a domain function (ADR 038).",
            },
          ],
        },
      ],
    },
  },
);
