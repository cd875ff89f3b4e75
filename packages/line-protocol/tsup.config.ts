import { library } from "@lr/tsup-config";

export default library({ entry: ["src/index.ts"] });
