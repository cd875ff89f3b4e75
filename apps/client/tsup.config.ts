import { program } from "@lr/tsup-config";

// main.js is the program's single entry point. job.js is not an entry for users: it is the module
// the reactor's worker threads load (`new URL("./job.js", import.meta.url)` from main.js), so it
// must exist as its own file next to main.js.
export default program({
  entry: { main: "src/main.ts", job: "src/job.ts" },
  shebang: true,
  // `--version` names the library versions the app was built with.
  libraryVersions: ["@lr/reactor", "@lr/line-protocol"],
});
