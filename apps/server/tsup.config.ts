import { program } from "@lr/tsup-config";

export default program({
  entry: { main: "src/main.ts" },
  shebang: true,
  // `--version` names the library versions the app was built with.
  libraryVersions: ["@lr/reactor", "@lr/line-protocol"],
});
