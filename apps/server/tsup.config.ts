import { program } from "@lr/tsup-config";

export default program({ entry: { main: "src/main.ts" }, shebang: true });
